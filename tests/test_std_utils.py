"""std.json, std.yaml, std.re, std.time and std.strings through the real bindings."""

from __future__ import annotations

import datetime as dt

import pytest

from kiln_plugins.capabilities import PermissionSet
from kiln_plugins.context import CallContext, CallTree
from kiln_plugins.errors import KilnError, PluginRuntimeError, UsageError
from kiln_plugins.hostapi.catalog import by_name
from kiln_plugins.kiln import Kiln
from kiln_plugins.limits import DEFAULT_LIMITS


@pytest.fixture(scope="module")
def call(tmp_path_factory):
    root = tmp_path_factory.mktemp("kiln")
    kiln = Kiln.open(root)
    ctx = CallContext(kiln=kiln, tree=CallTree(kiln), plugin="t", permissions=PermissionSet.parse([]),
                      code_hash="h", limits=DEFAULT_LIMITS)
    table = by_name()
    yield lambda name, *args: table[name].bind(ctx)(*args)
    kiln.close()


def fails(call, name, *args) -> str:
    with pytest.raises(KilnError) as info:
        call(name, *args)
    text = str(info.value)
    assert "\n" not in text
    return text


# -- json -------------------------------------------------------------------------------------
def test_json_round_trip(call):
    value = {"a": [1, 2.5, None, True], "b": {"c": "é"}}
    assert call("std.json.decode", call("std.json.encode", value)) == value
    assert call("std.json.encode", {"b": 1, "a": 2}, {"sort_keys": True}) == '{"a":2,"b":1}'
    assert call("std.json.pretty", {"b": [1]}) == '{\n  "b": [\n    1\n  ]\n}'
    assert call("std.json.decode", "null") is None


@pytest.mark.parametrize("text, message", [
    ('{"a": 1,}', "std.json.decode: invalid JSON at line 1 column 9"),
    ("[1,\n 2", "invalid JSON at line 2 column 3"),
    ("NaN", "NaN is not valid JSON"),
])
def test_json_malformed(call, text, message):
    assert message in fails(call, "std.json.decode", text)


def test_json_refuses_non_json(call):
    assert "not representable in JSON" in fails(call, "std.json.encode", float("nan"))
    assert "text must be a string, got 3" in fails(call, "std.json.decode", 3)


# -- yaml -------------------------------------------------------------------------------------
def test_yaml_load_and_dump(call):
    assert call("std.yaml.load", "a: [1, 2]\nwhen: 2024-05-01\n") == {"a": [1, 2], "when": "2024-05-01"}
    assert call("std.yaml.dump", {"b": 1, "a": [1, "x"]}) == "b: 1\na:\n- 1\n- x\n"
    assert call("std.yaml.load", "") is None


def test_yaml_malformed_names_the_line(call):
    assert "std.yaml.load: invalid YAML at line 2 column" in fails(call, "std.yaml.load", "a: 1\nb: [1, 2\n")


def test_yaml_refuses_alias_bombs_and_object_tags(call):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    assert "alias bomb" in fails(call, "std.yaml.load", bomb)
    assert "invalid YAML" in fails(call, "std.yaml.load", "!!python/object/apply:os.system ['true']")


# -- re ---------------------------------------------------------------------------------------
def test_re_find_groups_and_named(call):
    m = call("std.re.find", r"(?<y>\d{4})-(\d\d)(x)?", "on 2024-05")
    assert m == {"match": "2024-05", "start": 3, "stop": 10, "groups": ["2024", "05", None],
                 "named": {"y": "2024"}}
    assert call("std.re.find", r"\d", "abc") is None
    assert call("std.re.find", r"\d", "a1", {"anchored": True}) is None
    assert call("std.re.find", "HELLO", "say hello", {"flags": "i"})["match"] == "hello"


def test_re_find_all_sub_split(call):
    assert [m["match"] for m in call("std.re.find_all", r"\w+", "a bb ccc")] == ["a", "bb", "ccc"]
    assert len(call("std.re.find_all", r"\w+", "a bb ccc", {"limit": 2})) == 2
    assert call("std.re.sub", r"(\w+)@(\w+)", r"\2 at \1", "me@home") == "home at me"
    assert call("std.re.sub", "o", "0", "foo", {"count": 1}) == "f0o"
    assert call("std.re.split", r",\s*", "a, b,c") == ["a", "b", "c"]
    assert call("std.re.split", r"(-)", "a-b") == ["a", "-", "b"]


def test_re_invalid_pattern_and_flags(call):
    assert "std.re.find: invalid pattern '(ab': missing )" in fails(call, "std.re.find", "(ab", "x")
    assert "std.re.sub: unknown flag 'q'" in fails(call, "std.re.sub", "a", "b", "c", {"flags": "q"})
    assert "invalid group reference" in fails(call, "std.re.sub", "a", r"\9", "a")


def test_re_timeout_stops_catastrophic_backtracking(call):
    message = fails(call, "std.re.find", r"(a|aa)+$", "a" * 40 + "!", {"timeout_ms": 50})
    assert "std.re.find: pattern '(a|aa)+$' took longer than 50 ms and was stopped" in message
    assert "timeout_ms must be an integer >= 1" in fails(call, "std.re.split", "a", "b", {"timeout_ms": 0})


# -- time -------------------------------------------------------------------------------------
def test_time_now_is_iso_utc(call):
    now = call("std.time.now")
    assert now.endswith("Z") and dt.datetime.fromisoformat(now.replace("Z", "+00:00")).tzinfo
    assert "+" in call("std.time.now", {"utc": False}) or call("std.time.now", {"utc": False}).endswith("Z") \
        or "-" in call("std.time.now", {"utc": False})[19:]


def test_time_parse_parts(call):
    t = call("std.time.parse", "2024-03-01T12:30:05+02:00")
    assert (t["year"], t["month"], t["day"], t["hour"], t["minute"], t["second"]) == (2024, 3, 1, 12, 30, 5)
    assert t["weekday"] == 5 and t["yearday"] == 61 and t["offset_minutes"] == 120
    assert t["epoch"] == dt.datetime(2024, 3, 1, 10, 30, 5, tzinfo=dt.timezone.utc).timestamp()
    assert call("std.time.parse", 0)["iso"] == "1970-01-01T00:00:00Z"
    assert call("std.time.parse", "01/02/2024", "%d/%m/%Y")["month"] == 2
    assert call("std.time.parse", "2024-03-01")["offset_minutes"] is None


def test_time_format_add_diff(call):
    assert call("std.time.format", "2024-03-01T08:00:00Z", "%Y/%m/%d %H") == "2024/03/01 08"
    assert call("std.time.add", "2024-01-31", {"months": 1}) == "2024-02-29"
    assert call("std.time.add", "2024-01-31", {"days": 1, "hours": 2}) == "2024-02-01T02:00:00"
    assert call("std.time.add", "2024-01-01T00:00:00Z", {"minutes": -30}) == "2023-12-31T23:30:00Z"
    assert call("std.time.add", "2023-02-28", {"years": 1, "weeks": 1}) == "2024-03-06"
    assert call("std.time.diff", "2024-01-02", "2024-01-01") == 86400.0
    assert call("std.time.diff", "2024-01-01T02:00:00+02:00", "2024-01-01T00:00:00Z", {"unit": "hours"}) == 0.0


@pytest.mark.parametrize("name, args, message", [
    ("std.time.parse", ("yesterday",), "std.time.parse: text 'yesterday' is not an ISO 8601 date or time"),
    ("std.time.parse", ("2024", "%d"), "does not match format '%d'"),
    ("std.time.add", ("2024-01-01", {"fortnights": 1}), "std.time.add: unknown option 'fortnights'"),
    ("std.time.add", ("2024-01-01", {"months": 0.5}), "std.time.add: months must be an integer, got 0.5"),
    ("std.time.add", ("9999-12-01", {"months": 1}), "out of range"),
    ("std.time.diff", ("2024-01-01", {}), "std.time.diff: b must be an ISO 8601 string or epoch seconds"),
    ("std.time.diff", ("2024-01-01", "2024-01-01", {"unit": "years"}), "unit must be one of seconds"),
])
def test_time_bad_input(call, name, args, message):
    assert message in fails(call, name, *args)


# -- strings ----------------------------------------------------------------------------------
def test_strings(call):
    assert call("std.strings.slugify", "Crème Brûlée, 2nd try!") == "creme-brulee-2nd-try"
    assert call("std.strings.slugify", "Ünïcode Wörds", {"ascii": False, "sep": "_"}) == "ünïcode_wörds"
    assert call("std.strings.split", " a  b ") == ["a", "b"]
    assert call("std.strings.split", "a, b,,c", ",", {"trim": True, "skip_empty": True}) == ["a", "b", "c"]
    assert call("std.strings.split", "a=b=c", "=", {"max": 1}) == ["a", "b=c"]
    assert call("std.strings.trim", "--hi--", "-") == "hi"
    assert call("std.strings.pad", "7", 3, {"side": "left", "char": "0"}) == "007"
    assert call("std.strings.pad", "ab", 6, {"side": "both", "char": "*"}) == "**ab**"
    assert call("std.strings.pad", "long", 2) == "long"


@pytest.mark.parametrize("name, args, message", [
    ("std.strings.split", ("a", ""), "sep must not be empty"),
    ("std.strings.pad", ("a", -1), "width must be an integer >= 0"),
    ("std.strings.pad", ("a", 3, {"char": "ab"}), "char must be exactly one character"),
    ("std.strings.slugify", (None,), "std.strings.slugify: text must be a string, got nil"),
])
def test_strings_bad_input(call, name, args, message):
    assert message in fails(call, name, *args)


def test_pure_functions_need_no_capability():
    for fn in by_name().values():
        if fn.module.startswith("std.") and fn.module != "std":
            assert fn.capability is None, fn.qualified
    assert by_name()["std.parallel_map"].capability == "tools.call"


# -- properties -------------------------------------------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20)


@settings(max_examples=60, deadline=None)
@given(value=JSONISH)
def test_json_and_yaml_round_trip_any_plain_value(call, value):
    assert call("std.json.decode", call("std.json.encode", value)) == value
    assert call("std.json.decode", call("std.json.pretty", value)) == value
    assert call("std.yaml.load", call("std.yaml.dump", value)) == value


@settings(max_examples=60, deadline=None)
@given(seconds=st.integers(-10**9, 10**9), start=st.integers(0, 4 * 10**9))
def test_time_add_then_diff_gives_the_amount_back(call, seconds, start):
    moved = call("std.time.add", start, {"seconds": seconds})
    assert call("std.time.diff", moved, start) == float(seconds)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=40))
def test_slugs_are_url_safe_and_stable(call, text):
    slug = call("std.strings.slugify", text)
    assert slug == call("std.strings.slugify", slug)
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert not slug.startswith("-") and not slug.endswith("-")
