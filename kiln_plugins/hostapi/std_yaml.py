"""``std.yaml``: safe YAML load and dump (no capability needed).

Loading uses PyYAML's safe loader behind two guards: a text size cap and a cap on the number of
values after alias expansion, so a "billion laughs" document is refused before it is built.
"""

from __future__ import annotations

import yaml

from ..errors import PluginRuntimeError, UsageError
from .plain import to_plain
from .registry import HostFunction, Param
from .std_args import str_arg

__all__ = ["FUNCTIONS", "MAX_YAML_BYTES", "MAX_YAML_VALUES"]

MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_YAML_VALUES = 100_000


def _expanded(node, memo: dict[int, int], depth: int) -> int:
    """Values the node stands for once aliases are expanded (stops counting past the cap)."""
    if id(node) in memo:
        return memo[id(node)]
    if depth > 200:
        return MAX_YAML_VALUES + 1
    total = 1
    children = ([c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode)
                else node.value if isinstance(node, yaml.SequenceNode) else ())
    for child in children:
        total += _expanded(child, memo, depth + 1)
        if total > MAX_YAML_VALUES:
            break
    memo[id(node)] = total
    return total


def load(ctx, text):
    """std.yaml.load: safe-load YAML behind size and alias-expansion guards."""
    text = str_arg(text, "std.yaml.load", "text")
    if len(text.encode("utf-8", "replace")) > MAX_YAML_BYTES:
        raise UsageError(f"std.yaml.load: text is larger than {MAX_YAML_BYTES // (1024 * 1024)} MB")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded(node, {}, 0) > MAX_YAML_VALUES:
            raise UsageError(f"std.yaml.load: document expands to more than {MAX_YAML_VALUES} "
                             "values (alias bomb?)")
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and (mark.index >= len(text.rstrip()) or "flow" in (exc.context or "")):
            mark = exc.context_mark  # an unclosed bracket or quote: where it opened says more
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise UsageError(f"std.yaml.load: invalid YAML{where}: {exc.problem or exc.context}") from None
    except (yaml.YAMLError, RecursionError, TypeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"std.yaml.load: invalid YAML: {first}") from None
    finally:
        loader.dispose()
    try:
        return to_plain(data)
    except PluginRuntimeError as exc:
        raise UsageError(f"std.yaml.load: {exc.message}") from None


def dump(ctx, value):
    """std.yaml.dump: block-style YAML, keys in their order."""
    try:
        plain = to_plain(value)
    except PluginRuntimeError as exc:
        raise PluginRuntimeError(f"std.yaml.dump: {exc.message}") from None
    return yaml_text(plain)


def yaml_text(plain) -> str:
    """Block-style YAML of a plain value that reads back as the same value."""
    text = yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, default_flow_style=False)
    if any(c in text for c in "\x85\u2028\u2029"):
        # PyYAML writes these unescaped, and YAML reads them back as line breaks: escape them.
        text = yaml.safe_dump(plain, sort_keys=False, allow_unicode=False, default_flow_style=False)
    return text


FUNCTIONS = (
    HostFunction("std.yaml", "load", "Parse YAML safely (no tags that build objects; alias bombs and "
                 "texts over 4 MB refused). Dates become ISO strings.",
                 (Param("text", {"type": "string"}),), "the parsed value", None, load,
                 example='assert(std.yaml.load("a: [1, 2]").a[2] == 2)',
                 rune_example='assert_eq!(std::yaml::load("a: [1, 2]")["a"][1], 2);'),
    HostFunction("std.yaml", "dump", "Write a value as block-style YAML, keys in their order.",
                 (Param("value", {}),), "string", None, dump,
                 example='assert(std.yaml.dump({a = 1}) == "a: 1\\n")',
                 rune_example='assert_eq!(std::yaml::dump(#{a: 1}), "a: 1\\n");'),
)
