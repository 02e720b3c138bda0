"""Rune values as Python objects, and the exceptions the generated code raises.

i64 is ``int``, f64 ``float``, bool ``bool``, Vec a plain ``list``; every other Rune type has a
class here. Python ``None`` is never a Rune value (it only marks an open end of a Range).
Equality (``==`` and hashing) is structural and strict about types: comparing an int with a
float raises ``RuneError`` as Rune does (see :func:`equal`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = [
    "RunePanic", "RuneError", "EarlyReturn", "Char", "RString", "Bytes", "Tuple", "UNIT",
    "Object", "HashMap", "HashSet", "VecDeque", "Some", "NONE", "Ok", "Err", "StructType",
    "Struct", "EnumType", "Variant", "Range", "Iterator", "Function", "Type", "type_name",
    "equal", "clone", "unsupported_op", "I64_MIN", "I64_MAX", "ORDERING", "LESS", "EQUAL", "GREATER",
]

I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1


# ---------------------------------------------------------------- control flow

class RunePanic(Exception):
    """``panic!``, a failed assertion, ``unwrap`` of None/Err: the script gave up."""


class RuneError(Exception):
    """A runtime error: overflow, type mismatch, index out of bounds, missing field, …"""


class EarlyReturn(Exception):
    """The ``?`` operator leaving the current function with ``value`` (None or Err(e))."""

    def __init__(self, value):
        super().__init__("early return")
        self.value = value


# ---------------------------------------------------------------- scalars and strings

class Char:
    """A Rust ``char``: one Unicode scalar value."""

    __slots__ = ("c",)

    def __init__(self, c: str):
        self.c = c

    def __str__(self) -> str:
        return self.c

    def __repr__(self) -> str:
        return f"Char({self.c!r})"

    def __eq__(self, other):
        return equal(self, other)

    def __hash__(self):
        return hash(("char", self.c))


class RString:
    """A Rune ``String``: mutable and shared by reference (``.s`` is its current text)."""

    __slots__ = ("s",)

    def __init__(self, s: str = ""):
        self.s = s

    def __str__(self) -> str:
        return self.s

    def __repr__(self) -> str:
        return f"RString({self.s!r})"

    def __eq__(self, other):
        return equal(self, other)

    def __hash__(self):
        return hash(self.s)


class Bytes:
    """A Rune ``Bytes`` buffer (mutable, shared by reference)."""

    __slots__ = ("b",)

    def __init__(self, b=b""):
        self.b = bytearray(b.encode("utf-8") if isinstance(b, str) else b)

    def __bytes__(self) -> bytes:
        return bytes(self.b)

    def __len__(self) -> int:
        return len(self.b)

    def __iter__(self):
        return iter(self.b)

    def __repr__(self) -> str:
        return f"Bytes({bytes(self.b)!r})"

    def __eq__(self, other):
        return equal(self, other)

    def __hash__(self):
        return hash(bytes(self.b))


# ---------------------------------------------------------------- containers

class Tuple(list):
    """A Rune tuple: fixed length but mutable elements (``t.0 = 1``); ``UNIT`` is ``()``."""

    __slots__ = ()

    def __eq__(self, other):
        return equal(self, other)

    def __ne__(self, other):
        return not equal(self, other)

    def __hash__(self):
        return hash(("tuple",) + tuple(self))

    def __repr__(self) -> str:
        return f"Tuple({list(self)!r})"


UNIT = Tuple()


class _RuneEquality:
    """Rune's structural equality (int/float never mix) for built-in containers; unhashable."""

    __slots__ = ()

    def __eq__(self, other):
        return equal(self, other)

    def __ne__(self, other):
        return not equal(self, other)

    __hash__ = None


class Object(_RuneEquality, dict):
    """A Rune ``Object`` (``#{…}``): insertion-ordered, keys are Python ``str``."""

    __slots__ = ()


class HashMap(_RuneEquality, dict):
    """``std::collections::HashMap``: keys are hashable Rune values (String, int, char, …)."""

    __slots__ = ()


class HashSet(_RuneEquality, set):
    """``std::collections::HashSet`` of hashable Rune values."""

    __slots__ = ()


class VecDeque(_RuneEquality, deque):
    """``std::collections::VecDeque``."""


# ---------------------------------------------------------------- Option / Result

class _Wrap:
    __slots__ = ("value",)
    tag = ""

    def __init__(self, value):
        self.value = value

    def __repr__(self) -> str:
        return f"{self.tag}({self.value!r})"

    def __eq__(self, other):
        return equal(self, other)

    def __hash__(self):
        return hash((self.tag, self.value))


class Some(_Wrap):
    """``Option::Some(value)``."""

    __slots__ = ()
    tag = "Some"


class Ok(_Wrap):
    """``Result::Ok(value)``."""

    __slots__ = ()
    tag = "Ok"


class Err(_Wrap):
    """``Result::Err(value)``."""

    __slots__ = ()
    tag = "Err"


class _NoneType:
    """The type of ``NONE`` (``Option::None``); there is exactly one instance."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NONE"

    def __eq__(self, other):
        return equal(self, other)

    def __hash__(self):
        return hash("Option::None")


NONE = _NoneType()


# ---------------------------------------------------------------- user types

@dataclass(frozen=True, slots=True, eq=False)  # identity: two `struct A` are distinct types
class StructType:
    """A struct declared in Rune."""

    name: str
    """The struct's name as declared."""
    kind: str
    """"unit", "tuple" or "named"."""
    fields: tuple = ()
    """Field names in order (positions as strings for tuple structs)."""

    def __repr__(self) -> str:
        return f"StructType({self.name})"


class Struct:
    """An instance of a ``StructType``; ``fields`` is a dict (named) or a list (tuple/unit)."""

    __slots__ = ("type", "fields")

    def __init__(self, type, fields):
        self.type = type
        self.fields = fields if isinstance(fields, dict) else list(fields)

    def __repr__(self) -> str:
        return f"Struct({self.type.name}, {self.fields!r})"

    def __eq__(self, other):
        return equal(self, other)

    def __hash__(self):
        f = self.fields
        return hash((id(self.type), tuple(f.items()) if isinstance(f, dict) else tuple(f)))


@dataclass(frozen=True, slots=True, eq=False)  # identity, like StructType
class EnumType:
    """An enum declared in Rune."""

    name: str
    """The enum's name as declared."""
    variants: tuple = ()
    """Variant names in declaration order (their order is the enum's ordering)."""

    def __repr__(self) -> str:
        return f"EnumType({self.name})"


class Variant:
    """A value of an enum: ``kind`` "unit"/"tuple"/"named"; ``fields`` list or dict."""

    __slots__ = ("enum", "name", "kind", "fields")

    def __init__(self, enum, name: str, kind: str, fields=()):
        self.enum, self.name, self.kind = enum, name, kind
        self.fields = fields if isinstance(fields, dict) else list(fields)

    def __repr__(self) -> str:
        return f"Variant({self.enum.name}::{self.name}, {self.fields!r})"

    def __eq__(self, other):
        return equal(self, other)

    def __hash__(self):
        f = self.fields
        return hash((id(self.enum), self.name,
                     tuple(f.items()) if isinstance(f, dict) else tuple(f)))


# ---------------------------------------------------------------- ranges, iterators, functions

class Range:
    """``a..b`` / ``a..=b`` / ``a..`` / ``..b`` / ``..``: ``start``/``end`` None when open."""

    __slots__ = ("start", "end", "inclusive")

    def __init__(self, start, end, inclusive: bool = False):
        self.start, self.end, self.inclusive = start, end, bool(inclusive)

    def __repr__(self) -> str:
        return f"Range({self.start!r}, {self.end!r}, {self.inclusive})"

    def __eq__(self, other):
        return equal(self, other)

    def __hash__(self):
        return hash(("range", self.start, self.end, self.inclusive))

    def shape(self) -> str:
        """The Rune type name of this range (``RangeInclusive``, ``RangeFrom``, …)."""
        if self.start is None:
            if self.end is None:
                return "RangeFull"
            return "RangeToInclusive" if self.inclusive else "RangeTo"
        if self.end is None:
            return "RangeFrom"
        return "RangeInclusive" if self.inclusive else "Range"


class Iterator:
    """A Rune iterator over a Python iterator ``it``; ``peeked`` holds a peeked item."""

    __slots__ = ("it", "peeked")

    _EMPTY = object()  # `peeked` when nothing is peeked

    def __init__(self, it):
        self.it = iter(it)
        self.peeked = Iterator._EMPTY

    def __iter__(self):
        return self

    def __next__(self):
        p = self.peeked
        if p is not Iterator._EMPTY:
            self.peeked = Iterator._EMPTY
            return p
        return next(self.it)

    def __repr__(self) -> str:
        return "Iterator"


class Function:
    """A function value (fn pointer, closure, native function): call ``fn(*args)``."""

    __slots__ = ("name", "fn")

    def __init__(self, name: str, fn):
        self.name, self.fn = name, fn

    def __call__(self, *args):
        return self.fn(*args)

    def __repr__(self) -> str:
        return f"Function({self.name})"


@dataclass(frozen=True, slots=True)
class Type:
    """A built-in type as a value (``i64``, ``String``, …) for ``is`` tests and ``as``."""

    name: str
    """The canonical type name (``i64`` for every integer type, ``f64`` for floats)."""

    def __repr__(self) -> str:
        return f"Type({self.name})"


# ---------------------------------------------------------------- std::cmp::Ordering

ORDERING = EnumType("Ordering", ("Less", "Equal", "Greater"))
LESS = Variant(ORDERING, "Less", "unit", ())
EQUAL = Variant(ORDERING, "Equal", "unit", ())
GREATER = Variant(ORDERING, "Greater", "unit", ())


from .equality import clone, equal, type_name, unsupported_op  # noqa: E402  (they use the classes)
