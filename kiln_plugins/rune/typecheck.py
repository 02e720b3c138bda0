"""Built-in types as values, ``is`` tests and ``as`` casts (re-exported by ``ops``)."""

from __future__ import annotations

from . import values as V
from .fmt import debug

__all__ = ["type_named", "type_of", "is_type", "cast"]

MIN, MAX = V.I64_MIN, V.I64_MAX
type_name = V.type_name


def _ovf():
    raise V.RuneError("integer overflow")


# ---------------------------------------------------------------- types

_TYPE_ALIASES = {
    "u8": "i64", "u16": "i64", "u32": "i64", "u64": "i64", "usize": "i64", "i8": "i64",
    "i16": "i64", "i32": "i64", "isize": "i64", "Int": "i64", "f32": "f64", "Float": "f64",
    "Char": "char", "Bool": "bool", "Some": "Option", "None": "Option", "Ok": "Result",
    "Err": "Result", "Fn": "Function",
}


def type_named(name: str) -> V.Type:
    """The built-in type called ``name`` (a path's last segment; ``u8`` is ``i64``)."""
    last = name.split("::")[-1]
    return V.Type(_TYPE_ALIASES.get(last, last))


def type_of(v) -> V.Type:
    """The type of ``v`` as a value."""
    t = type(v)
    if t is V.Struct:
        return v.type
    if t is V.Variant:
        return v.enum
    return V.Type(type_name(v))


def is_type(v, t) -> bool:
    """``v is t`` for built-in types, struct types, enum types and enum variants."""
    tt = type(t)
    if tt is V.Type:
        if t.name in ("Range", "RangeInclusive", "RangeFrom", "RangeTo", "RangeToInclusive",
                      "RangeFull"):
            return type(v) is V.Range and v.shape() == t.name
        tv = type(v)
        if tv is V.Struct or tv is V.Variant:
            return False
        return type_name(v) == t.name
    if tt is V.StructType:
        return type(v) is V.Struct and v.type is t
    if tt is V.EnumType:
        return type(v) is V.Variant and v.enum is t
    enum = getattr(t, "enum", None)
    if type(enum) is V.EnumType:  # a variant descriptor
        return type(v) is V.Variant and v.enum is enum and v.name == t.name
    raise V.RuneError(f"`{debug(t)}` is not a type")


_INT_BITS = {"u8": (8, False), "u16": (16, False), "u32": (32, False), "i8": (8, True),
             "i16": (16, True), "i32": (32, True)}


def cast(v, type_name_: str):
    """``v as T`` for numeric types, char and bool."""
    target = type_name_.split("::")[-1]
    t = type(v)
    if target in _INT_BITS or _TYPE_ALIASES.get(target) == "i64" or target == "i64":
        if t is int or t is bool:
            n = int(v)
        elif t is float:
            if v != v:
                n = 0
            else:
                n = max(MIN, min(MAX, int(v))) if abs(v) != float("inf") else (
                    MAX if v > 0 else MIN)
        elif t is V.Char:
            n = ord(v.c)
        else:
            raise V.RuneError(f"cannot cast `{type_name(v)}` as `{target}`")
        bits = _INT_BITS.get(target)
        if bits is not None:
            width, signed = bits
            n &= (1 << width) - 1
            if signed and n >= 1 << (width - 1):
                n -= 1 << width
        elif target in ("u64", "usize") and n < 0:
            _ovf()
        return n
    if target in ("f64", "f32"):
        if t is int or t is float:
            return float(v)
        raise V.RuneError(f"cannot cast `{type_name(v)}` as `{target}`")
    if target == "char":
        if t is V.Char:
            return v
        if t is int and 0 <= v <= 255:
            return V.Char(chr(v))
        raise V.RuneError(f"cannot cast `{type_name(v)}` as `char`")
    if target == "bool" and t is bool:
        return v
    raise V.RuneError(f"cannot cast `{type_name(v)}` as `{target}`")
