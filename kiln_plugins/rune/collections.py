"""Methods of Vec, Tuple and VecDeque, their constructors, and Rune-ordered sorting."""

from __future__ import annotations

from functools import cmp_to_key

from . import values as V
from .fmt import display
from .meter import WORD, current
from .natives import TICK_EVERY, callback, drain, want_int

__all__ = ["TABLES", "FUNCTIONS", "sort_values", "with_capacity", "ordering", "ord_of", "join"]


def _cmp(a, b) -> int:
    from .ops import cmp
    return cmp(a, b)


def ord_of(v) -> int:
    """-1/0/1 for an ``Ordering`` a comparator returned (RuneError for anything else)."""
    if type(v) is V.Variant and v.enum is V.ORDERING:
        return {"Less": -1, "Equal": 0, "Greater": 1}[v.name]
    raise V.RuneError(f"a comparator must return an Ordering, found `{V.type_name(v)}`")


def sort_values(items: list, key=None, comparator=None) -> None:
    """Sort ``items`` in place by Rune order, a key function or a comparator (metered)."""
    n = len(items)
    current().tick(max(1, n * max(1, n.bit_length())) // TICK_EVERY + 1)
    if comparator is not None:
        f = callback(comparator)
        items.sort(key=cmp_to_key(lambda a, b: ord_of(f(a, b))))
    elif key is not None:
        f = callback(key)
        keys = [f(x) for x in items]
        order = sorted(range(n), key=cmp_to_key(lambda i, j: _cmp(keys[i], keys[j])))
        items[:] = [items[i] for i in order]
    else:
        items.sort(key=cmp_to_key(_cmp))


def _index(v, i, what: str) -> int:
    i = want_int(i, what)
    if not 0 <= i < len(v):
        raise V.RuneError(f"index out of bounds: the length is {len(v)} but the index is {i}")
    return i


def _grow(v, n: int = 1) -> None:
    current().alloc(n * WORD, (len(v) + n) * WORD)


# ---------------------------------------------------------------- Vec

def _push(v, x):
    _grow(v)
    v.append(x)


def _pop(v):
    return V.Some(v.pop()) if v else V.NONE


def _get(v, i):
    if type(i) is V.Range:
        from .ops import index_get
        try:
            return V.Some(index_get(v, i))
        except V.RuneError:
            return V.NONE
    i = want_int(i, "get")
    return V.Some(v[i]) if 0 <= i < len(v) else V.NONE


def _insert(v, i, x):
    i = want_int(i, "Vec::insert")
    if not 0 <= i <= len(v):
        raise V.RuneError(f"insertion index (is {i}) should be <= len (is {len(v)})")
    _grow(v)
    v.insert(i, x)


def _remove(v, i):
    return v.pop(_index(v, i, "Vec::remove"))


def _extend(v, items):
    from .ops import iterate
    new = drain(iterate(items))
    current().alloc(len(new) * WORD, (len(v) + len(new)) * WORD)
    v.extend(new)


def _contains(v, x):
    current().tick(len(v) // TICK_EVERY + 1)
    return any(V.equal(x, y) for y in v)


def _dedup(v):
    out = []
    for x in v:
        if not out or not V.equal(out[-1], x):
            out.append(x)
    v[:] = out


def join(v, sep):
    """``[String].join(sep)``."""
    parts = []
    for x in v:
        if type(x) is not V.RString:
            raise V.RuneError(f"join expects a Vec of String, found `{V.type_name(x)}`")
        parts.append(x.s)
    s = (sep.s if type(sep) is V.RString else display(sep)).join(parts)
    current().fresh(len(s))
    return V.RString(s)


def _split_off(v, at):
    at = want_int(at, "Vec::split_off")
    if not 0 <= at <= len(v):
        raise V.RuneError(f"`at` split index (is {at}) should be <= len (is {len(v)})")
    tail = v[at:]
    del v[at:]
    return tail


def _retain(v, f):
    g = callback(f)
    v[:] = [x for x in v if g(x) is True]


def _swap(v, i, j):
    i, j = _index(v, i, "Vec::swap"), _index(v, j, "Vec::swap")
    v[i], v[j] = v[j], v[i]


def _truncate(v, n):
    n = want_int(n, "truncate")
    if n < len(v):
        del v[n:]


def _resize(v, n, x):
    n = want_int(n, "Vec::resize")
    if n > len(v):
        _grow(v, n - len(v))
        v.extend(V.clone(x) for _ in range(n - len(v)))
    else:
        del v[n:]


def _clone_list(v):
    current().fresh(len(v) * WORD)
    return list(v)


def _binary_search(v, x):
    lo, hi = 0, len(v)
    while lo < hi:
        mid = (lo + hi) // 2
        c = _cmp(v[mid], x)
        if c == 0:
            return V.Ok(mid)
        if c < 0:
            lo = mid + 1
        else:
            hi = mid
    return V.Err(lo)


def _iter(v):
    return V.Iterator(list(v))


VEC_METHODS = {
    "len": len, "is_empty": lambda v: not v, "push": _push, "pop": _pop, "get": _get,
    "first": lambda v: V.Some(v[0]) if v else V.NONE,
    "last": lambda v: V.Some(v[-1]) if v else V.NONE,
    "insert": _insert, "remove": _remove, "clear": lambda v: v.clear(), "extend": _extend,
    "iter": _iter, "into_iter": _iter, "contains": _contains,
    "sort": lambda v: sort_values(v), "sort_by": lambda v, f: sort_values(v, comparator=f),
    "sort_by_key": lambda v, f: sort_values(v, key=f), "sort_unstable": lambda v: sort_values(v),
    "dedup": _dedup, "reverse": lambda v: v.reverse(), "join": join, "clone": _clone_list,
    "to_vec": _clone_list, "split_off": _split_off, "retain": _retain, "swap": _swap,
    "truncate": _truncate, "resize": _resize, "capacity": len, "reserve": lambda v, n: None,
    "shrink_to_fit": lambda v: None, "binary_search": _binary_search,
    "concat": lambda v: _concat(v), "eq": lambda a, b: V.equal(a, b),
    "cmp": lambda a, b: ordering(_cmp(a, b)),
}


def _concat(v):
    out = []
    for x in v:
        if type(x) is not list:
            raise V.RuneError(f"concat expects a Vec of Vec, found `{V.type_name(x)}`")
        out.extend(x)
    return out


def ordering(c):
    """``Ordering`` for a -1/0/1 comparison."""
    return V.LESS if c < 0 else V.GREATER if c > 0 else V.EQUAL


TUPLE_METHODS = {
    "len": len, "is_empty": lambda t: not t, "get": _get, "iter": _iter, "into_iter": _iter,
    "clone": lambda t: V.Tuple(t), "eq": lambda a, b: V.equal(a, b),
    "cmp": lambda a, b: ordering(_cmp(a, b)),
    "first": lambda v: V.Some(v[0]) if v else V.NONE,
    "last": lambda v: V.Some(v[-1]) if v else V.NONE,
}


# ---------------------------------------------------------------- VecDeque

def _dq_push_back(d, x):
    _grow(d)
    d.append(x)


def _dq_push_front(d, x):
    _grow(d)
    d.appendleft(x)


def _dq_insert(d, i, x):
    i = want_int(i, "VecDeque::insert")
    if not 0 <= i <= len(d):
        raise V.RuneError(f"index out of bounds: the length is {len(d)} but the index is {i}")
    _grow(d)
    d.insert(i, x)


def _dq_remove(d, i):
    i = want_int(i, "VecDeque::remove")
    if not 0 <= i < len(d):
        return V.NONE
    x = d[i]
    del d[i]
    return V.Some(x)


def _dq_truncate(d, n):
    n = want_int(n, "VecDeque::truncate")
    while len(d) > max(0, n):
        d.pop()


DEQUE_METHODS = {
    "len": len, "is_empty": lambda d: not d, "push_back": _dq_push_back,
    "push_front": _dq_push_front, "pop_back": lambda d: V.Some(d.pop()) if d else V.NONE,
    "pop_front": lambda d: V.Some(d.popleft()) if d else V.NONE,
    "front": lambda d: V.Some(d[0]) if d else V.NONE,
    "back": lambda d: V.Some(d[-1]) if d else V.NONE, "get": _get, "insert": _dq_insert,
    "remove": _dq_remove, "iter": _iter, "into_iter": _iter, "contains": _contains,
    "clear": lambda d: d.clear(), "extend": lambda d, items: _extend(d, items),
    "clone": lambda d: V.VecDeque(d), "eq": lambda a, b: V.equal(a, b),
    "truncate": lambda d, n: _dq_truncate(d, n),
    "reserve": lambda d, n: None, "capacity": len,
    "rotate_left": lambda d, n: d.rotate(-want_int(n, "rotate_left")),
    "rotate_right": lambda d, n: d.rotate(want_int(n, "rotate_right")),
}

TABLES = {list: VEC_METHODS, V.Tuple: TUPLE_METHODS, V.VecDeque: DEQUE_METHODS}


def with_capacity(make):
    """A ``T::with_capacity(n)`` constructor (capacity is not modelled)."""
    def ctor(n):
        want_int(n, "with_capacity")
        return make()
    return ctor


def _vec_from(items):
    from .ops import iterate
    return drain(iterate(items))


FUNCTIONS = {
    "Vec::new": list, "Vec::with_capacity": with_capacity(list), "Vec::from": _vec_from,
    "VecDeque::new": V.VecDeque, "VecDeque::with_capacity": with_capacity(V.VecDeque),
    "mem::drop": lambda v: V.UNIT, "drop": lambda v: V.UNIT,
    "VecDeque::from_iter": lambda items: V.VecDeque(_vec_from(items)),
    "VecDeque::from": lambda items: V.VecDeque(_vec_from(items)),
}
