"""Method dispatch for built-in types and the native functions/constants by Rune path.

The tables live in ``scalars``, ``strings``, ``options``, ``collections`` and ``iterators``;
this module merges them. Every method is ``fn(receiver, *args)``; generic ones (turbofish)
are ``fn(receiver, generics, *args)``. ``Type::method`` paths for every method are added to
``NATIVE_FUNCTIONS`` so ``Vec::len(v)`` and ``String::len`` as a value work.
"""

from __future__ import annotations

from . import chars, collections, iterators, maps, ops, options, ranges, scalars, strings
from . import values as V
from .fmt import debug, display

__all__ = ["lookup", "lookup_generic", "NATIVE_FUNCTIONS", "NATIVE_GENERIC_FUNCTIONS",
           "NATIVE_CONSTANTS", "TABLES"]

# Mutators whose Python implementations return None; Rune sees ``()``.
RETURNS_UNIT = frozenset({
    "clear", "extend", "extend_str", "insert", "insert_str", "push", "push_str", "push_back",
    "push_front", "reserve", "reserve_exact", "shrink_to_fit", "truncate", "rotate_left",
    "rotate_right", "dedup", "resize", "retain", "reverse", "sort", "sort_by", "sort_by_key",
    "sort_unstable", "swap",
})


def _returning_unit(fn):
    """``fn`` with a Python None result turned into ``()``."""
    def native(*args):
        r = fn(*args)
        return V.UNIT if r is None else r
    native.__name__ = getattr(fn, "__name__", "native")
    return native


TABLES: dict = {}
_MODULES = (scalars, chars, strings, options, collections, maps, iterators, ranges)
for _module in _MODULES:
    for _type, _table in _module.TABLES.items():
        TABLES[_type] = {name: _returning_unit(fn) if name in RETURNS_UNIT else fn
                         for name, fn in _table.items()}

GENERIC: dict = {V.RString: strings.GENERIC, **iterators.GENERIC, **ranges.GENERIC}


def _to_string(v):
    return V.RString(display(v))


def _type_path(v) -> str:
    t = type(v)
    if t is V.Struct or t is V.Variant:
        return V.type_name(v)
    return _STD_PATHS.get(V.type_name(v), "::std::" + V.type_name(v))


_STD_PATHS = {
    "String": "::std::string::String", "Option": "::std::option::Option",
    "Result": "::std::result::Result", "Function": "::std::ops::Function",
    "Vec": "::std::vec::Vec", "Object": "::std::object::Object",
    "Tuple": "::std::tuple::Tuple", "HashMap": "::std::collections::hash_map::HashMap",
    "HashSet": "::std::collections::hash_set::HashSet",
    "VecDeque": "::std::collections::vec_deque::VecDeque", "Bytes": "::std::bytes::Bytes",
    "Iterator": "::std::iter::Iterator", "Type": "::std::any::Type",
}


def _ordering(c: int):
    return V.LESS if c < 0 else V.GREATER if c > 0 else V.EQUAL


def _partial_cmp(a, b):
    if type(a) is float and type(b) is float and (a != a or b != b):
        return V.NONE
    return V.Some(_ordering(ops.cmp(a, b)))


def _hashable(v):
    t = type(v)
    if t is list or t is V.VecDeque or t is V.Tuple:  # Rune hashes sequences alike
        return ("seq",) + tuple(_hashable(x) for x in v)
    if t is V.Object:
        return ("object",) + tuple((k, _hashable(x)) for k, x in v.items())
    return v


def _hash(v) -> int:
    try:
        return hash(_hashable(v)) & 0x7FFFFFFFFFFFFFFF
    except TypeError:
        raise V.RuneError(f"`{V.type_name(v)}` cannot be hashed") from None


# Methods every value answers to (after its own table).
UNIVERSAL = {
    "to_string": _to_string, "clone": V.clone, "hash": _hash,
    "partial_cmp": _partial_cmp, "cmp": lambda a, b: _ordering(ops.cmp(a, b)),
    "lt": lambda a, b: ops.lt(a, b), "le": lambda a, b: ops.le(a, b),
    "gt": lambda a, b: ops.gt(a, b), "ge": lambda a, b: ops.ge(a, b),
    "eq": lambda a, b: V.equal(a, b), "ne": lambda a, b: not V.equal(a, b),
}


def lookup(obj, name: str):
    """The native method ``name`` of ``obj``'s type, or None."""
    table = TABLES.get(type(obj))
    if table is not None:
        fn = table.get(name)
        if fn is not None:
            return fn
    return UNIVERSAL.get(name)


def lookup_generic(obj, name: str):
    """The turbofish-aware method ``name`` of ``obj``'s type, or None."""
    table = GENERIC.get(type(obj))
    return None if table is None else table.get(name)


_TYPE_PREFIX = {
    int: ("i64",), float: ("f64",), bool: ("bool",), V.Char: ("char",),
    V.RString: ("String",), V.Bytes: ("Bytes",), list: ("Vec",), V.Tuple: ("Tuple",),
    V.Object: ("Object",), V.HashMap: ("HashMap", "collections::HashMap"),
    V.HashSet: ("HashSet", "collections::HashSet"),
    V.VecDeque: ("VecDeque", "collections::VecDeque"), V.Some: ("Option",),
    V.Ok: ("Result",), V.Iterator: ("Iterator", "iter::Iterator", "slice::Iter"),
    V.Range: ("Range",),
}


def _build_natives() -> dict:
    out: dict = {}
    for t, prefixes in _TYPE_PREFIX.items():
        for name, fn in TABLES[t].items():
            for p in prefixes:
                out[f"{p}::{name}"] = fn
    for module in (scalars, chars, strings, options, collections, maps, iterators):
        out.update(module.FUNCTIONS)
    for path in list(out):
        if path.startswith(("HashMap::", "HashSet::", "VecDeque::")):
            out.setdefault("collections::" + path, out[path])
    out["fmt::debug"] = lambda v: V.RString(debug(v))
    out["clone::clone"] = out["clone"] = V.clone
    out["any::type_name_of_val"] = lambda v: V.RString(_type_path(v))
    for name in ("eq", "partial_eq"):
        out[f"ops::{name}"] = V.equal
    out["ops::cmp"] = lambda a, b: _ordering(ops.cmp(a, b))
    out["ops::partial_cmp"] = _partial_cmp
    out["ops::hash"] = _hash
    out["any::Type::of_val"] = ops.type_of
    for path in list(out):
        out.setdefault("std::" + path, out[path])
    return out


def _build_constants() -> dict:
    out: dict = {}
    for module in (scalars, chars, options):
        out.update(module.CONSTANTS)
    out["Ordering::Less"] = V.LESS
    out["Ordering::Equal"] = V.EQUAL
    out["Ordering::Greater"] = V.GREATER
    for path in list(out):
        out.setdefault("std::" + path, out[path])
    return out


def _build_generic_natives() -> dict:
    out: dict = {}
    for t, table in GENERIC.items():
        for name, fn in table.items():
            for p in _TYPE_PREFIX[t]:
                out[f"{p}::{name}"] = fn
    for path in list(out):
        out.setdefault("std::" + path, out[path])
    return out


NATIVE_FUNCTIONS: dict = _build_natives()
# ``Path::f::<G>`` called or taken as a value: ``fn(generics, *args)``.
NATIVE_GENERIC_FUNCTIONS: dict = _build_generic_natives()
NATIVE_CONSTANTS: dict = _build_constants()
