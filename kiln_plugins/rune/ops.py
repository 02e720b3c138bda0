"""Rune operators with Rune's semantics, called by generated code for anything not an int.

Integers are checked i64 (overflow and division by zero are errors, ``/`` and ``%`` truncate
toward zero); ints and floats never mix, ``==`` included. Error wording follows Rune's
``VmErrorKind`` messages, in lower case.
"""

from __future__ import annotations

import math

from . import values as V
from .access import (field_get, field_set, index_get, index_set, iterate, range_iter,
                     tuple_get, tuple_set)
from .fmt import debug, display
from .meter import current
from .strings import append_text
from .typecheck import cast, is_type, type_named, type_of

__all__ = [
    "add", "add_assign", "sub", "mul", "div", "rem", "neg", "not_", "band", "bor", "bxor",
    "shl", "shr", "eq", "ne", "lt", "le", "gt", "ge", "cmp", "index_get", "index_set",
    "field_get", "field_set", "tuple_get", "tuple_set", "call", "call_method",
    "call_method_generic", "iterate", "is_type", "type_of", "type_named", "type_name", "cast",
    "display", "debug", "try_", "range_iter",
]

MIN, MAX = V.I64_MIN, V.I64_MAX
type_name = V.type_name
eq = V.equal


_unsupported = V.unsupported_op


def _ovf():
    raise V.RuneError("integer overflow")


def _i64(r: int) -> int:
    if MIN <= r <= MAX:
        return r
    _ovf()


# ---------------------------------------------------------------- arithmetic

def add(a, b):
    """``a + b``: checked ints, floats, String + String (a new String)."""
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return _i64(a + b)
        if ta is float:
            return a + b
        if ta is V.RString:
            current().fresh(len(a.s) + len(b.s))
            return V.RString(a.s + b.s)
    _unsupported("+", a, b)


def add_assign(a, b):
    """``a += b``: like ``add`` but a String grows in place (seen through every alias)."""
    if type(a) is V.RString and type(b) is V.RString:
        append_text(a, b.s)
        return a
    return add(a, b)


def sub(a, b):
    """``a - b``."""
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return _i64(a - b)
        if ta is float:
            return a - b
    _unsupported("-", a, b)


def mul(a, b):
    """``a * b``."""
    ta = type(a)
    if ta is type(b):
        if ta is int:
            return _i64(a * b)
        if ta is float:
            return a * b
    _unsupported("*", a, b)


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def div(a, b):
    """``a / b``: ints truncate toward zero; division by zero is an error for ints."""
    ta = type(a)
    if ta is type(b):
        if ta is int:
            if b == 0:
                raise V.RuneError("division by zero")
            return _i64(_trunc_div(a, b))
        if ta is float:
            if b == 0.0:
                if a != a or a == 0.0:
                    return float("nan")
                return float("inf") if (a > 0) == (str(b)[0] != "-") else float("-inf")
            return a / b
    _unsupported("/", a, b)


def rem(a, b):
    """``a % b``: the sign follows the dividend, as in Rust."""
    ta = type(a)
    if ta is type(b):
        if ta is int:
            if b == 0:
                raise V.RuneError("division by zero")
            if a == MIN and b == -1:
                _ovf()
            return a - b * _trunc_div(a, b)
        if ta is float:
            if b == 0.0 or not math.isfinite(a):
                return math.nan
            return math.fmod(a, b)
    _unsupported("%", a, b)


def neg(a):
    """``-a``."""
    t = type(a)
    if t is int:
        return _i64(-a)
    if t is float:
        return -a
    raise V.RuneError(f"unsupported unary operation `-` on `{type_name(a)}`")


def not_(a):
    """``!a``: logical for bool, bitwise for int."""
    t = type(a)
    if t is bool:
        return not a
    if t is int:
        return ~a
    raise V.RuneError(f"unsupported unary operation `!` on `{type_name(a)}`")


def _bits(op: str, a, b, f):
    ta = type(a)
    if ta is type(b) and (ta is int or ta is bool):
        r = f(a, b)
        return bool(r) if ta is bool else r
    _unsupported(op, a, b)


def band(a, b):
    """``a & b`` on ints or bools."""
    return _bits("&", a, b, lambda x, y: x & y)


def bor(a, b):
    """``a | b`` on ints or bools."""
    return _bits("|", a, b, lambda x, y: x | y)


def bxor(a, b):
    """``a ^ b`` on ints or bools."""
    return _bits("^", a, b, lambda x, y: x ^ y)


def _wrap64(r: int) -> int:
    r &= 0xFFFFFFFFFFFFFFFF
    return r - (1 << 64) if r > MAX else r


def shl(a, b):
    """``a << b``: shift amount in 0..64 else overflow; bits shifted out are lost."""
    if type(a) is int and type(b) is int:
        if not 0 <= b < 64:
            _ovf()
        return _wrap64(a << b)
    _unsupported("<<", a, b)


def shr(a, b):
    """``a >> b``: arithmetic shift; amount in 0..64 else overflow."""
    if type(a) is int and type(b) is int:
        if not 0 <= b < 64:
            _ovf()
        return a >> b
    _unsupported(">>", a, b)


# ---------------------------------------------------------------- comparison

def ne(a, b) -> bool:
    """``a != b``."""
    return not V.equal(a, b)


_ORDERED_SCALARS = (int, float, bool)


def cmp(a, b) -> int:
    """Total order of two values of one type: -1, 0 or 1 (RuneError for mismatched types)."""
    ta, tb = type(a), type(b)
    if ta is not tb:
        if {ta, tb} <= {V.Some, type(V.NONE)}:
            return -1 if a is V.NONE else 1
        if {ta, tb} <= {V.Ok, V.Err}:
            return -1 if ta is V.Ok else 1
        _unsupported("cmp", a, b)
    if ta in _ORDERED_SCALARS:
        return (a > b) - (a < b)
    if ta is V.RString:
        return (a.s > b.s) - (a.s < b.s)
    if ta is V.Char:
        return (a.c > b.c) - (a.c < b.c)
    if ta is list or ta is V.Tuple or ta is V.VecDeque:
        for x, y in zip(a, b):
            c = cmp(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ta is V.Some or ta is V.Ok or ta is V.Err:
        return cmp(a.value, b.value)
    if a is V.NONE:
        return 0
    if ta is V.Bytes:
        return (a.b > b.b) - (a.b < b.b)
    if ta is V.Variant and a.enum is b.enum:
        ia, ib = a.enum.variants.index(a.name), b.enum.variants.index(b.name)
        if ia != ib:
            return (ia > ib) - (ia < ib)
        fa, fb = a.fields, b.fields
        return cmp(V.Tuple(fa.values() if isinstance(fa, dict) else fa),
                   V.Tuple(fb.values() if isinstance(fb, dict) else fb))
    _unsupported("cmp", a, b)


def _float_pair(a, b) -> bool:
    return type(a) is float and type(b) is float


def lt(a, b) -> bool:
    """``a < b``."""
    if _float_pair(a, b):
        return a < b
    return cmp(a, b) < 0


def le(a, b) -> bool:
    """``a <= b``."""
    if _float_pair(a, b):
        return a <= b
    return cmp(a, b) <= 0


def gt(a, b) -> bool:
    """``a > b``."""
    if _float_pair(a, b):
        return a > b
    return cmp(a, b) > 0


def ge(a, b) -> bool:
    """``a >= b``."""
    if _float_pair(a, b):
        return a >= b
    return cmp(a, b) >= 0


# ---------------------------------------------------------------- calls

def call(f, args):
    """Call a function value, a tuple-struct type or a tuple variant with ``args``."""
    t = type(f)
    if t is V.Function:
        return f.fn(*args)
    if t is V.StructType:
        if f.kind == "tuple":
            if len(args) != len(f.fields):
                raise V.RuneError(f"wrong number of arguments {len(args)}, expected "
                                  f"{len(f.fields)}")
            return V.Struct(f, list(args))
    elif getattr(f, "kind", None) == "tuple" and type(getattr(f, "enum", None)) is V.EnumType:
        # a variant descriptor of the unit (enum, name, kind, fields), e.g. `Enum::Variant`
        if len(args) != len(f.fields):
            raise V.RuneError(f"wrong number of arguments {len(args)}, expected {len(f.fields)}")
        return V.Variant(f.enum, f.name, "tuple", list(args))
    raise V.RuneError(f"`{type_name(f)}` is not a function")


def call_method(obj, name: str, args: tuple):
    """``obj.name(*args)`` through the native method tables."""
    fn = methods.lookup(obj, name)
    if fn is None:
        raise V.RuneError(f"missing instance function `{name}` for `{type_name(obj)}`")
    r = fn(obj, *args)
    return V.UNIT if r is None else r


def call_method_generic(obj, name: str, args: tuple, generics: tuple):
    """``obj.name::<G>(*args)``: ``collect``/``sum``/``product``/``parse`` use ``generics``."""
    fn = methods.lookup_generic(obj, name)
    if fn is not None:
        r = fn(obj, generics, *args)
        return V.UNIT if r is None else r
    return call_method(obj, name, args)


def try_(v):
    """The ``?`` operator: the inner value of Some/Ok, else raise EarlyReturn(None/Err)."""
    t = type(v)
    if t is V.Some or t is V.Ok:
        return v.value
    if t is V.Err or v is V.NONE:
        raise V.EarlyReturn(v)
    raise V.RuneError(f"`?` needs an Option or a Result, found `{type_name(v)}`")


from . import methods  # noqa: E402  (methods imports ops; bound late on purpose)
