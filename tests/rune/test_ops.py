"""Operators with Rune's semantics: checked i64, truncation, no int/float mixing, access."""

from __future__ import annotations

import itertools
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiln_plugins.rune import ops
from kiln_plugins.rune import values as V
from kiln_plugins.rune.fmt import format_args

MAX, MIN = V.I64_MAX, V.I64_MIN
i64s = st.integers(MIN, MAX)
POINT = V.StructType("Point", "named", ("x", "y"))
PAIR = V.StructType("Pair", "tuple", ("0", "1"))
SHAPE = V.EnumType("Shape", ("Circle", "Rect"))


def s(text: str) -> V.RString:
    return V.RString(text)


# ---------------------------------------------------------------- integers

@pytest.mark.parametrize("op,a,b,want", [
    (ops.add, 2, 3, 5), (ops.sub, 2, 3, -1), (ops.mul, -4, 3, -12),
    (ops.div, 7, 2, 3), (ops.div, -7, 2, -3), (ops.div, 7, -2, -3), (ops.div, -7, -2, 3),
    (ops.rem, -7, 3, -1), (ops.rem, 7, -3, 1), (ops.rem, -7, -3, -1), (ops.rem, 7, 3, 1),
    (ops.add, MAX - 1, 1, MAX), (ops.sub, MIN + 1, 1, MIN), (ops.div, MIN, 1, MIN),
    (ops.mul, MIN, 1, MIN), (ops.rem, MIN, 1, 0),
    (ops.band, 6, 3, 2), (ops.bor, 6, 3, 7), (ops.bxor, 6, 3, 5),
    (ops.shl, 1, 63, MIN), (ops.shl, 3, 62, MIN + (1 << 62)), (ops.shl, -1, 1, -2),
    (ops.shr, -8, 1, -4), (ops.shr, MIN, 63, -1), (ops.shr, 5, 0, 5),
    (ops.band, True, False, False), (ops.bor, True, False, True), (ops.bxor, True, True, False),
])
def test_integer_ops(op, a, b, want):
    got = op(a, b)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize("op,a,b", [
    (ops.add, MAX, 1), (ops.sub, MIN, 1), (ops.mul, MAX, 2), (ops.mul, MIN, -1),
    (ops.div, MIN, -1), (ops.rem, MIN, -1), (ops.shl, 1, 64), (ops.shl, 1, -1),
    (ops.shr, 1, 64), (ops.shr, 1, -3),
])
def test_integer_overflow_is_a_runtime_error(op, a, b):
    with pytest.raises(V.RuneError, match="integer overflow"):
        op(a, b)


@pytest.mark.parametrize("op", [ops.div, ops.rem])
def test_integer_division_by_zero(op):
    with pytest.raises(V.RuneError, match="division by zero"):
        op(1, 0)


def test_negation():
    assert ops.neg(5) == -5 and ops.neg(MAX) == MIN + 1 and ops.neg(1.5) == -1.5
    with pytest.raises(V.RuneError, match="integer overflow"):
        ops.neg(MIN)
    with pytest.raises(V.RuneError, match="unary operation `-` on `String`"):
        ops.neg(s("x"))


def test_not_is_logical_for_bool_and_bitwise_for_int():
    assert ops.not_(True) is False and ops.not_(0) == -1 and ops.not_(-1) == 0
    with pytest.raises(V.RuneError, match="`!` on `f64`"):
        ops.not_(1.0)


@given(i64s, i64s.filter(lambda b: b != 0))
def test_division_matches_rust_semantics(a, b):
    if a == MIN and b == -1:
        return
    q, r = ops.div(a, b), ops.rem(a, b)
    assert q * b + r == a
    assert abs(r) < abs(b) and (r == 0 or (r < 0) == (a < 0))
    assert q == int(a / b) if abs(a) < 2 ** 52 else True


@given(i64s, i64s)
def test_checked_results_stay_in_i64_or_raise(a, b):
    for op, exact in ((ops.add, a + b), (ops.sub, a - b), (ops.mul, a * b)):
        if MIN <= exact <= MAX:
            assert op(a, b) == exact
        else:
            with pytest.raises(V.RuneError):
                op(a, b)


# ---------------------------------------------------------------- floats and mixing

def test_float_arithmetic():
    assert ops.add(0.5, 0.25) == 0.75 and ops.mul(1.5, 2.0) == 3.0
    assert ops.div(1.0, 4.0) == 0.25 and ops.rem(-7.5, 2.0) == -1.5
    assert ops.div(1.0, 0.0) == math.inf and ops.div(-1.0, 0.0) == -math.inf
    assert math.isnan(ops.div(0.0, 0.0)) and math.isnan(ops.rem(1.0, 0.0))
    assert math.isnan(ops.rem(math.inf, 2.0)) and ops.rem(5.0, math.inf) == 5.0


@pytest.mark.parametrize("op,sym", [
    (ops.add, "+"), (ops.sub, "-"), (ops.mul, "*"), (ops.div, "/"), (ops.rem, "%"),
    (ops.eq, "=="), (ops.band, "&"), (ops.shl, "<<"),
])
def test_int_float_mixing_names_both_types(op, sym):
    with pytest.raises(V.RuneError, match=re.escape(f"`{sym}` on `i64` and `f64`")):
        op(1, 1.0)


def test_comparisons_of_mixed_types_are_errors():
    for op in (ops.lt, ops.le, ops.gt, ops.ge):
        with pytest.raises(V.RuneError, match="`i64` and `f64`"):
            op(1, 2.0)
    with pytest.raises(V.RuneError, match="`String` and `char`"):
        ops.eq(s("a"), V.Char("a"))


def test_bool_is_not_an_int():
    with pytest.raises(V.RuneError, match="`bool` and `i64`"):
        ops.add(True, 1)
    with pytest.raises(V.RuneError):
        ops.eq(True, 1)


# ---------------------------------------------------------------- strings

def test_string_plus_makes_a_new_string():
    a = s("ab")
    c = ops.add(a, s("cd"))
    assert c.s == "abcd" and a.s == "ab"


def test_string_add_assign_mutates_every_alias():
    a = s("ab")
    alias = a
    result = ops.add_assign(a, s("cd"))
    assert result is a and alias.s == "abcd"
    assert ops.add_assign(1, 2) == 3


# ---------------------------------------------------------------- comparison

@pytest.mark.parametrize("a,b,want", [
    (1, 2, -1), (2.5, 1.0, 1), (s("abc"), s("abd"), -1), (V.Char("b"), V.Char("a"), 1),
    ([1, 2], [1, 2, 0], -1), ([2], [1, 9], 1), (V.Tuple([1, s("a")]), V.Tuple([1, s("a")]), 0),
    (V.NONE, V.Some(0), -1), (V.Some(2), V.Some(1), 1), (V.Ok(9), V.Err(0), -1),
    (False, True, -1),
])
def test_cmp(a, b, want):
    assert ops.cmp(a, b) == want


def test_ordering_operators():
    assert ops.lt(s("a"), s("b")) and ops.ge([1, 2], [1, 2]) and not ops.gt(1, 1)
    assert ops.le(V.Char("a"), V.Char("a"))
    nan = math.nan
    assert not ops.lt(nan, 1.0) and not ops.ge(nan, nan)
    assert ops.ne(s("a"), s("b")) and not ops.ne([1], [1])


# ---------------------------------------------------------------- indexing and fields

def test_vec_and_tuple_indexing():
    v = [10, 20, 30]
    assert ops.index_get(v, 2) == 30
    ops.index_set(v, 0, 5)
    assert v[0] == 5
    assert ops.index_get(v, V.Range(1, None, False)) == [20, 30]
    assert ops.index_get(v, V.Range(None, 1, True)) == [5, 20]
    t = V.Tuple([1, 2])
    assert ops.tuple_get(t, 1) == 2
    ops.tuple_set(t, 0, 9)
    assert t == V.Tuple([9, 2])


@pytest.mark.parametrize("obj,index", [([1, 2, 3], 3), ([1], -1), (V.Tuple([1]), 5), ([], 0)])
def test_index_out_of_bounds(obj, index):
    with pytest.raises(V.RuneError, match=f"index out of bounds: the length is {len(obj)} "
                                          f"but the index is {index}"):
        ops.index_get(obj, index)
    with pytest.raises(V.RuneError, match="index out of bounds"):
        ops.index_set(obj, index, 0)


def test_slice_range_out_of_bounds():
    with pytest.raises(V.RuneError, match="out of bounds for length 2"):
        ops.index_get([1, 2], V.Range(1, 5, False))


def test_object_and_hashmap_indexing():
    o = V.Object([("a", 1)])
    assert ops.index_get(o, s("a")) == 1
    ops.index_set(o, s("b"), 2)
    assert o == V.Object([("a", 1), ("b", 2)])
    with pytest.raises(V.RuneError, match="missing field `zz`"):
        ops.index_get(o, s("zz"))
    m = V.HashMap()
    ops.index_set(m, 3, s("three"))
    assert ops.index_get(m, 3).s == "three"
    with pytest.raises(V.RuneError, match="missing key 4"):
        ops.index_get(m, 4)
    with pytest.raises(V.RuneError, match="cannot be a HashMap key"):
        ops.index_set(m, [1], 0)


def test_strings_index_by_byte_range_only():
    assert ops.index_get(s("hello"), V.Range(1, 3, False)).s == "el"
    with pytest.raises(V.RuneError, match="index get operation `String\\[i64\\]`"):
        ops.index_get(s("hello"), 0)


def test_fields_of_objects_structs_and_variants():
    o = V.Object([("a", 1)])
    assert ops.field_get(o, "a") == 1
    ops.field_set(o, "new", 2)
    assert o["new"] == 2
    p = V.Struct(POINT, {"x": 1, "y": 2})
    ops.field_set(p, "y", 5)
    assert ops.field_get(p, "y") == 5
    with pytest.raises(V.RuneError, match="missing field `z` on `Point`"):
        ops.field_get(p, "z")
    with pytest.raises(V.RuneError, match="missing field `z` to set on `Point`"):
        ops.field_set(p, "z", 1)
    with pytest.raises(V.RuneError, match="missing field `b` on `Object`"):
        ops.field_get(o, "b")
    pair = V.Struct(PAIR, [1, 2])
    ops.tuple_set(pair, 1, 7)
    assert ops.tuple_get(pair, 1) == 7
    assert ops.field_get(V.Range(1, 5, False), "end") == 5
    with pytest.raises(V.RuneError, match="tuple index get 0 operation is not supported"):
        ops.tuple_get(5, 0)


# ---------------------------------------------------------------- calls, types, casts, ?

def test_call_function_values_and_tuple_constructors():
    f = V.Function("double", lambda x: x * 2)
    assert ops.call(f, (4,)) == 8
    pair = ops.call(PAIR, (1, 2))
    assert type(pair) is V.Struct and pair.fields == [1, 2]
    with pytest.raises(V.RuneError, match="wrong number of arguments 1, expected 2"):
        ops.call(PAIR, (1,))
    with pytest.raises(V.RuneError, match="`i64` is not a function"):
        ops.call(3, ())


def test_call_method_dispatches_and_reports_missing_methods():
    v = [3, 1, 2]
    assert ops.call_method(v, "len", ()) == 3
    assert ops.call_method(v, "push", (4,)) is V.UNIT
    with pytest.raises(V.RuneError, match="missing instance function `frobnicate` for `Vec`"):
        ops.call_method(v, "frobnicate", ())


def test_call_method_generic_uses_the_turbofish():
    it = V.Iterator([V.Tuple([s("a"), 1])])
    o = ops.call_method_generic(it, "collect", (), ("Object",))
    assert type(o) is V.Object and o == V.Object([("a", 1)])
    assert ops.call_method_generic(s("2.5"), "parse", (), ("f64",)) == V.Ok(2.5)
    assert ops.call_method_generic([1], "len", (), ("Vec",)) == 1


@pytest.mark.parametrize("value,tname,want", [
    (1, "i64", True), (1, "u8", True), (1.0, "f64", True), (1, "f64", False),
    (s(""), "String", True), ([], "Vec", True), (V.UNIT, "Tuple", True),
    (V.Some(1), "Option", True), (V.NONE, "Option", True), (V.Err(1), "Result", True),
    (V.Object(), "Object", True), (V.Range(1, None, False), "RangeFrom", True),
    (V.Range(1, 2, False), "RangeFrom", False), (V.Char("c"), "char", True),
    (True, "i64", False), (V.Function("f", abs), "Function", True),
])
def test_is_type_builtin(value, tname, want):
    assert ops.is_type(value, ops.type_named(tname)) is want


def test_is_type_user_types_and_variants():
    p = V.Struct(POINT, {"x": 1, "y": 2})
    assert ops.is_type(p, POINT) and not ops.is_type(p, PAIR)
    assert not ops.is_type(p, ops.type_named("Object"))
    c = V.Variant(SHAPE, "Circle", "tuple", [1])
    assert ops.is_type(c, SHAPE)

    class Descriptor:  # what the unit passes for `Shape::Circle`
        enum, name, kind, fields = SHAPE, "Circle", "tuple", ("0",)
    assert ops.is_type(c, Descriptor())
    made = ops.call(Descriptor(), (5,))
    assert ops.eq(made, V.Variant(SHAPE, "Circle", "tuple", [5]))
    with pytest.raises(V.RuneError, match="is not a type"):
        ops.is_type(1, 2)


@pytest.mark.parametrize("value,target,want", [
    (1, "f64", 1.0), (2.9, "i64", 2), (-2.9, "i64", -2), (1e300, "i64", MAX),
    (math.nan, "i64", 0), (V.Char("a"), "i64", 97), (True, "i64", 1), (300, "u8", 44),
    (-1, "u8", 255), (200, "i8", -56), (65, "char", V.Char("A")), (3, "f32", 3.0),
])
def test_cast(value, target, want):
    got = ops.cast(value, target)
    assert type(got) is type(want) and V.equal(got, want)


@pytest.mark.parametrize("value,target", [(s("1"), "i64"), (1000, "char"), (1.5, "char"),
                                          (-1, "u64"), ([], "f64")])
def test_bad_casts(value, target):
    with pytest.raises(V.RuneError):
        ops.cast(value, target)


def test_try_operator():
    assert ops.try_(V.Some(3)) == 3 and ops.try_(V.Ok(4)) == 4
    for stop in (V.NONE, V.Err(s("e"))):
        with pytest.raises(V.EarlyReturn) as info:
            ops.try_(stop)
        assert info.value.value is stop
    with pytest.raises(V.RuneError, match="needs an Option or a Result"):
        ops.try_(1)


# ---------------------------------------------------------------- iteration

def test_iterate_values():
    assert list(ops.iterate(V.Range(0, 3, False))) == [0, 1, 2]
    assert list(ops.iterate(V.Range(0, 3, True))) == [0, 1, 2, 3]
    assert [c.c for c in ops.iterate(V.Range(V.Char("a"), V.Char("c"), True))] == ["a", "b", "c"]
    pairs = list(ops.iterate(V.Object([("k", 1)])))
    assert pairs == [V.Tuple([s("k"), 1])]
    assert list(ops.iterate(V.Some(1))) == [1] and list(ops.iterate(V.NONE)) == []
    it = ops.iterate(V.Range(5, None, False))
    assert [next(it), next(it)] == [5, 6]
    with pytest.raises(V.RuneError, match="`i64` is not iterable"):
        ops.iterate(5)
    with pytest.raises(V.RuneError, match="`String` is not iterable"):
        ops.iterate(s("abc"))
    with pytest.raises(V.RuneError, match="`RangeTo` is not iterable"):
        ops.iterate(V.Range(None, 3, False))


# ---------------------------------------------------------------- robustness on any input

leaves = st.one_of(
    st.sampled_from([0, 1, -1, 63, 64, MAX, MIN]),
    st.sampled_from([0.0, -0.0, 2.5, math.inf, -math.inf, math.nan]), st.booleans(),
    st.sampled_from("a ñ").map(V.Char), st.sampled_from(["", "ab", "é"]).map(V.RString),
    st.just(V.NONE), st.just(V.UNIT),
    st.builds(V.Range, st.sampled_from([0, None, V.Char("a")]),
              st.sampled_from([2, None, V.Char("c")]), st.booleans()),
)
values_ = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(V.Tuple),
    inner.map(V.Some), inner.map(V.Err),
    st.dictionaries(st.sampled_from("ab"), inner, max_size=2).map(V.Object)), max_leaves=6)
BINARY = [ops.add, ops.add_assign, ops.sub, ops.mul, ops.div, ops.rem, ops.band, ops.bor,
          ops.bxor, ops.shl, ops.shr, ops.eq, ops.ne, ops.lt, ops.le, ops.gt, ops.ge, ops.cmp,
          ops.index_get]
UNARY = [ops.neg, ops.not_, ops.display, ops.debug, ops.try_, ops.type_of, V.clone,
         lambda v: list(itertools.islice(ops.iterate(v), 5)),
         lambda v: ops.cast(v, "u8"), lambda v: ops.cast(v, "f64"), lambda v: ops.cast(v, "char")]
SPECS = ["", "?", "#?", "x", ">5", "^4", ".2", "+", "05", "e", "#b", "*<7", "10.3"]


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(BINARY), values_, values_)
def test_binary_operators_fail_only_with_rune_errors(op, a, b):
    try:
        op(a, b)
    except (V.RuneError, V.EarlyReturn):
        pass


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(UNARY), values_)
def test_unary_operations_fail_only_with_rune_errors(op, v):
    try:
        op(v)
    except (V.RuneError, V.EarlyReturn):
        pass


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(SPECS), values_)
def test_format_specs_fail_only_with_rune_errors(spec, v):
    try:
        assert isinstance(format_args("{:" + spec + "}", (v,), {}), str)
    except V.RuneError:
        pass
