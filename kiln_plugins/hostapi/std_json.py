"""``std.json``: encode and decode JSON (no capability needed).

Only plain JSON crosses: NaN and infinities are refused both ways, and a decode error names the
line and column inside the text, so a plugin's user sees where their JSON is broken.
"""

from __future__ import annotations

import json

from ..errors import PluginRuntimeError, UsageError
from .plain import to_plain
from .registry import HostFunction, Param
from .std_args import bool_arg, int_arg, options, str_arg

__all__ = ["FUNCTIONS"]


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def encode(ctx, value, opts=None):
    """std.json.encode: compact JSON text."""
    o = options(opts, "std.json.encode", {"sort_keys": False})
    sort_keys = bool_arg(o["sort_keys"], "std.json.encode", "sort_keys")
    try:
        plain = to_plain(value)
    except PluginRuntimeError as exc:
        raise PluginRuntimeError(f"std.json.encode: {exc.message}") from None
    return json.dumps(plain, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"),
                      allow_nan=False)


def pretty(ctx, value, opts=None):
    """std.json.pretty: indented JSON text with sorted keys."""
    o = options(opts, "std.json.pretty", {"indent": 2, "sort_keys": True})
    indent = int_arg(o["indent"], "std.json.pretty", "indent", minimum=0, maximum=16)
    sort_keys = bool_arg(o["sort_keys"], "std.json.pretty", "sort_keys")
    try:
        plain = to_plain(value)
    except PluginRuntimeError as exc:
        raise PluginRuntimeError(f"std.json.pretty: {exc.message}") from None
    return json.dumps(plain, ensure_ascii=False, indent=indent, sort_keys=sort_keys, allow_nan=False)


def decode(ctx, text):
    """std.json.decode: the value of a JSON text; errors name line and column."""
    text = str_arg(text, "std.json.decode", "text")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise UsageError(f"std.json.decode: invalid JSON at line {exc.lineno} column {exc.colno}: "
                         f"{exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"std.json.decode: invalid JSON: {exc}") from None


S = {"type": "string"}
ANY: dict = {}
OPTS = {"type": "object"}

FUNCTIONS = (
    HostFunction("std.json", "encode", "Encode a value as compact JSON text.",
                 (Param("value", ANY), Param("opts", OPTS, "{sort_keys=false}", required=False)),
                 "string", None, encode,
                 example='assert(std.json.encode({a = 1}) == \'{"a":1}\')',
                 rune_example='assert_eq!(std::json::encode(#{a: 1}), "{\\"a\\":1}");'),
    HostFunction("std.json", "decode", "Decode JSON text into a value (null becomes nil).",
                 (Param("text", S),), "the decoded value", None, decode,
                 example='assert(std.json.decode(\'{"n": [1, 2]}\').n[2] == 2)',
                 rune_example='assert_eq!(std::json::decode("{\\"n\\": [1, 2]}")["n"][1], 2);'),
    HostFunction("std.json", "pretty", "Encode a value as indented JSON with sorted keys.",
                 (Param("value", ANY), Param("opts", OPTS, "{indent=2, sort_keys=true}", required=False)),
                 "string", None, pretty,
                 example='assert(std.json.pretty({b = 1}) == \'{\\n  "b": 1\\n}\')',
                 rune_example='assert_eq!(std::json::pretty(#{b: 1}), "{\\n  \\"b\\": 1\\n}");'),
)
