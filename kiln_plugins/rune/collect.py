"""``collect::<T>()``: gather an iterator into the collection its turbofish names."""

from __future__ import annotations

from . import values as V
from .meter import current
from .natives import drain

__all__ = ["collect"]


def _pairs(items, what):
    for p in items:
        if type(p) is not V.Tuple or len(p) != 2:
            raise V.RuneError(f"collect::<{what}> expects (key, value) tuples, "
                              f"found `{V.type_name(p)}`")
        yield p[0], p[1]


def collect(it, generics=("Vec",)):
    """Gather ``it`` into the collection named by the turbofish (Vec by default)."""
    kind = generics[0].split("::")[-1].split("<")[0] if generics else "Vec"
    items = drain(it)
    if kind == "Vec":
        return items
    if kind == "VecDeque":
        return V.VecDeque(items)
    if kind == "Tuple":
        return V.Tuple(items)
    if kind == "HashSet":
        from .maps import set_key
        return V.HashSet(set_key(x) for x in items)
    if kind == "Object":
        out = V.Object()
        for k, v in _pairs(items, kind):
            if type(k) is not V.RString:
                raise V.RuneError(f"an Object key must be a String, found `{V.type_name(k)}`")
            out[k.s] = v
        return out
    if kind == "HashMap":
        from .maps import okey
        out = V.HashMap()
        for k, v in _pairs(items, kind):
            out[okey(out, k)] = v
        return out
    if kind == "String":
        parts = []
        for x in items:
            if type(x) is V.RString or type(x) is V.Char:
                parts.append(str(x))
            else:
                raise V.RuneError(f"collect::<String> expects chars or Strings, found "
                                  f"`{V.type_name(x)}`")
        s = "".join(parts)
        current().fresh(len(s))
        return V.RString(s)
    if kind in ("Option", "Result"):
        out = []
        for x in items:
            if x is V.NONE or type(x) is V.Err:
                return x
            out.append(x.value)
        return V.Some(out) if kind == "Option" else V.Ok(out)
    raise V.RuneError(f"cannot collect into `{kind}`")
