"""A fast yes-path for tool-argument validation.

jsonschema costs ~20 µs per call even for a two-field schema; most tool schemas use a small
subset of keywords. :func:`compile_checker` turns a schema that uses only that subset into a
closure answering "certainly valid?" in ~1 µs. It is conservative by construction: any keyword
outside the subset makes it return None, and a False answer (or None) sends the arguments to
jsonschema, which decides and words the error. So the fast path can only ever skip work for
arguments jsonschema would also accept (a property test checks this).
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["compile_checker"]

Check = Callable[[Any], bool]

ANNOTATIONS = {"description", "title", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly"}
SUPPORTED = ANNOTATIONS | {"type", "properties", "required", "additionalProperties", "items", "minimum",
                           "maximum", "minLength", "maxLength", "minItems", "maxItems"}


def _is_number(v) -> bool:
    return (type(v) is int or type(v) is float) and v == v


TYPE_TESTS: dict[str, Check] = {
    "string": lambda v: type(v) is str,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
    "number": _is_number,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "array": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
}


def compile_checker(schema: Any) -> Check | None:
    """A closure that returns True only for values ``schema`` accepts; None if unsupported."""
    if schema is True or schema == {}:
        return lambda v: True
    if not isinstance(schema, dict) or not set(schema) <= SUPPORTED:
        return None
    checks: list[Check] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else kind
        if not isinstance(kinds, list) or not all(k in TYPE_TESTS for k in kinds):
            return None
        tests = [TYPE_TESTS[k] for k in kinds]
        checks.append(tests[0] if len(tests) == 1 else (lambda v, ts=tuple(tests): any(t(v) for t in ts)))
    for key, compare in (("minimum", lambda v, m: v >= m), ("maximum", lambda v, m: v <= m)):
        if key in schema:
            bound = schema[key]
            if not _is_number(bound):
                return None
            checks.append(lambda v, b=bound, c=compare: not _is_number(v) or c(v, b))
    for key, typ, compare in (("minLength", str, lambda n, m: n >= m), ("maxLength", str, lambda n, m: n <= m),
                              ("minItems", list, lambda n, m: n >= m), ("maxItems", list, lambda n, m: n <= m)):
        if key in schema:
            bound = schema[key]
            if type(bound) is not int:
                return None
            checks.append(lambda v, b=bound, t=typ, c=compare: type(v) is not t or c(len(v), b))
    if "items" in schema:
        item = compile_checker(schema["items"])
        if item is None:
            return None
        checks.append(lambda v, f=item: type(v) is not list or all(f(x) for x in v))
    obj = _object_checks(schema)
    if obj is None:
        return None
    checks.extend(obj)
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    return lambda v, cs=tuple(checks): all(c(v) for c in cs)


def _object_checks(schema: dict) -> list[Check] | None:
    out: list[Check] = []
    props = schema.get("properties", {})
    if not isinstance(props, dict):
        return None
    compiled = {}
    for name, sub in props.items():
        c = compile_checker(sub)
        if c is None:
            return None
        compiled[name] = c
    if compiled:
        out.append(lambda v, ps=tuple(compiled.items()): type(v) is not dict or all(
            f(v[k]) for k, f in ps if k in v))
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        return None
    if required:
        out.append(lambda v, rs=tuple(required): type(v) is not dict or all(r in v for r in rs))
    extra = schema.get("additionalProperties", True)
    if extra is False:
        out.append(lambda v, ks=frozenset(props): type(v) is not dict or all(k in ks for k in v))
    elif extra is not True:
        c = compile_checker(extra)
        if c is None:
            return None
        out.append(lambda v, ks=frozenset(props), f=c: type(v) is not dict or all(
            f(x) for k, x in v.items() if k not in ks))
    return out
