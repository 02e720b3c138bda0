"""Methods of Iterator: lazy adapters and metered consumers."""

from __future__ import annotations

import itertools

from . import values as V
from .meter import WORD, current
from .collect import collect
from .natives import callback, drain, metered, want_int

__all__ = ["TABLES", "GENERIC", "FUNCTIONS", "ITERATOR_METHODS", "GENERIC_ITERATOR"]


def _it(x):
    from .ops import iterate
    return iterate(x)


def _wrap(gen) -> V.Iterator:
    return V.Iterator(gen)


def _next(it: V.Iterator):
    try:
        return V.Some(next(it))
    except StopIteration:
        return V.NONE


def _peek(it: V.Iterator):
    if it.peeked is V.Iterator._EMPTY:
        try:
            it.peeked = next(it.it)
        except StopIteration:
            return V.NONE
    return V.Some(it.peeked)


def _map(it, f):
    g = callback(f)
    return _wrap(g(x) for x in it)


def _filter(it, f):
    g = callback(f)
    return _wrap(x for x in metered(it) if g(x) is True)


def _filter_map(it, f):
    g = callback(f)

    def gen():
        for x in metered(it):
            r = g(x)
            if type(r) is V.Some:
                yield r.value
            elif r is not V.NONE:
                raise V.RuneError(f"filter_map expects an Option, found `{V.type_name(r)}`")
    return _wrap(gen())


def _flat_map(it, f):
    g = callback(f)
    return _wrap(y for x in it for y in metered(_it(g(x))))


def _flatten(it):
    return _wrap(y for x in it for y in metered(_it(x)))


def _enumerate(it):
    return _wrap(V.Tuple([i, x]) for i, x in enumerate(it))


def _rev(it):
    items = drain(it)
    items.reverse()
    return V.Iterator(items)


def _take(it, n):
    return _wrap(itertools.islice(it, max(0, want_int(n, "take"))))


def _skip(it, n):
    return _wrap(itertools.islice(metered(it), max(0, want_int(n, "skip")), None))


def _step_by(it, n):
    n = want_int(n, "step_by")
    if n <= 0:
        raise V.RunePanic("assertion failed: step != 0")
    return _wrap(itertools.islice(metered(it), 0, None, n))


def _take_while(it, f):
    g = callback(f)
    return _wrap(itertools.takewhile(lambda x: g(x) is True, it))


def _skip_while(it, f):
    g = callback(f)
    return _wrap(itertools.dropwhile(lambda x: g(x) is True, metered(it)))


def _chain(it, other):
    return _wrap(itertools.chain(it, _it(other)))


def _zip(it, other):
    return _wrap(V.Tuple([a, b]) for a, b in zip(it, _it(other)))


def _inspect(it, f):
    g = callback(f)

    def gen():
        for x in it:
            g(x)
            yield x
    return _wrap(gen())


def _fold(it, init, f):
    g = callback(f)
    acc = init
    for x in metered(it):
        acc = g(acc, x)
    return acc


def _reduce(it, f):
    g = callback(f)
    try:
        acc = next(it)
    except StopIteration:
        return V.NONE
    for x in metered(it):
        acc = g(acc, x)
    return V.Some(acc)


def _for_each(it, f):
    g = callback(f)
    for x in metered(it):
        g(x)
    return V.UNIT


def _find(it, f):
    g = callback(f)
    for x in metered(it):
        if g(x) is True:
            return V.Some(x)
    return V.NONE


def _find_map(it, f):
    g = callback(f)
    for x in metered(it):
        r = g(x)
        if type(r) is V.Some:
            return r
    return V.NONE


def _position(it, f):
    g = callback(f)
    for i, x in enumerate(metered(it)):
        if g(x) is True:
            return V.Some(i)
    return V.NONE


def _any(it, f):
    g = callback(f)
    return any(g(x) is True for x in metered(it))


def _all(it, f):
    g = callback(f)
    return all(g(x) is True for x in metered(it))


def _count(it):
    n = 0
    for _ in metered(it):
        n += 1
    return n


def _last(it):
    last = V.NONE
    for x in metered(it):
        last = x
    return last if last is V.NONE else V.Some(last)


def _nth(it, n):
    n = want_int(n, "nth")
    if n < 0:
        return V.NONE
    for i, x in enumerate(metered(it)):
        if i == n:
            return V.Some(x)
    return V.NONE


def _extreme(sign: int, key=None, comparator=None):
    def pick(it, f=None):
        from .ops import cmp
        best, best_key = V.Iterator._EMPTY, None
        kf = callback(f) if f is not None and key else None
        cf = callback(f) if f is not None and comparator else None
        for x in metered(it):
            k = kf(x) if kf else x
            if best is V.Iterator._EMPTY:
                best, best_key = x, k
                continue
            if cf is not None:
                from .collections import ord_of
                c = ord_of(cf(x, best))
            else:
                c = cmp(k, best_key)
            if (sign > 0 and c >= 0) or (sign < 0 and c < 0):
                best, best_key = x, k
        return V.NONE if best is V.Iterator._EMPTY else V.Some(best)
    return pick


def _sum(it, generics=()):
    from .ops import add
    items = iter(metered(it))
    try:
        acc = next(items)
    except StopIteration:
        kind = generics[0].split("::")[-1] if generics else "i64"
        return 0.0 if kind in ("f64", "f32") else 0
    for x in items:
        acc = add(acc, x)
    return acc


def _product(it, generics=()):
    from .ops import mul
    items = iter(metered(it))
    try:
        acc = next(items)
    except StopIteration:
        kind = generics[0].split("::")[-1] if generics else "i64"
        return 1.0 if kind in ("f64", "f32") else 1
    for x in items:
        acc = mul(acc, x)
    return acc


def _partition(it, f):
    g = callback(f)
    yes, no = [], []
    for x in metered(it):
        (yes if g(x) is True else no).append(x)
    current().alloc((len(yes) + len(no)) * WORD)
    return V.Tuple([yes, no])


def _unzip(it):
    a, b = [], []
    for p in metered(it):
        if type(p) is not V.Tuple or len(p) != 2:
            raise V.RuneError("unzip expects pairs")
        a.append(p[0])
        b.append(p[1])
    return V.Tuple([a, b])


def _cycle(it):
    items = drain(it)
    if not items:
        return V.Iterator(())
    return _wrap(metered(itertools.cycle(items)))


def _join_iter(it, sep):
    from .collections import join
    return join(drain(it), sep)


ITERATOR_METHODS = {
    "next": _next, "peek": _peek, "peekable": lambda it: it, "iter": lambda it: it,
    "into_iter": lambda it: it, "map": _map, "filter": _filter, "filter_map": _filter_map,
    "flat_map": _flat_map, "flatten": _flatten, "enumerate": _enumerate, "rev": _rev,
    "take": _take, "skip": _skip, "step_by": _step_by, "take_while": _take_while,
    "skip_while": _skip_while, "chain": _chain, "zip": _zip, "inspect": _inspect,
    "fold": _fold, "reduce": _reduce, "for_each": _for_each, "find": _find,
    "find_map": _find_map, "position": _position, "any": _any, "all": _all,
    "count": _count, "last": _last, "nth": _nth,
    "min": _extreme(-1), "max": _extreme(1),
    "min_by_key": _extreme(-1, key=True), "max_by_key": _extreme(1, key=True),
    "min_by": _extreme(-1, comparator=True), "max_by": _extreme(1, comparator=True),
    "sum": lambda it: _sum(it), "product": lambda it: _product(it),
    "collect": lambda it: collect(it), "partition": _partition,
    "unzip": _unzip, "cycle": _cycle, "cloned": lambda it: it, "copied": lambda it: it,
    "join": _join_iter,
}


def _next_back(it: V.Iterator):
    items = drain(it)
    if not items:
        it.it = iter(())
        return V.NONE
    last = items.pop()
    it.it = iter(items)
    return V.Some(last)


def _nth_back(it: V.Iterator, n):
    n = want_int(n, "nth_back")
    items = drain(it)
    if n < 0 or n >= len(items):
        it.it = iter(())
        return V.NONE
    x = items[len(items) - 1 - n]
    it.it = iter(items[:len(items) - 1 - n])
    return V.Some(x)


def _clone_iter(it: V.Iterator):
    if it.peeked is not V.Iterator._EMPTY:
        it.it = itertools.chain((it.peeked,), it.it)
        it.peeked = V.Iterator._EMPTY
    mine, theirs = itertools.tee(it.it)
    it.it = mine
    return V.Iterator(theirs)


def _size_hint(it: V.Iterator):
    mine, probe = itertools.tee(it.it)
    it.it = mine
    n = len(drain(probe)) + (0 if it.peeked is V.Iterator._EMPTY else 1)
    return V.Tuple([n, V.Some(n)])


ITERATOR_METHODS.update({  # defined after the table they join
    "next_back": _next_back, "nth_back": _nth_back, "clone": _clone_iter,
    "size_hint": _size_hint, "len": lambda it: _size_hint(it)[0],
})

GENERIC_ITERATOR = {"collect": collect, "sum": _sum, "product": _product}


TABLES = {V.Iterator: ITERATOR_METHODS}
GENERIC = {V.Iterator: GENERIC_ITERATOR}


def _repeat(x):
    return _wrap(metered(itertools.repeat(x)))


FUNCTIONS = {
    "iter::empty": lambda: V.Iterator(()), "iter::once": lambda x: V.Iterator((x,)),
    "iter::repeat": _repeat,
    "iter::range": lambda a, b: V.Iterator(range(want_int(a, "range"), want_int(b, "range"))),
}
