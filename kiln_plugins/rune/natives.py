"""Helpers shared by the native method tables: argument checks, callbacks, metered loops."""

from __future__ import annotations

from . import values as V
from .meter import WORD, current

__all__ = ["callback", "drain", "opt", "want_int", "want_str", "want_char", "want_bool",
           "arity", "TICK_EVERY", "metered", "text_of"]

TICK_EVERY = 256  # elements a native loop handles per instruction tick charged in bulk


def callback(f):
    """A Python callable for the Rune function value ``f`` (closure, fn pointer, native)."""
    if type(f) is V.Function:
        return f.fn
    from . import ops

    def call(*args):
        return ops.call(f, args)
    return call


def metered(it):
    """Yield from ``it``, charging one instruction per element (in bulk)."""
    meter = current()
    n = 0
    for x in it:
        n += 1
        if n == TICK_EVERY:
            meter.tick(n)
            n = 0
        yield x
    if n:
        meter.tick(n)


def drain(it) -> list:
    """All elements of ``it`` as a list, metered in instructions and in its own size."""
    meter = current()
    out = []
    append = out.append
    n = 0
    for x in it:
        append(x)
        n += 1
        if n == TICK_EVERY:
            meter.tick(n)
            meter.alloc(n * WORD, len(out) * WORD)
            n = 0
    if n:
        meter.tick(n)
        meter.alloc(n * WORD, len(out) * WORD)
    return out


def opt(v):
    """``Some(v)``, or ``None`` when ``v`` is Python None."""
    return V.NONE if v is None else V.Some(v)


def _want(v, ok: bool, what: str, kind: str):
    if not ok:
        raise V.RuneError(f"{what} expects {kind}, found `{V.type_name(v)}`")
    return v


def want_int(v, what: str) -> int:
    """``v`` when it is an i64, else a RuneError naming ``what``."""
    return _want(v, type(v) is int, what, "an `i64`")


def want_str(v, what: str) -> str:
    """The text of String ``v``, else a RuneError naming ``what``."""
    return _want(v, type(v) is V.RString, what, "a `String`").s


def want_char(v, what: str) -> str:
    """The text of char ``v``."""
    return _want(v, type(v) is V.Char, what, "a `char`").c


def want_bool(v, what: str) -> bool:
    """``v`` when it is a bool."""
    return _want(v, type(v) is bool, what, "a `bool`")


def text_of(v, what: str) -> str:
    """The text of a String or char pattern argument."""
    t = type(v)
    if t is V.RString:
        return v.s
    if t is V.Char:
        return v.c
    raise V.RuneError(f"{what} expects a `String` or `char`, found `{V.type_name(v)}`")


def arity(name: str, args: tuple, n: int) -> None:
    """RuneError unless exactly ``n`` arguments were passed to ``name``."""
    if len(args) != n:
        raise V.RuneError(f"`{name}` takes {n} argument{'s' if n != 1 else ''}, "
                          f"{len(args)} given")
