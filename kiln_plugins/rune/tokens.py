"""Rune tokens: the kinds the lexer produces and the reserved words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Token", "KEYWORDS", "UNSUPPORTED_KEYWORDS", "PUNCTUATION"]


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token with its place in the chunk."""

    kind: str
    """``ident``, ``label``, ``int``, ``float``, ``str``, ``bytes``, ``char``, ``byte``,
    ``template``, ``kw`` (keyword), ``op`` (punctuation) or ``eof``."""
    value: Any
    """Decoded value: the name, the number, the string, the keyword or operator text; for a
    template a tuple of parts, each a ``str`` or a tuple of tokens (the ``${}`` expression)."""
    line: int
    """1-based line in the chunk source."""
    col: int
    """1-based column."""
    suffix: str = ""
    """Numeric suffix as written (``u8``, ``f64``), '' when none."""


KEYWORDS = frozenset({
    "as", "break", "const", "continue", "crate", "else", "enum", "false", "fn", "for", "if",
    "impl", "in", "is", "let", "loop", "match", "mod", "mut", "not", "pub", "return", "self",
    "Self", "struct", "super", "true", "use", "while", "async", "await", "yield", "select",
    "static", "move", "ref", "type", "where", "trait", "unsafe", "extern", "macro",
})

UNSUPPORTED_KEYWORDS = {
    "async": "async functions and blocks",
    "await": "`.await`",
    "yield": "generators (`yield`)",
    "select": "`select`",
}

# Longest first, so the lexer can match greedily.
PUNCTUATION = sorted([
    "<<=", ">>=", "..=", "...",
    "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "&=",
    "|=", "^=", "<<", ">>", "..", "#{",
    "+", "-", "*", "/", "%", "^", "!", "&", "|", "=", "<", ">", "@", ".", ",", ";", ":", "#",
    "$", "?", "(", ")", "[", "]", "{", "}", "~",
], key=len, reverse=True)
