"""Rune equality (``==``), cloning and type names over the classes of ``values``."""

from __future__ import annotations

from .values import (Bytes, Char, EnumType, Err, Function, HashMap, HashSet, Iterator, Object,
                     Ok, Range, RString, RuneError, Some, Struct, StructType, Tuple, Type,
                     Variant, VecDeque, _NoneType)

__all__ = ["equal", "clone", "type_name", "unsupported_op"]


_NAMES = {
    int: "i64", float: "f64", bool: "bool", Char: "char", RString: "String", Bytes: "Bytes",
    list: "Vec", Tuple: "Tuple", Object: "Object", HashMap: "HashMap", HashSet: "HashSet",
    VecDeque: "VecDeque", Some: "Option", Ok: "Result", Err: "Result", _NoneType: "Option",
    Iterator: "Iterator", Function: "Function", Type: "Type", StructType: "Type",
    EnumType: "Type",
}


def type_name(v) -> str:
    """The Rune type name of ``v`` as error messages and ``type_name_of_val`` show it."""
    t = type(v)
    n = _NAMES.get(t)
    if n is not None:
        return n
    if t is Struct:
        return v.type.name
    if t is Variant:
        return v.enum.name
    if t is Range:
        return v.shape()
    return t.__name__


def unsupported_op(op: str, a, b):
    """Raise Rune's error for binary operator ``op`` on the types of ``a`` and ``b``."""
    raise RuneError(f"unsupported binary operation `{op}` on `{type_name(a)}` and "
                    f"`{type_name(b)}`")


def _mismatch(a, b):
    unsupported_op("==", a, b)


def equal(a, b) -> bool:
    """Rune ``==``: structural, the same type on both sides or a RuneError."""
    ta, tb = type(a), type(b)
    if ta is not tb:
        if {ta, tb} <= {Some, _NoneType} or {ta, tb} <= {Ok, Err}:
            return False
        if ta in _SEQUENCES and (tb in _SEQUENCES or tb is Range or tb is Iterator):
            other = list(_range_values(b)) if tb is Range else list(b) if tb is Iterator else b
            return len(a) == len(other) and all(equal(x, y) for x, y in zip(a, other))
        _mismatch(a, b)
    if ta is int or ta is float or ta is bool:
        return a == b
    if ta is RString:
        return a.s == b.s
    if ta is Char:
        return a.c == b.c
    if ta is list or ta is Tuple or ta is VecDeque:
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if ta is Object or ta is HashMap:
        if len(a) != len(b):
            return False
        for k, x in a.items():
            if k not in b or not equal(x, b[k]):
                return False
        return True
    if ta is HashSet:
        return set.__eq__(a, b)
    if ta is Some or ta is Ok or ta is Err:
        return equal(a.value, b.value)
    if ta is _NoneType:
        return True
    if ta is Bytes:
        return a.b == b.b
    if ta is Struct:
        if a.type is not b.type:
            return False
        return _fields_equal(a.fields, b.fields)
    if ta is Variant:
        if a.enum is not b.enum or a.name != b.name:
            return False
        return _fields_equal(a.fields, b.fields)
    if ta is Range:
        return (a.inclusive == b.inclusive and _opt_equal(a.start, b.start)
                and _opt_equal(a.end, b.end))
    if ta is Type:
        return a.name == b.name
    if ta is Function:
        return a.fn is b.fn
    return a is b


_SEQUENCES = frozenset({list, Tuple, VecDeque})


def _range_values(r: Range):
    if type(r.start) is not int or type(r.end) is not int:
        _mismatch([], r)
    return range(r.start, r.end + 1 if r.inclusive else r.end)


def clone(v):
    """Rune's ``clone``: a new container holding the same (shared) elements."""
    t = type(v)
    if t is list:
        return list(v)
    if t is RString:
        return RString(v.s)
    if t is Tuple or t is Object or t is HashMap or t is HashSet or t is VecDeque:
        return t(v)
    if t is Bytes:
        return Bytes(v.b)
    if t is Some or t is Ok or t is Err:
        return t(clone(v.value))
    if t is Struct:
        return Struct(v.type, dict(v.fields) if isinstance(v.fields, dict) else v.fields)
    if t is Variant:
        return Variant(v.enum, v.name, v.kind,
                       dict(v.fields) if isinstance(v.fields, dict) else v.fields)
    return v


def _fields_equal(fa, fb) -> bool:
    if isinstance(fa, dict):
        return all(equal(x, fb[k]) for k, x in fa.items())
    return len(fa) == len(fb) and all(equal(x, y) for x, y in zip(fa, fb))


def _opt_equal(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return equal(a, b)
