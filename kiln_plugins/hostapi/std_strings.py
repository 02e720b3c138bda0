"""``std.strings``: the string helpers Lua lacks and Rune spells differently (no capability).

All lengths and widths count Unicode characters, not bytes (Lua's ``#`` counts bytes).
"""

from __future__ import annotations

import unicodedata

import regex

from ..errors import UsageError
from .registry import HostFunction, Param
from .std_args import bool_arg, int_arg, options, str_arg

__all__ = ["FUNCTIONS", "slugify_text"]

_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")


def slugify_text(text: str, sep: str = "-", ascii_only: bool = True) -> str:
    """Lower-case words joined by ``sep``; accents folded to ASCII unless ``ascii_only`` is false."""
    if ascii_only:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub(sep, text.lower()).strip(sep) if sep else _NOT_WORD.sub("", text.lower())


def slugify(ctx, text, opts=None):
    """std.strings.slugify: a lower-case, separator-joined slug."""
    fn = "std.strings.slugify"
    o = options(opts, fn, {"sep": "-", "ascii": True})
    return slugify_text(str_arg(text, fn, "text"), str_arg(o["sep"], fn, "sep"),
                        bool_arg(o["ascii"], fn, "ascii"))


def split(ctx, text, sep=None, opts=None):
    """std.strings.split: the text split at a literal separator or whitespace."""
    fn = "std.strings.split"
    text = str_arg(text, fn, "text")
    o = options(opts, fn, {"max": -1, "trim": False, "skip_empty": False})
    maxsplit = int_arg(o["max"], fn, "max", minimum=-1)
    if sep is None:
        parts = text.split(None, maxsplit)
    else:
        sep = str_arg(sep, fn, "sep")
        if sep == "":
            raise UsageError(f"{fn}: sep must not be empty (use nil to split at whitespace)")
        parts = text.split(sep, maxsplit)
    if bool_arg(o["trim"], fn, "trim"):
        parts = [p.strip() for p in parts]
    if bool_arg(o["skip_empty"], fn, "skip_empty"):
        parts = [p for p in parts if p]
    return parts


def trim(ctx, text, chars=None):
    """std.strings.trim: the text without leading/trailing whitespace or chars."""
    fn = "std.strings.trim"
    text = str_arg(text, fn, "text")
    return text.strip(None if chars is None else str_arg(chars, fn, "chars"))


def pad(ctx, text, width, opts=None):
    """std.strings.pad: the text padded to width characters."""
    fn = "std.strings.pad"
    text = str_arg(text, fn, "text")
    width = int_arg(width, fn, "width", minimum=0, maximum=1_000_000)
    o = options(opts, fn, {"side": "right", "char": " "})
    side = str_arg(o["side"], fn, "side", choices=("left", "right", "both"))
    char = str_arg(o["char"], fn, "char")
    if len(char) != 1:
        raise UsageError(f"{fn}: char must be exactly one character, got {char!r}")
    if side == "left":
        return text.rjust(width, char)
    if side == "both":
        return text.center(width, char)
    return text.ljust(width, char)


S = {"type": "string"}
OPTS = {"type": "object"}

FUNCTIONS = (
    HostFunction("std.strings", "slugify", "A URL/file-name friendly slug: lower case, accents "
                 "folded, runs of other characters replaced by `sep`.",
                 (Param("text", S), Param("opts", OPTS, "{sep='-', ascii=true}", required=False)),
                 "string", None, slugify,
                 example='assert(std.strings.slugify("Crème Brûlée, 2nd try!") == "creme-brulee-2nd-try")',
                 rune_example='assert_eq!(std::strings::slugify("Crème Brûlée, 2nd try!"), "creme-brulee-2nd-try");'),
    HostFunction("std.strings", "split", "Split at a literal separator (nil: runs of whitespace).",
                 (Param("text", S), Param("sep", S, required=False),
                  Param("opts", OPTS, "{max=-1, trim=false, skip_empty=false}", required=False)),
                 "[string]", None, split,
                 example='local p = std.strings.split("a, b,,c", ",", {trim = true, skip_empty = true})\nassert(#p == 3 and p[2] == "b")',
                 rune_example='let p = std::strings::split("a, b,,c", ",", #{trim: true, skip_empty: true});\nassert_eq!(p.len(), 3);'),
    HostFunction("std.strings", "trim", "Strip whitespace (or the given characters) from both ends.",
                 (Param("text", S), Param("chars", S, required=False)), "string", None, trim,
                 example='assert(std.strings.trim("  hi\\n") == "hi")',
                 rune_example='assert_eq!(std::strings::trim("--hi--", "-"), "hi");'),
    HostFunction("std.strings", "pad", "Pad to `width` characters on the right (default), left or "
                 "both sides.",
                 (Param("text", S), Param("width", {"type": "integer"}),
                  Param("opts", OPTS, "{side='right'|'left'|'both', char=' '}", required=False)),
                 "string", None, pad,
                 example='assert(std.strings.pad("7", 3, {side = "left", char = "0"}) == "007")',
                 rune_example='assert_eq!(std::strings::pad("7", 3, #{side: "left", char: "0"}), "007");'),
)
