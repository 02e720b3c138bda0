"""Methods of Object, HashMap and HashSet, and their constructors.

Object keys are Python ``str``; HashMap/HashSet keys are Rune values, and a String key is
copied on insertion so mutating the caller's String never moves an entry.
"""

from __future__ import annotations

from . import values as V
from .collections import with_capacity
from .meter import WORD, current
from .natives import drain

__all__ = ["TABLES", "FUNCTIONS", "okey", "set_key"]


def _hashable(k, what: str):
    try:
        if type(k) is float:  # Rune does not hash floats
            raise TypeError
        hash(k)
    except TypeError:
        raise V.RuneError(f"`{V.type_name(k)}` cannot be {what}") from None
    return k


def okey(o, k):
    """The stored form of key ``k`` for Object/HashMap ``o`` (RuneError when unusable)."""
    if type(o) is V.Object:
        if type(k) is V.RString:
            return k.s
        raise V.RuneError(f"an Object key must be a String, found `{V.type_name(k)}`")
    if type(k) is V.RString:
        return V.RString(k.s)  # a key never changes through an alias
    return _hashable(k, "a HashMap key")


def _out_key(o, k):
    return V.RString(k) if type(k) is str else k


def _map_get(o, k):
    k = okey(o, k)
    try:
        return V.Some(o[k]) if k in o else V.NONE
    except TypeError:
        raise V.RuneError(f"`{V.type_name(k)}` cannot be a HashMap key") from None


def _map_insert(o, k, x):
    k = okey(o, k)
    try:
        old = o.get(k, None) if k in o else None
    except TypeError:
        raise V.RuneError(f"`{V.type_name(k)}` cannot be a HashMap key") from None
    if old is None:
        current().alloc(2 * WORD + (len(k) if type(k) is str else 0), 2 * WORD * len(o))
    o[k] = x
    return V.NONE if old is None else V.Some(old)


def _map_remove(o, k):
    k = okey(o, k)
    if k in o:
        return V.Some(o.pop(k))
    return V.NONE


def _map_extend(o, items):
    from .ops import iterate
    for pair in drain(iterate(items)):
        if type(pair) is not V.Tuple or len(pair) != 2:
            raise V.RuneError("extend expects (key, value) tuples")
        _map_insert(o, pair[0], pair[1])


def _map_iter(o):
    return V.Iterator([V.Tuple([_out_key(o, k), x]) for k, x in o.items()])


def _map_clone(o):
    current().fresh(len(o) * 2 * WORD)
    return type(o)(o)


def _map_entry_or_insert(o, k, default):
    k = okey(o, k)
    if k not in o:
        _map_insert(o, k, default)
    return o[k]


MAP_METHODS = {
    "len": len, "is_empty": lambda o: not o, "get": _map_get, "insert": _map_insert,
    "remove": _map_remove, "contains_key": lambda o, k: okey(o, k) in o,
    "keys": lambda o: V.Iterator([_out_key(o, k) for k in o]),
    "values": lambda o: V.Iterator(list(o.values())), "iter": _map_iter,
    "into_iter": _map_iter, "clear": lambda o: o.clear(), "extend": _map_extend,
    "clone": _map_clone, "eq": lambda a, b: V.equal(a, b),
    "get_or_insert": _map_entry_or_insert,
}


# ---------------------------------------------------------------- HashSet

def set_key(k):
    """The stored form of HashSet element ``k``."""
    if type(k) is V.RString:
        return V.RString(k.s)
    return _hashable(k, "in a HashSet")


def _set_insert(s, x):
    x = set_key(x)
    if x in s:
        return False
    current().alloc(WORD, WORD * len(s))
    s.add(x)
    return True


def _set_remove(s, x):
    x = set_key(x)
    if x in s:
        s.discard(x)
        return True
    return False


def _set_extend(s, items):
    from .ops import iterate
    for x in drain(iterate(items)):
        _set_insert(s, x)


def _want_set(b):
    if type(b) is not V.HashSet:
        raise V.RuneError(f"expected a HashSet, found `{V.type_name(b)}`")
    return b


def _set_op(f):
    def op(a, b):
        if type(b) is not V.HashSet:
            raise V.RuneError(f"expected a HashSet, found `{V.type_name(b)}`")
        return V.Iterator(list(f(a, b)))
    return op


SET_METHODS = {
    "len": len, "is_empty": lambda s: not s, "insert": _set_insert, "remove": _set_remove,
    "contains": lambda s, x: set_key(x) in s, "iter": lambda s: V.Iterator(list(s)),
    "into_iter": lambda s: V.Iterator(list(s)), "clear": lambda s: s.clear(),
    "extend": _set_extend, "clone": lambda s: V.HashSet(s), "eq": lambda a, b: V.equal(a, b),
    "union": _set_op(lambda a, b: [*a, *(x for x in b if x not in a)]),
    "intersection": _set_op(lambda a, b: [x for x in a if x in b]),
    "difference": _set_op(lambda a, b: [x for x in a if x not in b]),
    "symmetric_difference": _set_op(lambda a, b: [*(x for x in a if x not in b),
                                                  *(x for x in b if x not in a)]),
    "is_subset": lambda a, b: set.issubset(a, _want_set(b)),
    "is_superset": lambda a, b: set.issuperset(a, _want_set(b)),
}


TABLES = {V.Object: MAP_METHODS, V.HashMap: MAP_METHODS, V.HashSet: SET_METHODS}


def _from_pairs(out, items):
    _map_extend(out, items)
    return out


def _from_items(out, items):
    _set_extend(out, items)
    return out


FUNCTIONS = {
    "Object::new": V.Object, "Object::with_capacity": with_capacity(V.Object),
    "HashMap::new": V.HashMap, "HashMap::with_capacity": with_capacity(V.HashMap),
    "HashSet::new": V.HashSet, "HashSet::with_capacity": with_capacity(V.HashSet),
    "HashMap::from_iter": lambda items: _from_pairs(V.HashMap(), items),
    "Object::from_iter": lambda items: _from_pairs(V.Object(), items),
    "HashSet::from_iter": lambda items: _from_items(V.HashSet(), items),
}
