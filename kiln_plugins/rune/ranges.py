"""Methods of ranges: accessors, ``contains``, and every iterator method over their values."""

from __future__ import annotations

from . import values as V
from .iterators import GENERIC_ITERATOR, ITERATOR_METHODS

__all__ = ["TABLES", "GENERIC"]


def _range_contains(r: V.Range, x):
    from .ops import cmp
    if r.start is not None and cmp(x, r.start) < 0:
        return False
    if r.end is not None:
        c = cmp(x, r.end)
        return c <= 0 if r.inclusive else c < 0
    return True


def _range_len(r: V.Range):
    a, b = r.start, r.end
    if type(a) is not int or type(b) is not int:
        raise V.RuneError(f"`{r.shape()}` has no length")
    return max(0, b - a + (1 if r.inclusive else 0))


def _range_iter(r):
    from .ops import range_iter
    return V.Iterator(range_iter(r))


def _on_range(f):
    def method(r, *args):
        return f(_range_iter(r), *args)
    return method


RANGE_METHODS = {name: _on_range(f) for name, f in ITERATOR_METHODS.items()}
RANGE_METHODS.update({
    "iter": _range_iter, "into_iter": _range_iter, "contains": _range_contains,
    "len": _range_len, "is_empty": lambda r: _range_len(r) == 0,
    "clone": lambda r: V.Range(r.start, r.end, r.inclusive),
    "eq": lambda a, b: V.equal(a, b),
})
GENERIC_RANGE = {name: (lambda f: lambda r, g, *a: f(_range_iter(r), g, *a))(f)
                 for name, f in GENERIC_ITERATOR.items()}

TABLES = {V.Iterator: ITERATOR_METHODS, V.Range: RANGE_METHODS}
GENERIC = {V.Iterator: GENERIC_ITERATOR, V.Range: GENERIC_RANGE}

TABLES = {V.Range: RANGE_METHODS}
GENERIC = {V.Range: GENERIC_RANGE}
