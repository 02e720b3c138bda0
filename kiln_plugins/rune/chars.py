"""Methods of char and the ``char::from_u32``/``char::from_i64``/``char::from_digit`` natives."""

from __future__ import annotations

import unicodedata

from . import values as V
from .natives import want_int

__all__ = ["TABLES", "FUNCTIONS", "CONSTANTS"]


def _to_digit(c: V.Char, radix=10):
    want_int(radix, "to_digit")
    if not 2 <= radix <= 36:
        raise V.RunePanic("to_digit: radix is too high (maximum 36)")
    try:
        d = int(c.c, 36) if c.c.isascii() and c.c.isalnum() else None
    except ValueError:
        d = None
    return V.Some(d) if d is not None and d < radix else V.NONE


def _is_digit(c: V.Char, radix=10):
    return _to_digit(c, radix) is not V.NONE


def _char_case(f):
    def conv(c: V.Char):
        s = f(c.c)
        return V.Char(s) if len(s) == 1 else V.RString(s)
    return conv


CHAR_METHODS = {
    "is_alphabetic": lambda c: c.c.isalpha(), "is_alphanumeric": lambda c: c.c.isalnum(),
    "is_numeric": lambda c: unicodedata.category(c.c) in ("Nd", "Nl", "No"), "is_whitespace": lambda c: c.c.isspace(),
    "is_uppercase": lambda c: c.c.isupper(), "is_lowercase": lambda c: c.c.islower(),
    "is_control": lambda c: ord(c.c) < 32 or 127 <= ord(c.c) < 160,
    "is_ascii": lambda c: c.c.isascii(),
    "is_ascii_alphabetic": lambda c: c.c.isascii() and c.c.isalpha(),
    "is_ascii_digit": lambda c: c.c in "0123456789",
    "is_ascii_alphanumeric": lambda c: c.c.isascii() and c.c.isalnum(),
    "is_ascii_uppercase": lambda c: "A" <= c.c <= "Z",
    "is_ascii_lowercase": lambda c: "a" <= c.c <= "z",
    "is_ascii_whitespace": lambda c: c.c in " \t\n\r\x0c",
    "is_ascii_punctuation": lambda c: c.c.isascii() and 33 <= ord(c.c) <= 126 and not c.c.isalnum(),
    "is_digit": _is_digit, "to_digit": _to_digit,
    "to_uppercase": _char_case(str.upper), "to_lowercase": _char_case(str.lower),
    "to_ascii_uppercase": lambda c: V.Char(c.c.upper()) if c.c.isascii() else c,
    "to_ascii_lowercase": lambda c: V.Char(c.c.lower()) if c.c.isascii() else c,
    "to_i64": lambda c: ord(c.c), "len_utf8": lambda c: len(c.c.encode()),
    "clone": lambda c: c,
}


TABLES = {V.Char: CHAR_METHODS}


def _char_from_u32(n):
    want_int(n, "char::from_u32")
    if 0 <= n <= 0x10FFFF and not 0xD800 <= n < 0xE000:
        return V.Some(V.Char(chr(n)))
    return V.NONE


def _char_from_digit(n, radix=10):
    want_int(n, "char::from_digit")
    if 0 <= n < radix <= 36:
        return V.Some(V.Char("0123456789abcdefghijklmnopqrstuvwxyz"[n]))
    return V.NONE


FUNCTIONS = {"char::from_u32": _char_from_u32, "char::from_i64": _char_from_u32,
             "char::from_digit": _char_from_digit}
CONSTANTS = {"char::MAX": V.Char("\U0010ffff")}
