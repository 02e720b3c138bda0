"""The fast yes-path never accepts what jsonschema rejects."""

from __future__ import annotations

import jsonschema
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kiln_plugins.fast_schema import compile_checker

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-5, 5) | st.just(float("nan")) | st.just(2.0) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    max_leaves=8)
types = st.sampled_from(["string", "integer", "number", "boolean", "null", "array", "object"])
leaf_schema = st.fixed_dictionaries({}, optional={
    "type": types | st.lists(types, min_size=1, max_size=2, unique=True),
    "minimum": st.integers(-3, 3), "maximum": st.integers(-3, 3),
    "minLength": st.integers(0, 2), "maxLength": st.integers(0, 2),
    "minItems": st.integers(0, 2), "maxItems": st.integers(0, 2),
    "description": st.just("d"),
})
schemas = st.recursive(leaf_schema, lambda inner: st.fixed_dictionaries({}, optional={
    "type": st.just("object"),
    "properties": st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    "required": st.lists(st.sampled_from("abc"), max_size=2, unique=True),
    "additionalProperties": st.booleans() | inner,
    "items": inner,
}), max_leaves=6)


@settings(max_examples=400, deadline=None)
@given(schemas, json_values)
def test_fast_yes_implies_jsonschema_yes(schema, value):
    check = compile_checker(schema)
    assert check is not None  # every generated schema is inside the subset
    if check(value):
        assert jsonschema.Draft202012Validator(schema).is_valid(value), (schema, value)


def _has_nan(v) -> bool:
    if isinstance(v, float):
        return v != v
    if isinstance(v, dict):
        return any(_has_nan(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_nan(x) for x in v)
    return False


@settings(max_examples=200, deadline=None)
@given(schemas, json_values)
def test_fast_path_agrees_except_on_nan(schema, value):
    # Not required for safety, but a checker that says False too often would be useless.
    # NaN is the one deliberate difference: the fast path refuses it and lets jsonschema decide.
    assume(not _has_nan(value))
    check = compile_checker(schema)
    assert check(value) == jsonschema.Draft202012Validator(schema).is_valid(value), (schema, value)


def test_unsupported_keywords_fall_back():
    assert compile_checker({"type": "object", "properties": {"a": {"enum": [1, 2]}}}) is None
    assert compile_checker({"anyOf": [{"type": "string"}]}) is None
    assert compile_checker({"type": "strnig"}) is None
