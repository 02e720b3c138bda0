"""``std.re``: regular expressions with the ``regex`` package, every match under a timeout.

The first-match function is ``find``, not ``match``: ``match`` is a keyword in Rune, and one
name must serve both languages.

A pattern with catastrophic backtracking would otherwise hold the host inside one C call
(DESIGN §6); ``regex`` takes ``timeout=`` on every operation, and we pass the smaller of
:data:`TIMEOUT_MS` (or the ``timeout_ms`` option) and what is left of the call's wall-clock
budget. Offsets in results are 0-based character offsets, ``stop`` exclusive; a group that
did not take part is nil.
"""

from __future__ import annotations

import regex

from ..errors import PluginRuntimeError, UsageError
from .registry import HostFunction, Param
from .std_args import bool_arg, int_arg, options, str_arg

__all__ = ["FUNCTIONS", "TIMEOUT_MS", "compile_pattern"]

TIMEOUT_MS = 1000
"""Default time one regex operation may take; ``timeout_ms`` changes it, the call's own
wall-clock budget caps it."""
FLAGS = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL, "x": regex.VERBOSE}


MAX_REPEAT_PRODUCT = 100_000
"""Largest number of copies nested ``{n}`` counts may ask for: ``regex`` expands counted repeats
when it compiles, outside every timeout and outside the Lua memory limit (``(?:(?:a{100}){100}){100}``
takes ~300 MB, ``a{1000000000}`` all the machine has)."""
_QUANT = regex.compile(r"\{(\d+)(?:,(\d*))?\}")


def _repeat_product(pattern: str) -> int:
    """The largest product of counted repeats along any nesting path of ``pattern`` (an upper bound)."""
    frames, last, i = [1], 1, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            last, i = 1, i + 2
            continue
        if c == "[":  # a class is one atom; skip to its closing bracket
            j = i + 1 + (pattern[i + 1:i + 2] == "^")
            j += pattern[j:j + 1] == "]"
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            last, i = 1, j + 1
        elif c == "(":
            frames.append(1)
            i += 1
        elif c == ")" and len(frames) > 1:
            last = frames.pop()
            i += 1
        elif c == "{" and (m := _QUANT.match(pattern, i)):
            count = max(int(m.group(1)), int(m.group(2) or 0))
            last *= count
            frames[-1] = max(frames[-1], last)
            i = m.end()
        else:
            last = 1
            i += 1
        frames[-1] = max(frames[-1], last)
    return max(frames)


def compile_pattern(pattern, flags, fn: str):
    """The compiled pattern, or a UsageError quoting the pattern and the problem."""
    pattern = str_arg(pattern, fn, "pattern")
    flags = str_arg(flags or "", fn, "flags")
    bits = 0
    for letter in flags:
        if letter not in FLAGS:
            raise UsageError(f"{fn}: unknown flag '{letter}' (allowed: {''.join(FLAGS)})")
        bits |= FLAGS[letter]
    if _repeat_product(pattern) > MAX_REPEAT_PRODUCT:
        raise UsageError(f"{fn}: pattern {pattern[:80]!r} repeats more than {MAX_REPEAT_PRODUCT} times "
                         f"(counted repeats multiply when nested)")
    try:
        return regex.compile(pattern, bits)
    except (regex.error, ValueError, OverflowError) as exc:
        raise UsageError(f"{fn}: invalid pattern {pattern!r}: {exc}") from None
    except RecursionError:
        raise UsageError(f"{fn}: pattern {pattern[:80]!r} nests too deeply") from None


def _timeout(ctx, o: dict, fn: str) -> float:
    wanted = int_arg(o["timeout_ms"], fn, "timeout_ms", minimum=1) / 1000
    remaining = ctx.remaining_seconds() if hasattr(ctx, "remaining_seconds") else wanted
    return max(0.001, min(wanted, remaining))


def _run(ctx, fn: str, pattern: str, o: dict, operation):
    timeout = _timeout(ctx, o, fn)
    try:
        return operation(timeout)
    except TimeoutError:
        raise PluginRuntimeError(f"{fn}: pattern {pattern!r} took longer than {timeout * 1000:.0f} ms "
                                 "and was stopped (catastrophic backtracking?)") from None
    except (regex.error, IndexError) as exc:
        raise UsageError(f"{fn}: {exc}") from None


def _record(m) -> dict:
    return {"match": m.group(0), "start": m.start(), "stop": m.end(),
            "groups": [g for g in m.groups()], "named": dict(m.groupdict())}


def find(ctx, pattern, text, opts=None):
    """std.re.find: the first match (or None) as a record."""
    o = options(opts, "std.re.find", {"flags": "", "timeout_ms": TIMEOUT_MS, "anchored": False})
    rx = compile_pattern(pattern, o["flags"], "std.re.find")
    text = str_arg(text, "std.re.find", "text")
    finder = rx.match if bool_arg(o["anchored"], "std.re.find", "anchored") else rx.search
    m = _run(ctx, "std.re.find", pattern, o, lambda t: finder(text, timeout=t))
    return None if m is None else _record(m)


def find_all(ctx, pattern, text, opts=None):
    """std.re.find_all: every non-overlapping match as records."""
    o = options(opts, "std.re.find_all", {"flags": "", "timeout_ms": TIMEOUT_MS, "limit": None})
    rx = compile_pattern(pattern, o["flags"], "std.re.find_all")
    text = str_arg(text, "std.re.find_all", "text")
    limit = None if o["limit"] is None else int_arg(o["limit"], "std.re.find_all", "limit", minimum=0)

    def collect(timeout):
        found = []
        for m in rx.finditer(text, timeout=timeout):
            if limit is not None and len(found) >= limit:
                break
            found.append(_record(m))
        return found

    return _run(ctx, "std.re.find_all", pattern, o, collect)


def sub(ctx, pattern, replacement, text, opts=None):
    """std.re.sub: the text with matches replaced."""
    o = options(opts, "std.re.sub", {"flags": "", "timeout_ms": TIMEOUT_MS, "count": 0})
    rx = compile_pattern(pattern, o["flags"], "std.re.sub")
    replacement = str_arg(replacement, "std.re.sub", "replacement")
    text = str_arg(text, "std.re.sub", "text")
    count = int_arg(o["count"], "std.re.sub", "count", minimum=0)
    return _run(ctx, "std.re.sub", pattern, o,
                lambda t: rx.sub(replacement, text, count=count, timeout=t))


def split(ctx, pattern, text, opts=None):
    """std.re.split: the text split at each match."""
    o = options(opts, "std.re.split", {"flags": "", "timeout_ms": TIMEOUT_MS, "max": 0})
    rx = compile_pattern(pattern, o["flags"], "std.re.split")
    text = str_arg(text, "std.re.split", "text")
    maxsplit = int_arg(o["max"], "std.re.split", "max", minimum=0)
    return _run(ctx, "std.re.split", pattern, o,
                lambda t: [p for p in rx.split(text, maxsplit=maxsplit, timeout=t) if p is not None])


S = {"type": "string"}
OPTS = {"type": "object"}
RECORD = "{match, start, stop, groups = [..], named = {name = ..}}"

FUNCTIONS = (
    HostFunction("std.re", "find", "First match of a pattern anywhere in the text (`anchored` = at "
                 "the start only). Flags: i, m, s, x.",
                 (Param("pattern", S), Param("text", S),
                  Param("opts", OPTS, "{flags='', timeout_ms=1000, anchored=false}", required=False)),
                 RECORD + " or nil", None, find,
                 example='local m = std.re.find("(?<y>\\\\d{4})-(\\\\d\\\\d)", "on 2024-05")\n'
                         'assert(m.named.y == "2024" and m.groups[2] == "05")',
                 rune_example='let m = std::re::find("(?<y>\\\\d{4})-(\\\\d\\\\d)", "on 2024-05");\n'
                              'assert_eq!(m["named"]["y"], "2024");'),
    HostFunction("std.re", "find_all", "Every non-overlapping match, in order.",
                 (Param("pattern", S), Param("text", S),
                  Param("opts", OPTS, "{flags='', timeout_ms=1000, limit}", required=False)),
                 "[" + RECORD + "]", None, find_all,
                 example='assert(#std.re.find_all("\\\\w+", "a bb ccc") == 3)',
                 rune_example='assert_eq!(std::re::find_all("\\\\w+", "a bb ccc").len(), 3);'),
    HostFunction("std.re", "sub", "Replace matches (all, or the first `count`); `\\1` and "
                 "`\\g<name>` refer to groups.",
                 (Param("pattern", S), Param("replacement", S), Param("text", S),
                  Param("opts", OPTS, "{flags='', timeout_ms=1000, count=0}", required=False)),
                 "string", None, sub,
                 example='assert(std.re.sub("o+", "0", "foo boo") == "f0 b0")',
                 rune_example='assert_eq!(std::re::sub("o+", "0", "foo boo"), "f0 b0");'),
    HostFunction("std.re", "split", "Split the text at each match (captured groups are kept).",
                 (Param("pattern", S), Param("text", S),
                  Param("opts", OPTS, "{flags='', timeout_ms=1000, max=0}", required=False)),
                 "[string]", None, split,
                 example='assert(#std.re.split(",\\\\s*", "a, b,c") == 3)',
                 rune_example='assert_eq!(std::re::split(",\\\\s*", "a, b,c").len(), 3);'),
)
