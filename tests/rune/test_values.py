"""Value representation: equality, hashing, cloning, type names, Display/Debug fixtures."""

from __future__ import annotations

import math

import pytest

from kiln_plugins.rune import values as V
from kiln_plugins.rune.fmt import debug, display, float_str, format_args

POINT = V.StructType("Point", "named", ("x", "y"))
PAIR = V.StructType("Pair", "tuple", ("0", "1"))
UNIT_S = V.StructType("Marker", "unit", ())
SHAPE = V.EnumType("Shape", ("Circle", "Rect", "Empty"))


def s(text: str) -> V.RString:
    return V.RString(text)


# ---------------------------------------------------------------- Display / Debug as data

DISPLAY = [
    (1, "1"), (-42, "-42"), (V.I64_MAX, "9223372036854775807"), (True, "true"),
    (False, "false"), (1.0, "1.0"), (0.1, "0.1"), (-0.0, "-0.0"), (2.5e-7, "2.5e-7"),
    (1e16, "1e16"), (1e15, "1000000000000000.0"), (123.456, "123.456"), (1e100, "1e100"),
    (0.00001, "0.00001"), (1e-6, "1e-6"), (math.nan, "NaN"), (math.inf, "inf"),
    (-math.inf, "-inf"), (V.Char("c"), "c"), (s("hi \"x\""), 'hi "x"'),
]

DEBUG = [
    (1, "1"), (1.5, "1.5"), (s('q"t'), '"q\\"t"'), (s("a\nb\t\\"), '"a\\nb\\t\\\\"'),
    (V.Char("'"), "'\\''"), (V.Char("a"), "'a'"), ([1, 2], "[1, 2]"), ([], "[]"),
    (V.UNIT, "()"), (V.Tuple([5]), "(5)"), (V.Tuple([5, s("x")]), '(5, "x")'),
    (V.Object([("a", 1), ("b", [True])]), '{"a": 1, "b": [true]}'), (V.Object(), "{}"),
    (V.Some(1), "Some(1)"), (V.NONE, "None"), (V.Ok(s("k")), 'Ok("k")'),
    (V.Err(s("odd")), 'Err("odd")'), (V.Some(V.NONE), "Some(None)"),
    (V.Struct(POINT, {"x": 1, "y": 2}), "Point {x: 1, y: 2}"),
    (V.Struct(PAIR, [1, 2]), "Pair (1, 2)"), (V.Struct(UNIT_S, ()), "Marker"),
    (V.Variant(SHAPE, "Circle", "tuple", [2]), "Shape::Circle (2)"),
    (V.Variant(SHAPE, "Rect", "named", {"w": 2, "h": 5}), "Shape::Rect {w: 2, h: 5}"),
    (V.Variant(SHAPE, "Empty", "unit", ()), "Shape::Empty"),
    (V.Range(0, 3, False), "0..3"), (V.Range(1, None, False), "1.."),
    (V.Range(None, 5, True), "..=5"), (V.Range(None, None, False), ".."),
    (V.Bytes(b"ab\x00"), 'b"ab\\x00"'), (V.HashMap([(1, s("one"))]), '{1: "one"}'),
    (V.VecDeque([1, 2]), "[1, 2]"), (V.HashSet([3]), "{3}"), (V.LESS, "Less"),
]


@pytest.mark.parametrize("value,text", DISPLAY, ids=[t for _, t in DISPLAY])
def test_display(value, text):
    assert display(value) == text


@pytest.mark.parametrize("value,text", DEBUG, ids=[t for _, t in DEBUG])
def test_debug(value, text):
    assert debug(value) == text


@pytest.mark.parametrize("value", [[1], V.Object(), V.NONE, V.Some(1), V.UNIT,
                                   V.Struct(POINT, {"x": 1, "y": 2})])
def test_display_needs_debug_for_containers(value):
    with pytest.raises(V.RuneError, match="does not implement Display"):
        display(value)


def test_pretty_debug_indents_four_spaces_with_trailing_commas():
    v = V.Object([("a", [1, 2]), ("p", V.Struct(POINT, {"x": 1, "y": 2}))])
    assert debug(v, pretty=True) == (
        '{\n    "a": [\n        1,\n        2,\n    ],\n    "p": Point {\n'
        '        x: 1,\n        y: 2,\n    },\n}')


def test_debug_of_a_self_containing_vec_terminates():
    v = [1]
    v.append(v)
    assert debug(v) == "[1, [...]]"


FORMATS = [
    ("{}", (1,), {}, "1"), ("{:?}", (s("x"),), {}, '"x"'), ("{0}-{0}", (7,), {}, "7-7"),
    ("{1} {0}", (1, 2), {}, "2 1"), ("{name}!", (), {"name": s("rune")}, "rune!"),
    ("{:5}|", (42,), {}, "   42|"), ("{:<5}|", (42,), {}, "42   |"),
    ("{:^7}|", (s("ab"),), {}, "  ab   |"), ("{:*>6}", (s("x"),), {}, "*****x"),
    ("{:05}", (-42,), {}, "-0042"), ("{:+}", (5,), {}, "+5"), ("{:.2}", (3.14159,), {}, "3.14"),
    ("{:8.3}|", (2.0,), {}, "   2.000|"), ("{:x}", (255,), {}, "ff"), ("{:X}", (255,), {}, "FF"),
    ("{:#x}", (255,), {}, "0xff"), ("{:b}", (5,), {}, "101"), ("{:#010b}", (5,), {}, "0b00000101"),
    ("{:x}", (-1,), {}, "ffffffffffffffff"), ("{:o}", (8,), {}, "10"),
    ("{{}} {}", (1,), {}, "{} 1"), ("{:>w$}", (1,), {"w": 3}, "  1"),
    ("{:#?}", ([1],), {}, "[\n    1,\n]"), ("{:e}", (1234.5,), {}, "1.2345e3"), ("{:e}", (-math.inf,), {}, "-inf"),
    ("{:.3}", (s("abcdef"),), {}, "abc"), ("{:5}|", (s("ab"),), {}, "ab   |"),
    ("{:?}", (1.0,), {}, "1.0"), ("{:>4}", (V.Char("c"),), {}, "   c"),
]


@pytest.mark.parametrize("fmt,args,named,out", FORMATS, ids=[f[0] for f in FORMATS])
def test_format_args(fmt, args, named, out):
    assert format_args(fmt, args, named) == out


@pytest.mark.parametrize("fmt,args,named,message", [
    ("{} {}", (1,), {}, "needs more arguments"),
    ("{missing}", (), {}, "no such argument"),
    ("{:x}", (1.5,), {}, "needs an integer"),
    ("{:q}", (1,), {}, "unsupported format spec"),
    ("{:5q}", (1,), {}, "unsupported format spec"),
    ("{", (), {}, "unmatched"),
])
def test_format_errors(fmt, args, named, message):
    with pytest.raises(V.RuneError, match=message):
        format_args(fmt, args, named)


def test_float_str_round_trips_shortest_digits():
    for x in (0.1 + 0.2, 1 / 3, 2.0 ** 60, 5e-324, 1.7976931348623157e308):
        assert float(float_str(x)) == x


# ---------------------------------------------------------------- equality and hashing

def test_structural_equality_of_containers():
    assert V.equal([1, [s("a")]], [1, [s("a")]])
    assert not V.equal([1, 2], [1, 2, 3])
    assert V.equal(V.Object([("a", 1)]), V.Object([("a", 1)]))
    assert not V.equal(V.Object([("a", 1)]), V.Object([("b", 1)]))
    assert V.equal(V.Some(V.Tuple([1, 2])), V.Some(V.Tuple([1, 2])))
    assert not V.equal(V.Some(1), V.NONE) and not V.equal(V.Ok(1), V.Err(1))
    assert V.equal(V.Struct(POINT, {"x": 1, "y": 2}), V.Struct(POINT, {"x": 1, "y": 2}))
    other = V.StructType("Point", "named", ("x", "y"))
    assert not V.equal(V.Struct(POINT, {"x": 1, "y": 2}), V.Struct(other, {"x": 1, "y": 2}))


def test_sequences_compare_across_vec_tuple_deque_and_ranges():
    assert V.equal(V.Tuple([1, 2, 3]), V.Range(1, 3, True))
    assert V.equal([1, 2], V.Tuple([1, 2]))
    assert V.equal(V.VecDeque([1]), [1])
    assert V.equal([0, 1], V.Iterator(iter([0, 1])))


@pytest.mark.parametrize("a,b,names", [
    (1, 1.0, "`i64` and `f64`"), (s("1"), 1, "`String` and `i64`"),
    (True, 1, "`bool` and `i64`"), (V.Char("a"), s("a"), "`char` and `String`"),
    ([1], [1.0], "`i64` and `f64`"),
])
def test_equality_of_mismatched_types_is_an_error(a, b, names):
    with pytest.raises(V.RuneError, match=names):
        V.equal(a, b)


def test_python_protocols_follow_rune_equality():
    assert s("k") == s("k") and hash(s("k")) == hash(s("k"))
    assert V.Char("x") in {V.Char("x")}
    assert V.Tuple([1, 2]) == V.Tuple([1, 2]) and V.Tuple([1]) != V.Tuple([2])
    assert hash(V.Tuple([1, s("a")])) == hash(V.Tuple([1, s("a")]))
    assert V.Some(s("a")) in [V.NONE, V.Some(s("a"))]


def test_unit_is_the_empty_tuple_and_none_is_a_singleton():
    assert type(V.UNIT) is V.Tuple and len(V.UNIT) == 0
    assert V.equal(V.UNIT, V.Tuple())
    assert V.NONE is V.NONE and V.equal(V.NONE, V.NONE)


def test_strings_are_shared_by_reference():
    a = s("x")
    b = a
    a.s += "y"
    assert b.s == "xy"


def test_clone_copies_the_container_not_the_elements():
    inner = [1]
    outer = [inner, s("t")]
    copy = V.clone(outer)
    copy.append(2)
    assert len(outer) == 2 and copy[0] is inner
    text = s("a")
    other = V.clone(text)
    other.s += "b"
    assert text.s == "a"
    some = V.Some(V.Bytes(b"hi"))
    cloned = V.clone(some)
    cloned.value.b.extend(b"!")
    assert bytes(some.value) == b"hi"
    point = V.Struct(POINT, {"x": 1, "y": 2})
    moved = V.clone(point)
    moved.fields["x"] = 9
    assert point.fields["x"] == 1


@pytest.mark.parametrize("value,name", [
    (1, "i64"), (1.0, "f64"), (True, "bool"), (V.Char("c"), "char"), (s(""), "String"),
    ([], "Vec"), (V.UNIT, "Tuple"), (V.Object(), "Object"), (V.Some(1), "Option"),
    (V.NONE, "Option"), (V.Err(1), "Result"), (V.Struct(POINT, {"x": 1, "y": 2}), "Point"),
    (V.Variant(SHAPE, "Empty", "unit", ()), "Shape"), (V.Range(1, None, False), "RangeFrom"),
    (V.Range(1, 2, True), "RangeInclusive"), (V.Function("f", abs), "Function"),
    (V.HashMap(), "HashMap"), (V.Bytes(b""), "Bytes"),
])
def test_type_names(value, name):
    assert V.type_name(value) == name


def test_iterator_peeked_value_comes_first():
    it = V.Iterator([1, 2])
    it.peeked = 0
    assert list(it) == [0, 1, 2]
