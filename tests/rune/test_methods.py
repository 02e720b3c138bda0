"""Native method tables, natives by path, and metering inside natives (plain Python calls)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiln_plugins.errors import LimitExceeded
from kiln_plugins.limits import Limits
from kiln_plugins.rune import methods, ops
from kiln_plugins.rune import values as V
from kiln_plugins.rune.meter import Meter, current


def s(text: str) -> V.RString:
    return V.RString(text)


def call(obj, name, *args):
    return ops.call_method(obj, name, args)


def fn(f) -> V.Function:
    return V.Function("f", f)


def native(path: str):
    return methods.NATIVE_FUNCTIONS[path]


def texts(values) -> list[str]:
    return [v.s if type(v) is V.RString else str(v) for v in values]


# ---------------------------------------------------------------- no Python None leaks

SAMPLES = {
    int: lambda: 5, float: lambda: 2.5, bool: lambda: True, V.Char: lambda: V.Char("a"),
    V.RString: lambda: s("a b"), V.Bytes: lambda: V.Bytes(b"ab"), list: lambda: [1, 2],
    V.Tuple: lambda: V.Tuple([1, 2]), V.Object: lambda: V.Object([("a", 1)]),
    V.HashMap: lambda: V.HashMap([(1, 2)]), V.HashSet: lambda: V.HashSet([1]),
    V.VecDeque: lambda: V.VecDeque([1, 2]), V.Some: lambda: V.Some(1),
    type(V.NONE): lambda: V.NONE, V.Ok: lambda: V.Ok(1), V.Err: lambda: V.Err(1),
    V.Iterator: lambda: V.Iterator([1, 2]), V.Range: lambda: V.Range(0, 3, False),
}
ARG_POOL = [(), (0,), (1,), (s("a"),), (fn(lambda *a: True),), (fn(lambda *a: a[0]),),
            (fn(lambda *a: V.LESS),), (0, 1), (1, 2), (s("a"), 1), (1, fn(lambda *a: a[0])),
            (V.Char("a"),), (2.0,), ([1],), (0, V.Char("x")), (0, s("x")), (1.0, 2.0)]


def test_no_method_returns_python_none():
    """Every method that runs on a sample receiver yields a Rune value (mutators give ())."""
    ran = 0
    for t, table in methods.TABLES.items():
        for name, f in table.items():
            for args in ARG_POOL:
                try:
                    result = f(SAMPLES[t](), *args)
                except (V.RuneError, V.RunePanic, TypeError):
                    continue
                assert result is not None, (t.__name__, name, args)
                ran += 1
                break
    assert ran > 300


# ---------------------------------------------------------------- robustness on any input

scalars = st.one_of(
    st.sampled_from([0, 1, -1, 7, 64, 300, V.I64_MAX, V.I64_MIN]),
    st.sampled_from([0.0, -0.0, 1.5, math.inf, -math.inf, math.nan, 1e308]),
    st.booleans(), st.sampled_from("aZ5 ñ\x00").map(V.Char),
    st.sampled_from(["", "a", "abc", "ñé", "-5", "a,b", " x "]).map(s),
    st.just(V.NONE), st.just(V.UNIT),
    st.sampled_from([lambda *a: True, lambda *a: a[0] if a else 1, lambda *a: V.LESS,
                     lambda *a: V.Some(1)]).map(fn),
    st.builds(V.Range, st.sampled_from([0, 1, None, V.Char("a")]),
              st.sampled_from([3, None, -2, V.Char("c")]), st.booleans()),
)
rune_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(V.Tuple),
    inner.map(V.Some), inner.map(V.Ok), inner.map(V.Err)), max_leaves=6)
METHODS = sorted(((t, name) for t, table in methods.TABLES.items() for name in table),
                 key=lambda p: (p[0].__name__, p[1]))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(METHODS), st.integers(0, 2), st.lists(rune_values, max_size=2))
def test_methods_fail_only_with_rune_errors(method, receiver, args):
    """Any arguments: a Rune value back, or a Rune error, panic or limit — never a crash."""
    t, name = method
    recv = {V.Iterator: lambda: V.Iterator([1, 2, 3])}.get(t, lambda: V.clone(
        [v for v in SAMPLE_RECEIVERS[t]][receiver % len(SAMPLE_RECEIVERS[t])]))()
    meter = Meter(Limits(instructions=100_000), "fuzz")
    token = meter.activate()
    try:
        result = methods.TABLES[t][name](recv, *args)
        if type(result) is V.Iterator:
            list(itertools.islice(result, 20))
        assert result is not None
    except (V.RuneError, V.RunePanic, LimitExceeded):
        pass
    except TypeError as e:  # wrong arity: the unit reports "wrong number of arguments"
        assert "positional argument" in str(e) or "takes" in str(e), e
    finally:
        meter.deactivate(token)


SAMPLE_RECEIVERS = {
    int: [5, -3, 0], float: [2.5, math.inf, math.nan], bool: [True], V.Char: [V.Char("a")],
    V.RString: [s("a b,c"), s(""), s("ñé")], V.Bytes: [V.Bytes(b"ab")],
    list: [[1, 2], [], [s("a"), s("b")]], V.Tuple: [V.Tuple([1, 2])],
    V.Object: [V.Object([("a", 1)])], V.HashMap: [V.HashMap([(1, 2)])],
    V.HashSet: [V.HashSet([1])], V.VecDeque: [V.VecDeque([1, 2])], V.Some: [V.Some(1)],
    type(V.NONE): [V.NONE], V.Ok: [V.Ok(1)], V.Err: [V.Err(1)],
    V.Range: [V.Range(0, 3, False), V.Range(V.Char("a"), V.Char("c"), True),
              V.Range(2, None, False)],
}


# ---------------------------------------------------------------- String

def test_string_methods():
    t = s("  Hello, Wörld  ")
    assert call(t, "len") == 17  # UTF-8 bytes, as in Rust
    assert call(t, "trim").s == "Hello, Wörld"
    assert call(t, "trim_start").s == "Hello, Wörld  " and call(t, "trim_end").s == "  Hello, Wörld"
    assert call(s("a,b,,c"), "split", s(",")).it is not None
    assert texts(call(s("a,b,,c"), "split", s(","))) == ["a", "b", "", "c"]
    assert texts(call(s("a1b2c"), "split", fn(lambda c: c.c.isdigit()))) == ["a", "b", "c"]
    assert texts(call(s(" x  y\tz\n"), "split_whitespace")) == ["x", "y", "z"]
    assert texts(call(s("l1\nl2\r\n"), "lines")) == ["l1", "l2"]
    assert call(s("abc"), "starts_with", s("ab")) and call(s("abc"), "ends_with", V.Char("c"))
    assert call(s("abc"), "contains", s("bc")) and not call(s("abc"), "contains", V.Char("z"))
    assert call(s("a-b-c"), "replace", s("-"), s("+")).s == "a+b+c"
    assert call(s("MiXed"), "to_uppercase").s == "MIXED" and call(s("MiXed"), "to_lowercase").s == "mixed"
    assert call(s(""), "is_empty") and not call(s("x"), "is_empty")
    assert call(s("héllo"), "find", V.Char("l")) == V.Some(3)  # byte offset
    assert call(s("abc"), "find", s("z")) is V.NONE
    assert texts(call(s("añb"), "chars")) == ["a", "ñ", "b"]
    assert list(call(s("añ"), "bytes")) == [97, 195, 177]
    assert call(s("ab"), "repeat", 3).s == "ababab"
    assert call(s("k=v=w"), "split_once", s("=")) == V.Some(V.Tuple([s("k"), s("v=w")]))
    assert call(s("abc"), "char_at", 1) == V.Some(V.Char("b"))
    assert call(s("hello"), "get", V.Range(1, 3, False)) == V.Some(s("el"))
    assert call(s("hello"), "get", V.Range(1, 30, False)) is V.NONE
    assert call(s("prefix-x"), "strip_prefix", s("prefix-")) == V.Some(s("x"))


def test_empty_patterns_split_like_rust():
    assert call(s("abc"), "split_once", s("")) == V.Some(V.Tuple([s(""), s("abc")]))
    assert texts(call(s("abc"), "splitn", 3, s(""))) == ["", "a", "bc"]
    assert texts(call(s("ab"), "split", s(""))) == ["", "a", "b", ""]


def test_string_mutation_is_shared_by_aliases():
    a = s("ab")
    alias = a
    call(a, "push", V.Char("c"))
    call(a, "push_str", s("de"))
    call(a, "insert", 0, V.Char(">"))
    assert alias.s == ">abcde"
    assert call(a, "pop") == V.Some(V.Char("e"))
    assert call(a, "remove", 0) == V.Char(">")
    call(a, "truncate", 2)
    assert alias.s == "ab"
    call(a, "clear")
    assert alias.s == "" and call(a, "pop") is V.NONE
    copy = call(alias, "clone")
    call(copy, "push_str", s("x"))
    assert alias.s == ""


def test_string_errors():
    with pytest.raises(V.RuneError, match="String::push expects a `char`, found `String`"):
        call(s("a"), "push", s("b"))
    with pytest.raises(V.RuneError, match="not a char boundary"):
        call(s("ñ"), "insert", 1, V.Char("x"))
    with pytest.raises(V.RuneError, match="count must not be negative"):
        call(s("a"), "repeat", -1)


@pytest.mark.parametrize("text,generic,want", [
    ("42", "i64", V.Ok(42)), ("-7", "i64", V.Ok(-7)), ("+3", "i64", V.Ok(3)),
    ("2.5", "f64", V.Ok(2.5)), ("1e3", "f64", V.Ok(1000.0)), ("x", "char", V.Ok(V.Char("x"))),
    ("true", "bool", V.Ok(True)),
    ("", "i64", V.Err(s("cannot parse integer from empty string"))),
    ("12a", "i64", V.Err(s("invalid digit found in string"))),
    ("9223372036854775808", "i64", V.Err(s("number too large to fit in target type"))),
    ("abc", "f64", V.Err(s("invalid float literal"))),
    ("1_0", "i64", V.Err(s("invalid digit found in string"))),
])
def test_parse_with_turbofish(text, generic, want):
    got = ops.call_method_generic(s(text), "parse", (), (generic,))
    assert V.equal(got, want)


def test_parse_defaults_to_i64_and_natives_parse():
    assert call(s("5"), "parse") == V.Ok(5)
    assert native("std::i64::parse")(s("8")) == V.Ok(8)
    assert methods.NATIVE_GENERIC_FUNCTIONS["String::parse"](s("1.5"), ("f64",)) == V.Ok(1.5)


# ---------------------------------------------------------------- Vec

def test_vec_methods():
    v = [3, 1, 2]
    call(v, "push", 5)
    assert call(v, "len") == 4 and call(v, "pop") == V.Some(5) and v == [3, 1, 2]
    assert call(v, "get", 0) == V.Some(3) and call(v, "get", 9) is V.NONE
    assert call(v, "first") == V.Some(3) and call(v, "last") == V.Some(2)
    assert call([], "first") is V.NONE and call([], "pop") is V.NONE
    call(v, "sort")
    assert v == [1, 2, 3]
    call(v, "sort_by", fn(lambda a, b: methods.UNIVERSAL["cmp"](b, a)))
    assert v == [3, 2, 1]
    call(v, "sort_by_key", fn(lambda x: -x))
    assert v == [3, 2, 1]
    call(v, "insert", 1, 9)
    assert v == [3, 9, 2, 1] and call(v, "remove", 1) == 9
    call(v, "extend", V.Range(4, 6, False))
    assert v == [3, 2, 1, 4, 5]
    assert call(v, "contains", 4) and not call(v, "contains", 7)
    call(v, "retain", fn(lambda x: x % 2 == 1))
    assert v == [3, 1, 5]
    call(v, "reverse")
    call(v, "swap", 0, 2)
    assert v == [3, 1, 5]
    tail = call(v, "split_off", 1)
    assert v == [3] and tail == [1, 5]
    d = [1, 1, 2, 2, 1]
    call(d, "dedup")
    assert d == [1, 2, 1]
    call(d, "truncate", 1)
    assert d == [1]
    assert call([s("a"), s("b")], "join", s(", ")).s == "a, b"
    assert call([2, 5, 7], "binary_search", 5) == V.Ok(1)
    assert call([2, 5, 7], "binary_search", 6) == V.Err(2)
    call(v, "clear")
    assert v == [] and call(v, "is_empty")


def test_vec_resize_clones_the_fill_value():
    inner = [1]
    v = [2]
    call(v, "resize", 3, inner)
    inner.append(3)
    v[1].append(4)
    assert v == [2, [1, 4], [1]]


def test_vec_errors():
    with pytest.raises(V.RuneError, match="index out of bounds: the length is 1 but the index is 3"):
        call([1], "remove", 3)
    with pytest.raises(V.RuneError, match="insertion index \\(is 5\\)"):
        call([1], "insert", 5, 0)
    with pytest.raises(V.RuneError, match="`cmp` on `(i64|String)` and `(String|i64)`"):
        call([1, s("a")], "sort")
    with pytest.raises(V.RuneError, match="join expects a Vec of String"):
        call([1], "join", s(","))
    with pytest.raises(V.RuneError, match="comparator must return an Ordering"):
        call([1, 2], "sort_by", fn(lambda a, b: 1))


# ---------------------------------------------------------------- Object, HashMap, HashSet, VecDeque

def test_object_methods():
    o = V.Object()
    assert call(o, "insert", s("a"), 1) is V.NONE
    assert call(o, "insert", s("a"), 2) == V.Some(1)
    call(o, "insert", s("b"), 3)
    assert call(o, "get", s("a")) == V.Some(2) and call(o, "get", s("zz")) is V.NONE
    assert call(o, "contains_key", s("b")) and call(o, "len") == 2
    assert texts(call(o, "keys")) == ["a", "b"] and list(call(o, "values")) == [2, 3]
    assert list(call(o, "iter")) == [V.Tuple([s("a"), 2]), V.Tuple([s("b"), 3])]
    assert call(o, "remove", s("a")) == V.Some(2) and call(o, "remove", s("a")) is V.NONE
    with pytest.raises(V.RuneError, match="Object key must be a String"):
        call(o, "insert", 1, 1)


def test_hashmap_keys_are_values_and_string_keys_are_copied():
    m = native("std::collections::HashMap::new")()
    key = s("k")
    call(m, "insert", key, 1)
    call(m, "insert", 7, s("seven"))
    call(m, "insert", V.Tuple([1, 2]), True)
    key.s = "changed"
    assert call(m, "get", s("k")) == V.Some(1)
    assert call(m, "get", V.Tuple([1, 2])) == V.Some(True)
    assert call(m, "contains_key", 7)
    with pytest.raises(V.RuneError, match="`Vec` cannot be a HashMap key"):
        call(m, "insert", [1], 0)
    with pytest.raises(V.RuneError, match="`f64` cannot be a HashMap key"):
        call(m, "insert", 1.5, 0)
    with pytest.raises(V.RuneError, match="`Tuple` cannot be in a HashSet"):
        call(V.HashSet(), "insert", V.Tuple([[1]]))
    built = native("HashMap::from_iter")([V.Tuple([s("a"), 1])])
    assert call(built, "get", s("a")) == V.Some(1)


def test_hashset_methods():
    a = native("HashSet::new")()
    assert call(a, "insert", 1) is True and call(a, "insert", 1) is False
    call(a, "extend", [2, 3])
    b = native("HashSet::from_iter")([3, 4])
    assert sorted(call(a, "union", b)) == [1, 2, 3, 4]
    assert list(call(a, "intersection", b)) == [3]
    assert sorted(call(a, "difference", b)) == [1, 2]
    assert call(a, "contains", 2) and call(a, "remove", 2) and not call(a, "contains", 2)


def test_vecdeque_methods():
    d = native("VecDeque::new")()
    call(d, "push_back", 1)
    call(d, "push_front", 0)
    call(d, "push_back", 2)
    assert list(d) == [0, 1, 2] and call(d, "front") == V.Some(0) and call(d, "back") == V.Some(2)
    assert call(d, "pop_front") == V.Some(0) and call(d, "pop_back") == V.Some(2)
    assert call(d, "len") == 1 and call(native("VecDeque::new")(), "pop_front") is V.NONE
    assert V.equal(native("VecDeque::from")([1, 2]), [1, 2])


def test_tuple_methods():
    t = V.Tuple([10, 40, 30])
    assert call(t, "len") == 3 and call(t, "get", 1) == V.Some(40)
    assert call(t, "get", V.Range(0, 2, False)) == V.Some([10, 40])
    assert call(t, "get", 3) is V.NONE


# ---------------------------------------------------------------- Option / Result

def test_option_methods():
    some, none = V.Some(2), V.NONE
    assert call(some, "is_some") and call(none, "is_none")
    assert call(some, "unwrap") == 2 and call(none, "unwrap_or", 7) == 7
    assert call(none, "unwrap_or_else", fn(lambda: 9)) == 9
    assert call(some, "map", fn(lambda x: x * 10)) == V.Some(20)
    assert call(none, "map", fn(lambda x: x * 10)) is V.NONE
    assert call(some, "and_then", fn(lambda x: V.NONE)) is V.NONE
    assert call(none, "or_else", fn(lambda: V.Some(1))) == V.Some(1)
    assert call(some, "ok_or", s("e")) == V.Ok(2) and call(none, "ok_or", s("e")) == V.Err(s("e"))
    assert call(some, "filter", fn(lambda x: x > 5)) is V.NONE
    assert list(call(some, "iter")) == [2] and list(call(none, "iter")) == []
    with pytest.raises(V.RunePanic, match="called `Option::unwrap\\(\\)` on a `None` value"):
        call(none, "unwrap")
    with pytest.raises(V.RunePanic, match="^boom$"):
        call(none, "expect", s("boom"))


def test_result_methods():
    ok, err = V.Ok(3), V.Err(s("bad"))
    assert call(ok, "is_ok") and call(err, "is_err")
    assert call(ok, "unwrap") == 3 and call(err, "unwrap_or", 0) == 0
    assert call(ok, "map", fn(lambda x: x + 1)) == V.Ok(4)
    assert call(err, "map_err", fn(lambda e: s(e.s.upper()))) == V.Err(s("BAD"))
    assert call(ok, "ok") == V.Some(3) and call(err, "ok") is V.NONE
    assert call(err, "err") == V.Some(s("bad"))
    assert call(ok, "and_then", fn(lambda x: V.Err(x))) == V.Err(3)
    assert call(err, "unwrap_err") == s("bad")
    with pytest.raises(V.RunePanic, match='called `Result::unwrap\\(\\)` on an `Err` value: "bad"'):
        call(err, "unwrap")
    with pytest.raises(V.RunePanic, match='^ctx: "bad"$'):
        call(err, "expect", s("ctx"))


# ---------------------------------------------------------------- numbers and chars

def test_int_methods():
    assert call(-10, "abs") == 10 and call(12, "pow", 3) == 1728
    assert call(1, "min", 2) == 1 and call(1, "max", 2) == 2 and call(7, "clamp", 0, 5) == 5
    assert call(5, "to_string").s == "5" and call(-3, "signum") == -1
    assert call(V.I64_MAX, "checked_add", 1) is V.NONE and call(1, "checked_add", 1) == V.Some(2)
    assert call(V.I64_MAX, "wrapping_add", 1) == V.I64_MIN
    assert call(V.I64_MAX, "saturating_add", 1) == V.I64_MAX
    assert call(V.I64_MIN, "saturating_sub", 1) == V.I64_MIN
    assert call(5, "checked_div", 0) is V.NONE and call(-7, "checked_rem", 2) == V.Some(-1)
    assert call(2, "checked_pow", 63) is V.NONE and call(2, "wrapping_pow", 64) == 0
    assert call(-7, "rem_euclid", 3) == 2
    with pytest.raises(V.RuneError, match="integer overflow"):
        call(V.I64_MIN, "abs")
    with pytest.raises(V.RuneError, match="integer overflow"):
        call(3, "pow", 40)
    with pytest.raises(V.RuneError, match="min expects an `i64`, found `f64`"):
        call(1, "min", 2.0)
    assert native("std::i64::max")(3, 4) == 4 and native("i64::abs")(-2) == 2
    assert methods.NATIVE_CONSTANTS["i64::MAX"] == V.I64_MAX
    assert methods.NATIVE_CONSTANTS["std::i64::MIN"] == V.I64_MIN


def test_float_methods():
    assert call(9.0, "sqrt") == 3.0 and math.isnan(call(-1.0, "sqrt"))
    assert call(2.5, "round") == 3.0 and call(-2.5, "round") == -3.0  # half away from zero
    assert call(2.7, "floor") == 2.0 and call(2.1, "ceil") == 3.0 and call(-1.5, "abs") == 1.5
    assert call(2.0, "powi", 10) == 1024.0 and call(4.0, "powf", 0.5) == 2.0
    assert call(1.0, "min", 2.0) == 1.0 and call(math.nan, "max", 2.0) == 2.0
    assert call(2.9, "to_integer") == 2 and call(1.5, "to_string").s == "1.5"
    assert call(math.nan, "is_nan") and call(math.inf, "is_infinite")
    assert call(1.0, "partial_cmp", math.nan) is V.NONE
    with pytest.raises(V.RuneError, match="min expects an `f64`, found `i64`"):
        call(1.0, "min", 1)
    assert methods.NATIVE_CONSTANTS["f64::consts::PI"] == math.pi


def test_char_methods():
    a = V.Char("a")
    assert call(a, "is_alphabetic") and not call(a, "is_numeric")
    assert call(V.Char("٣"), "is_numeric") and not call(V.Char("三"), "is_numeric")
    assert call(V.Char(" "), "is_whitespace") and call(V.Char("Q"), "is_uppercase")
    assert call(V.Char("7"), "to_digit", 10) == V.Some(7)
    assert call(V.Char("f"), "to_digit", 16) == V.Some(15)
    assert call(V.Char("g"), "to_digit", 16) is V.NONE
    assert call(a, "to_uppercase") == V.Char("A") and call(a, "to_i64") == 97
    assert native("char::from_u32")(0x41) == V.Some(V.Char("A"))
    assert native("char::from_u32")(0xD800) is V.NONE
    assert native("char::from_i64")(-1) is V.NONE


# ---------------------------------------------------------------- iterators

def it(*xs) -> V.Iterator:
    return V.Iterator(list(xs))


def test_iterator_adapters():
    assert call(call(it(1, 2, 3), "map", fn(lambda x: x * 2)), "collect") == [2, 4, 6]
    assert call(call(it(1, 2, 3, 4), "filter", fn(lambda x: x % 2 == 0)), "collect") == [2, 4]
    fm = call(it(1, 2, 3), "filter_map", fn(lambda x: V.Some(x) if x > 1 else V.NONE))
    assert list(fm) == [2, 3]
    assert list(call(it(s("a"), s("b")), "enumerate")) == [V.Tuple([0, s("a")]),
                                                         V.Tuple([1, s("b")])]
    assert list(call(it(1, 2, 3), "rev")) == [3, 2, 1]
    assert list(call(call(V.Range(0, None, False), "skip", 2), "take", 3)) == [2, 3, 4]
    assert list(call(it(1), "chain", [2, 3])) == [1, 2, 3]
    assert list(call(it(1, 2), "zip", [s("a")])) == [V.Tuple([1, s("a")])]
    assert list(call(V.Range(0, 10, False), "step_by", 4)) == [0, 4, 8]
    assert list(call(it(1, 2), "flat_map", fn(lambda x: [x, x]))) == [1, 1, 2, 2]
    assert list(call(it(1, 5, 2), "take_while", fn(lambda x: x < 3))) == [1]
    assert list(call(it(1, 5, 2), "skip_while", fn(lambda x: x < 3))) == [5, 2]
    p = call(it(1, 2), "peekable")
    assert call(p, "peek") == V.Some(1) and call(p, "next") == V.Some(1)
    assert call(p, "next") == V.Some(2) and call(p, "next") is V.NONE and call(p, "peek") is V.NONE


def test_iterator_consumers():
    assert call(it(1, 2, 3), "fold", 0, fn(lambda a, x: a + x)) == 6
    assert call(it(1, 2, 3), "find", fn(lambda x: x > 1)) == V.Some(2)
    assert call(it(1, 2, 3), "position", fn(lambda x: x == 3)) == V.Some(2)
    assert call(it(1, 2), "any", fn(lambda x: x > 1)) and not call(it(1, 2), "all", fn(lambda x: x > 1))
    assert call(it(1, 2, 3), "count") == 3 and call(it(4, 5), "last") == V.Some(5)
    assert call(it(4, 5, 6), "nth", 1) == V.Some(5) and call(it(), "nth", 0) is V.NONE
    assert call(it(3, 1, 2), "min") == V.Some(1) and call(it(3, 1, 2), "max") == V.Some(3)
    assert call(it(), "max") is V.NONE
    assert call(it(s("bb"), s("a")), "min_by_key", fn(lambda x: len(x.s))) == V.Some(s("a"))
    assert call(it(1, 2, 3, 4), "sum") == 10 and call(it(1, 2, 3, 4), "product") == 24
    assert ops.call_method_generic(it(), "sum", (), ("f64",)) == 0.0
    assert call(it(0.5, 0.25), "sum") == 0.75
    with pytest.raises(V.RuneError, match="integer overflow"):
        call(it(V.I64_MAX, 1), "sum")
    with pytest.raises(V.RuneError, match="`i64` and `f64`"):
        call(it(1, 2.0), "sum")


@pytest.mark.parametrize("generic,items,want", [
    ("Vec", [1, 2], [1, 2]),
    ("Object", [V.Tuple([s("a"), 1])], V.Object([("a", 1)])),
    ("HashSet", [1, 1, 2], V.HashSet([1, 2])),
    ("String", [V.Char("a"), s("bc")], s("abc")),
    ("VecDeque", [1], V.VecDeque([1])),
    ("std::collections::HashMap", [V.Tuple([1, s("x")])], V.HashMap([(1, s("x"))])),
    ("Option", [V.Some(1), V.Some(2)], V.Some([1, 2])),
    ("Result", [V.Ok(1), V.Err(s("e")), V.Ok(3)], V.Err(s("e"))),
])
def test_collect_by_turbofish(generic, items, want):
    got = ops.call_method_generic(V.Iterator(items), "collect", (), (generic,))
    assert type(got) is type(want) and V.equal(got, want)


def test_collect_errors():
    with pytest.raises(V.RuneError, match="cannot collect into `Banana`"):
        ops.call_method_generic(it(1), "collect", (), ("Banana",))
    with pytest.raises(V.RuneError, match="expects \\(key, value\\) tuples"):
        ops.call_method_generic(it(1), "collect", (), ("Object",))


def test_ranges_have_iterator_methods_and_accessors():
    r = V.Range(1, 5, False)
    assert call(r, "contains", 4) and not call(r, "contains", 5)
    assert call(V.Range(1, 5, True), "contains", 5) and call(r, "len") == 4
    assert ops.call_method_generic(r, "collect", (), ("Vec",)) == [1, 2, 3, 4]
    assert call(r, "map", fn(lambda x: x * x)).it is not None
    assert call(call(r, "rev"), "collect") == [4, 3, 2, 1]


def test_iterator_clone_is_independent():
    a = it(1, 2, 3)
    b = call(a, "clone")
    assert call(a, "next") == V.Some(1)
    assert list(b) == [1, 2, 3] and list(a) == [2, 3]


def test_iterators_are_lazy():
    seen = []
    mapped = call(it(1, 2, 3), "map", fn(lambda x: seen.append(x) or x))
    assert seen == []
    assert call(mapped, "next") == V.Some(1) and seen == [1]


# ---------------------------------------------------------------- natives and universal methods

def test_native_paths():
    assert native("String::new")().s == ""
    assert native("String::from")(s("x")).s == "x"
    assert native("Vec::new")() == [] and native("Vec::with_capacity")(4) == []
    assert native("Some")(1) == V.Some(1) and native("Err")(2) == V.Err(2)
    assert methods.NATIVE_CONSTANTS["None"] is V.NONE
    assert native("Vec::len")([1, 2]) == 2  # every method as Type::method
    assert native("std::cmp::max")(s("a"), s("b")) == s("b")
    assert native("std::any::type_name_of_val")(s("")).s == "::std::string::String"
    assert methods.NATIVE_CONSTANTS["std::cmp::Ordering::Less"] is V.LESS
    assert native("std::ops::hash")([1, 2]) == native("std::ops::hash")(V.Tuple([1, 2]))
    with pytest.raises(V.RuneError, match="cannot be hashed"):
        native("std::ops::hash")(V.HashSet())


def test_universal_methods():
    assert call(s("a"), "eq", s("a")) and call([1], "ne", [2])
    assert call(1, "cmp", 2) is V.LESS and call(s("b"), "cmp", s("a")) is V.GREATER
    assert call(V.Tuple([1]), "partial_cmp", V.Tuple([1])) == V.Some(V.EQUAL)
    point = V.StructType("P", "named", ("x",))
    p = V.Struct(point, {"x": 1})
    q = call(p, "clone")
    q.fields["x"] = 2
    assert p.fields["x"] == 1
    with pytest.raises(V.RuneError, match="`Vec` does not implement Display"):
        call([1], "to_string")


# ---------------------------------------------------------------- metering inside natives

def run_metered(limits: Limits, f):
    meter = Meter(limits, "p")
    token = meter.activate()
    try:
        return f()
    finally:
        meter.deactivate(token)


def test_infinite_iterators_exhaust_the_instruction_budget():
    limits = Limits(instructions=50_000)
    for consume in ("count", "last", "collect", "sum"):
        with pytest.raises(LimitExceeded, match="instructions") as info:
            run_metered(limits, lambda: call(V.Range(0, None, False), consume))
        assert info.value.limit == "instructions"


def test_sort_is_charged_by_size():
    meter = Meter(Limits(), "p")
    token = meter.activate()
    try:
        call(list(range(5000, 0, -1)), "sort")
    finally:
        meter.deactivate(token)
    assert meter.ticks >= 5000 * 12 // 256


def test_growing_a_vector_past_memory_mb_is_a_limit():
    def grow():
        v = []
        for i in range(1_000, 3_000_000):
            call(v, "push", i)
    with pytest.raises(LimitExceeded, match="memory_mb"):
        run_metered(Limits(memory_mb=2), grow)


def test_values_built_and_dropped_are_not_counted_twice():
    """Charges far above the limit do not trip it while the run holds little memory."""
    def churn():
        for _ in range(3_000):
            v = []
            call(v, "extend", V.Range(0, 1_000, False))
        return call(v, "len")
    meter = Meter(Limits(memory_mb=16), "p")
    token = meter.activate()
    try:
        assert churn() == 1_000
    finally:
        meter.deactivate(token)
    if meter.baseline is not None:  # measured on /proc: 24 MB charged, little held
        assert meter.allocated < 16 * 1024 * 1024


def test_one_container_past_the_limit_trips_it_at_once():
    meter = Meter(Limits(memory_mb=1), "p")
    meter.baseline = None  # no /proc: the container's own size still counts
    v = list(range(200_000))
    token = meter.activate()
    try:
        with pytest.raises(LimitExceeded, match="memory_mb"):
            call(v, "push", 1)
    finally:
        meter.deactivate(token)


def test_one_huge_string_is_refused_before_it_is_built():
    with pytest.raises(LimitExceeded, match="memory_mb"):
        run_metered(Limits(memory_mb=1), lambda: call(s("x"), "repeat", 10 ** 12))
    with pytest.raises(LimitExceeded, match="memory_mb"):
        run_metered(Limits(memory_mb=1), lambda: ops.add(s("x" * 600_000), s("y" * 600_000)))


def test_string_growth_in_place_is_charged():
    def grow():
        a = s("")
        chunk = s("x" * 100_000)
        for _ in range(200):
            ops.add_assign(a, chunk)
    with pytest.raises(LimitExceeded, match="memory_mb"):
        run_metered(Limits(memory_mb=2), grow)


def test_fast_path_charges_are_replaced_by_a_measurement():
    """Inline pushes add to ``allocated`` and call alloc at the limit; churn is forgiven."""
    meter = Meter(Limits(memory_mb=1), "p")
    meter.allocated = meter.limit_bytes  # a million bytes of pushes into dropped vectors
    meter.alloc(8)  # measured: the run holds far less, so no limit
    assert meter.allocated < meter.limit_bytes


def test_push_str_grows_in_place():
    text = s("")
    alias = text
    for _ in range(1000):
        call(text, "push_str", s("abc"))
        ops.add_assign(text, s("d"))
    assert alias.s == "abcd" * 1000


def test_meter_depth_and_current():
    meter = Meter(Limits(call_depth=2), "p")
    meter.enter()
    meter.enter()
    with pytest.raises(LimitExceeded, match="call_depth"):
        meter.enter()
    meter.leave()
    meter.enter()
    outside = current()
    token = meter.activate()
    assert current() is meter
    meter.deactivate(token)
    assert current() is outside


def test_meter_can_route_ticks_to_the_unit_budget():
    spent = []
    meter = Meter(Limits(instructions=10), "p")
    meter.charge = spent.append
    meter.tick(1000)
    assert spent == [1000] and meter.ticks == 0


# ---------------------------------------------------------------- Rune's own doc examples

CHECKOUT = os.environ.get("RUNE_CHECKOUT")
DOC_MODULES = ("option.rs", "result.rs", "vec.rs", "char.rs", "f64.rs", "i64.rs", "tuple.rs",
               "object.rs", "cmp.rs", "ops.rs", "hash_map.rs", "hash_set.rs", "vec_deque.rs",
               "string.rs", "iter.rs", "bytes.rs")
# Examples outside this runtime's model: allocator capacity, borrow snapshots, size hints of
# unbounded iterators, macro-generated docs and Option::take on an immutable value.
DOC_GAPS = ("capacity", "is_readable", "is_writable", "snapshot", "size_hint", "$", "x.take()",
            "for i in a {")


def doc_examples():
    root = Path(CHECKOUT or ".") / "crates" / "rune" / "src" / "modules"
    for path in sorted(root.rglob("*.rs")):
        if path.name not in DOC_MODULES:
            continue
        lines = path.read_text().splitlines()
        i = 0
        while i < len(lines):
            head = lines[i].strip()
            if head.startswith("///") and head[3:].strip().startswith("```rune"):
                info, body, start = head[3:].strip(), [], i + 1
                i += 1
                while i < len(lines) and not lines[i].strip()[3:].strip().startswith("```"):
                    text = lines[i].strip()
                    body.append(text[4:] if text.startswith("/// ") else text[3:])
                    i += 1
                src = "\n".join(body)
                if not any(w in info for w in ("no_run", "ignore", "should_panic")) and \
                        not any(g in src for g in DOC_GAPS):
                    yield f"{path.name}:{start}", src
            i += 1


@pytest.mark.skipif(not CHECKOUT, reason="RUNE_CHECKOUT is not set")
def test_rune_stdlib_doc_examples_pass():
    """The ```rune examples in Rune's stdlib docs for these types run without failing."""
    from kiln_plugins.model import CodeChunk
    from kiln_plugins.rune.unit import RuneUnit
    failures, count = [], 0
    for where, src in doc_examples():
        code = src if "fn main" in src else "pub fn main() {\n" + src + "\n}"
        count += 1
        try:
            unit = RuneUnit([CodeChunk(code, where)], {}, Limits(instructions=10 ** 6),
                            plugin="doc", on_log=lambda level, line: None)
            unit.run_main()
        except Exception as e:  # collected so one run reports every failing example
            failures.append((where, str(e)[:160]))
    assert count > 200
    assert not failures, failures
