"""Indexing, fields, tuple access and iteration of Rune values (re-exported by ``ops``).

Error messages follow Rune's wording: ``index out of bounds: the length is 3 but the index
is 5``, ``missing field `b` on `Object```.
"""

from __future__ import annotations

import itertools

from . import values as V
from .fmt import debug
from .maps import okey
from .meter import current

__all__ = ["index_get", "index_set", "field_get", "field_set", "tuple_get", "tuple_set",
           "iterate", "range_iter"]

type_name = V.type_name


# ---------------------------------------------------------------- indexing and fields

def _oob(length: int, index) -> None:
    raise V.RuneError(f"index out of bounds: the length is {length} but the index is {index}")


def _slice_bounds(r: V.Range, length: int) -> tuple[int, int]:
    start = 0 if r.start is None else r.start
    end = length if r.end is None else r.end
    if type(start) is not int or type(end) is not int:
        raise V.RuneError("a slice range needs integer bounds")
    if r.inclusive and r.end is not None:
        end += 1
    if not 0 <= start <= end <= length:
        raise V.RuneError(f"range {debug(r)} out of bounds for length {length}")
    return start, end


def _key(obj, k) -> str:
    if type(k) is V.RString:
        return k.s
    if type(k) is str:
        return k
    raise V.RuneError(f"an `{type_name(obj)}` is indexed by String, not `{type_name(k)}`")


def index_get(obj, i):
    """``obj[i]`` for Vec, Tuple, VecDeque (int or range), Object, HashMap, String (range)."""
    t = type(obj)
    if t is list or t is V.Tuple or t is V.VecDeque:
        if type(i) is int:
            if 0 <= i < len(obj):
                return obj[i]
            _oob(len(obj), i)
        if type(i) is V.Range and t is not V.VecDeque:
            a, b = _slice_bounds(i, len(obj))
            return obj[a:b] if t is list else V.Tuple(obj[a:b])
    elif t is V.Object:
        k = _key(obj, i)
        if k in obj:
            return obj[k]
        raise V.RuneError(f"missing field `{k}` in object")
    elif t is V.HashMap:
        k = okey(obj, i)
        if k in obj:
            return obj[k]
        raise V.RuneError(f"missing key {debug(i)} in HashMap")
    elif t is V.RString and type(i) is V.Range:
        a, b = _slice_bounds(i, len(obj.s))
        return V.RString(obj.s[a:b])
    elif t is V.Bytes and type(i) is int:
        if 0 <= i < len(obj.b):
            return obj.b[i]
        _oob(len(obj.b), i)
    elif t is V.Bytes and type(i) is V.Range:
        a, b = _slice_bounds(i, len(obj.b))
        return V.Bytes(obj.b[a:b])
    raise V.RuneError(f"the index get operation `{type_name(obj)}[{type_name(i)}]` is not "
                      f"supported")


def index_set(obj, i, v) -> None:
    """``obj[i] = v``."""
    t = type(obj)
    if (t is list or t is V.Tuple or t is V.VecDeque) and type(i) is int:
        if 0 <= i < len(obj):
            obj[i] = v
            return
        _oob(len(obj), i)
    if t is V.Bytes and type(i) is int and type(v) is int:
        if not 0 <= i < len(obj.b):
            _oob(len(obj.b), i)
        if not 0 <= v <= 255:
            raise V.RuneError(f"{v} is not a byte")
        obj.b[i] = v
        return
    if t is V.Object:
        k = _key(obj, i)
        if k not in obj:
            current().alloc(len(k) + 2 * 8, 2 * 8 * len(obj))
        obj[k] = v
        return
    if t is V.HashMap:
        k = okey(obj, i)
        if k not in obj:
            current().alloc(2 * 8, 2 * 8 * len(obj))
        obj[k] = v
        return
    raise V.RuneError(f"the index set operation `{type_name(obj)}[{type_name(i)}] = "
                      f"{type_name(v)}` is not supported")


def field_get(obj, name: str):
    """``obj.name`` on an Object, a struct or a struct-like variant."""
    t = type(obj)
    if t is V.Object:
        try:
            return obj[name]
        except KeyError:
            pass
    elif t is V.Struct or t is V.Variant:
        f = obj.fields
        if isinstance(f, dict) and name in f:
            return f[name]
    elif t is V.Range and name in ("start", "end"):
        r = obj.start if name == "start" else obj.end
        if r is not None:
            return r
    raise V.RuneError(f"missing field `{name}` on `{type_name(obj)}`")


def field_set(obj, name: str, v) -> None:
    """``obj.name = v``; an Object gains the key when it lacks it."""
    t = type(obj)
    if t is V.Object:
        if name not in obj:
            current().alloc(len(name) + 2 * 8, 2 * 8 * len(obj))
        obj[name] = v
        return
    if t is V.Struct or t is V.Variant:
        f = obj.fields
        if isinstance(f, dict) and name in f:
            f[name] = v
            return
    raise V.RuneError(f"missing field `{name}` to set on `{type_name(obj)}`")


def _positional(obj):
    t = type(obj)
    if t is V.Tuple or t is list:
        return obj
    if (t is V.Struct or t is V.Variant) and isinstance(obj.fields, list):
        return obj.fields
    return None


def tuple_get(obj, i: int):
    """``obj.0`` on tuples, Vecs, tuple structs/variants and Some/Ok/Err."""
    seq = _positional(obj)
    if seq is not None:
        if 0 <= i < len(seq):
            return seq[i]
        _oob(len(seq), i)
    if (type(obj) in (V.Some, V.Ok, V.Err)) and i == 0:
        return obj.value
    raise V.RuneError(f"the tuple index get {i} operation is not supported on "
                      f"`{type_name(obj)}`")


def tuple_set(obj, i: int, v) -> None:
    """``obj.0 = v``."""
    seq = _positional(obj)
    if seq is not None:
        if 0 <= i < len(seq):
            seq[i] = v
            return
        _oob(len(seq), i)
    if (type(obj) in (V.Some, V.Ok, V.Err)) and i == 0:
        obj.value = v
        return
    raise V.RuneError(f"the tuple index set operation is not supported on `{type_name(obj)}`")


# ---------------------------------------------------------------- iteration

def iterate(v):
    """A Python iterator over ``v`` for a ``for`` loop."""
    t = type(v)
    if t is list or t is V.Tuple or t is V.VecDeque or t is V.HashSet:
        return iter(v)
    if t is V.Range:
        return range_iter(v)
    if t is V.Iterator:
        return v
    if t is V.Object or t is V.HashMap:
        return (V.Tuple([V.RString(k) if type(k) is str else k, x]) for k, x in list(v.items()))
    if t is V.Some:
        return iter((v.value,))
    if v is V.NONE:
        return iter(())
    if t is V.Bytes:
        return iter(list(v.b))
    raise V.RuneError(f"`{type_name(v)}` is not iterable")


def range_iter(r: V.Range):
    """The values of an int or char range (open ends: ``a..`` counts forever)."""
    a, b = r.start, r.end
    if a is None:
        raise V.RuneError(f"`{r.shape()}` is not iterable")
    if type(a) is int:
        if b is None:
            return itertools.count(a)
        if type(b) is not int:
            V.unsupported_op("..", a, b)
        return iter(range(a, b + 1 if r.inclusive else b))
    if type(a) is V.Char and type(b) is V.Char:
        end = ord(b.c) + (1 if r.inclusive else 0)
        return (V.Char(chr(c)) for c in range(ord(a.c), end) if not 0xD800 <= c < 0xE000)
    raise V.RuneError(f"a range of `{type_name(a)}` is not iterable")
