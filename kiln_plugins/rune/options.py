"""Methods of Option (``Some``/``None``) and Result (``Ok``/``Err``)."""

from __future__ import annotations

from . import values as V
from .fmt import debug, display
from .natives import callback

__all__ = ["TABLES", "FUNCTIONS", "CONSTANTS"]


def _is_some(o):
    return type(o) is V.Some


def _check_option(o, name):
    if type(o) is not V.Some and o is not V.NONE:
        raise V.RuneError(f"`{name}` expects an Option")


def _unwrap(o):
    if type(o) is V.Some or type(o) is V.Ok:
        return o.value
    if o is V.NONE:
        raise V.RunePanic("called `Option::unwrap()` on a `None` value")
    raise V.RunePanic(f"called `Result::unwrap()` on an `Err` value: {debug(o.value)}")


def _expect(o, msg):
    if type(o) is V.Some or type(o) is V.Ok:
        return o.value
    text = msg.s if type(msg) is V.RString else display(msg)
    if o is V.NONE:
        raise V.RunePanic(text)
    raise V.RunePanic(f"{text}: {debug(o.value)}")


def _good(o) -> bool:
    return type(o) is V.Some or type(o) is V.Ok


def _unwrap_or(o, default):
    return o.value if _good(o) else default


def _unwrap_or_else(o, f):
    if _good(o):
        return o.value
    return callback(f)() if o is V.NONE else callback(f)(o.value)


def _map(o, f):
    t = type(o)
    if t is V.Some:
        return V.Some(callback(f)(o.value))
    if t is V.Ok:
        return V.Ok(callback(f)(o.value))
    return o


def _and_then(o, f):
    return callback(f)(o.value) if _good(o) else o


def _or_else(o, f):
    if _good(o):
        return o
    return callback(f)() if o is V.NONE else callback(f)(o.value)


def _or(o, other):
    return o if _good(o) else other


def _and(o, other):
    return other if _good(o) else o


def _map_or(o, default, f):
    return callback(f)(o.value) if _good(o) else default


def _map_or_else(o, default_f, f):
    if _good(o):
        return callback(f)(o.value)
    return callback(default_f)() if o is V.NONE else callback(default_f)(o.value)


def _filter(o, pred):
    if type(o) is V.Some and callback(pred)(o.value) is True:
        return o
    return V.NONE


def _iter(o):
    return V.Iterator((o.value,) if _good(o) else ())


def _ok_or(o, err):
    return V.Ok(o.value) if type(o) is V.Some else V.Err(err)


def _ok_or_else(o, f):
    return V.Ok(o.value) if type(o) is V.Some else V.Err(callback(f)())


def _xor(o, other):
    a, b = type(o) is V.Some, type(other) is V.Some
    return o if a and not b else other if b and not a else V.NONE


def _zip(o, other):
    if type(o) is V.Some and type(other) is V.Some:
        return V.Some(V.Tuple([o.value, other.value]))
    return V.NONE


def _transpose(o):
    if o is V.NONE:
        return V.Ok(V.NONE)
    inner = o.value
    if type(inner) is V.Ok:
        return V.Ok(V.Some(inner.value))
    if type(inner) is V.Err:
        return inner
    raise V.RuneError("transpose expects an Option of a Result")


def _is_some_and(o, f):
    return type(o) is V.Some and callback(f)(o.value) is True


def _unwrap_err(r):
    if type(r) is V.Err:
        return r.value
    raise V.RunePanic(f"called `Result::unwrap_err()` on an `Ok` value: {debug(r.value)}")


def _expect_err(r, msg):
    if type(r) is V.Err:
        return r.value
    raise V.RunePanic(f"{display(msg)}: {debug(r.value)}")


def _map_err(r, f):
    return V.Err(callback(f)(r.value)) if type(r) is V.Err else r


def _eq(a, b):
    return V.equal(a, b)


COMMON = {
    "unwrap": _unwrap, "expect": _expect, "unwrap_or": _unwrap_or,
    "unwrap_or_else": _unwrap_or_else, "map": _map, "and_then": _and_then,
    "or_else": _or_else, "or": _or, "and": _and, "map_or": _map_or,
    "map_or_else": _map_or_else, "iter": _iter, "into_iter": _iter, "clone": V.clone,
    "eq": _eq, "ne": lambda a, b: not V.equal(a, b),
}

OPTION_METHODS = {
    **COMMON, "is_some": _is_some, "is_none": lambda o: o is V.NONE, "filter": _filter,
    "ok_or": _ok_or, "ok_or_else": _ok_or_else, "xor": _xor, "zip": _zip,
    "transpose": _transpose, "is_some_and": _is_some_and,
    "is_none_or": lambda o, f: o is V.NONE or callback(f)(o.value) is True,
    "flatten": lambda o: o.value if type(o) is V.Some else o,
}

RESULT_METHODS = {
    **COMMON, "is_ok": lambda r: type(r) is V.Ok, "is_err": lambda r: type(r) is V.Err,
    "ok": lambda r: V.Some(r.value) if type(r) is V.Ok else V.NONE,
    "err": lambda r: V.Some(r.value) if type(r) is V.Err else V.NONE,
    "unwrap_err": _unwrap_err, "expect_err": _expect_err, "map_err": _map_err,
    "is_ok_and": lambda r, f: type(r) is V.Ok and callback(f)(r.value) is True,
}

TABLES = {V.Some: OPTION_METHODS, type(V.NONE): OPTION_METHODS, V.Ok: RESULT_METHODS,
          V.Err: RESULT_METHODS}

FUNCTIONS = {"Some": V.Some, "Ok": V.Ok, "Err": V.Err, "Option::Some": V.Some,
             "Result::Ok": V.Ok, "Result::Err": V.Err}

CONSTANTS = {"None": V.NONE, "Option::None": V.NONE}
