"""LuaUnit: value conversion, error places, test helpers, host errors, limits (real lupa)."""

from __future__ import annotations

from pathlib import Path

import lupa.lua54 as lua54
import pytest
from hypothesis import given, settings, strategies as st

from kiln_plugins.errors import (CapabilityError, KilnError, LimitExceeded, PluginRuntimeError, TestFailure,
                                 ValidationError)
from kiln_plugins.limits import Limits
from kiln_plugins.model import CodeChunk
from kiln_plugins.sandbox import LuaUnit

PATH = "plugins/demo.md"


def host(calls):
    def deny(*_):
        raise CapabilityError("plugin 'demo' may not use state (not declared)")

    def missing(path):
        raise KilnError(f"note not found: {path}")

    return {
        "kiln": {"read": lambda p: {"path": p, "tags": ["a"], "fm": {"n": 1.5}, "none": None},
                 "missing": missing, "deny": deny,
                 "record": lambda *a: calls.append(a)},
        "std.json": {"echo": lambda v=None: v},
    }


def unit(code: str, first_line: int = 5, calls=None, logs=None, **limits) -> LuaUnit:
    lim = Limits(**{"instructions": 5_000_000, "memory_mb": 32, **limits})
    return LuaUnit([CodeChunk(code, PATH, first_line)], host(calls if calls is not None else []), lim,
                   plugin="demo", on_log=(lambda lv, m: logs.append((lv, m))) if logs is not None else None)


# -- conversion Lua -> Python (tool results), as data ------------------------------------------
RESULTS = [
    ("integer", "return 3", 3),
    ("float stays float", "return 2.0", 2.0),
    ("string", 'return "héllo"', "héllo"),
    ("nil", "return nil", None),
    ("array", "return {1, 2, 3}", [1, 2, 3]),
    ("empty table is an array", "return {}", []),
    ("map", 'return {b = 1, a = {x = true}}', {"a": {"x": True}, "b": 1}),
    ("nil holes", "return {1, nil, 3}", [1, None, 3]),
    ("sparse integer keys become an object", "return {[1] = 1, [100] = 2}", {"1": 1, "100": 2}),
    ("mixed keys", 'return {1, x = 2}', {"1": 1, "x": 2}),
    ("control characters", 'return "a\\nb\\0"', "a\nb\x00"),
    ("shared subtable is not a cycle", "local s = {1} return {s, s}", [[1], [1]]),
]


@pytest.mark.parametrize("code, expected", [r[1:] for r in RESULTS], ids=[r[0] for r in RESULTS])
def test_results_convert(code, expected):
    got = unit(f"function f(args)\n {code}\nend").call("f", {})
    assert got == expected
    assert type(got) is type(expected)


REFUSED = [
    ("cycle", "local t = {} t.self = t return t", "contains itself"),
    ("nan", "return 0/0", "nan is not representable"),
    ("inf", "return {x = math.huge}", r"inf is not representable in JSON \(at result.x\)"),
    ("function", "return {f = print}", r"function value is not representable in JSON \(at result.f\)"),
    ("float key", "return {[1.5] = 1}", "key of type float"),
    ("boolean key", "return {[true] = 1}", "key of type boolean"),
    ("key clash", 'return {[1] = "a", ["1"] = "b", x = 1}', "appears twice"),
    ("invalid utf-8", 'return "\\255"', "not valid UTF-8"),
    ("coroutine", "return coroutine.create(print)", "thread value"),
]


@pytest.mark.parametrize("code, message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_unrepresentable_results_are_clear_errors(code, message):
    u = unit(f"\nfunction f(args)\n {code}\nend")
    with pytest.raises(PluginRuntimeError, match=message) as info:
        u.call("f", {})
    assert str(info.value).startswith(f"{PATH}:6: cannot return the result of function 'f': ")


def test_arguments_convert_to_lua():
    code = """function f(a)
      return {math.type(a.i), math.type(a.f), a.list[3], a.list[2] == nil, a.map.k, a.none == nil, a.big}
    end"""
    got = unit(code).call("f", {"i": 1, "f": 1.0, "list": [1, None, 3], "map": {"k": "v"}, "none": None,
                                 "big": 2 ** 70})
    assert got == ["integer", "float", 3, True, "v", True, float(2 ** 70)]


def test_host_values_round_trip_through_lua():
    u = unit('function f() return {kiln.read("x.md"), std.json.echo({1, {a = 2}, "s"})} end')
    assert u.call("f", {}) == [{"path": "x.md", "tags": ["a"], "fm": {"n": 1.5}}, [1, {"a": 2}, "s"]]


def test_host_arguments_arrive_as_plain_python():
    calls = []
    unit('function f() kiln.record({1, 2}, {a = {}}, "s", 2.5, nil) end', calls=calls).call("f", {})
    assert calls == [([1, 2], {"a": []}, "s", 2.5)]


def test_host_function_refuses_a_function_argument():
    u = unit("function f() local r = kiln.record(print) return r end")
    with pytest.raises(PluginRuntimeError, match=rf"{PATH}:5: bad argument to 'kiln.record' \(a function"):
        u.call("f", {})


# -- errors name the note line ------------------------------------------------------------------
def test_syntax_error_names_the_note_line():
    with pytest.raises(ValidationError) as info:
        unit("local x = 1\nlocal y = = 2\n", first_line=20)
    assert str(info.value) == f"{PATH}:21: unexpected symbol near '='"
    assert info.value.diagnostics[0].line == 21


def test_runtime_error_in_nested_function_names_the_note_line():
    code = "local function inner(t)\n  return t.x.y\nend\nfunction f()\n  local r = inner({}) return r\nend"
    with pytest.raises(PluginRuntimeError) as info:
        unit(code, first_line=30).call("f", {})
    assert str(info.value) == f"{PATH}:31: attempt to index a nil value (field 'x')"
    assert info.value.lua_traceback[:2] == (f"{PATH}:31: in function 'inner'", f"{PATH}:34: in function 'f'")


def test_error_with_level_two_points_at_the_caller():
    code = 'local function check(v)\n  if not v then error("need v", 2) end\nend\nfunction f()\n  check(nil)\nend'
    with pytest.raises(PluginRuntimeError, match=rf"^{PATH}:9: need v$"):
        unit(code).call("f", {})


def test_error_without_position_gets_the_innermost_plugin_frame():
    with pytest.raises(PluginRuntimeError, match=rf"^{PATH}:6: plain$"):
        unit('function f()\n  error("plain", 0)\nend').call("f", {})


def test_error_messages_inside_lua_show_the_note_path():
    u = unit('function f()\n  local ok, e = pcall(function() local x = nil; return x.y end)\n  return e\nend')
    assert u.call("f", {}) == f"{PATH}:6: attempt to index a nil value (local 'x')"


def test_error_objects_that_are_tables():
    with pytest.raises(PluginRuntimeError, match=r"error object is a table value"):
        unit("function f() error({code = 1}) end").call("f", {})
    u = unit('function f() error(setmetatable({}, {__tostring = function() return "custom" end})) end')
    with pytest.raises(PluginRuntimeError, match=r"custom"):
        u.call("f", {})


def test_missing_function():
    with pytest.raises(PluginRuntimeError, match="defines no function 'nope'"):
        unit("function f() end").call("nope", {})


# -- host errors ------------------------------------------------------------------------------
def test_ordinary_host_error_is_catchable_as_a_string():
    u = unit('function f()\n  local ok, e = pcall(kiln.missing, "x.md")\n  return {ok, e}\nend')
    assert u.call("f", {}) == [False, "note not found: x.md"]


def test_uncaught_host_error_names_the_calling_line():
    with pytest.raises(PluginRuntimeError, match=rf"^{PATH}:6: note not found: x.md$"):
        unit('function f()\n  kiln.missing("x.md")\nend').call("f", {})


def test_capability_error_keeps_its_class_through_pcall():
    u = unit("function f()\n  pcall(kiln.deny)\n  return 1\nend")
    with pytest.raises(CapabilityError, match="may not use state") as info:
        u.call("f", {})
    assert (info.value.path, info.value.line) == (PATH, 6)


# -- the unit keeps working -------------------------------------------------------------------
def test_unit_recovers_after_each_limit_and_keeps_no_half_state():
    code = """
    counter = 0
    function bump() counter = counter + 1 return counter end
    function spin() counter = 100 while true do end end
    function bomb() return #string.rep("x", 1e9) end
    """
    u = unit(code)
    assert u.call("bump", {}) == 1
    assert u.call("bump", {}) == 2          # one runtime reused across calls
    with pytest.raises(LimitExceeded, match="instructions"):
        u.call("spin", {})
    assert u.call("bump", {}) == 1          # rebuilt: the tripped call's writes are gone
    with pytest.raises(LimitExceeded, match="memory_mb = 32"):
        u.call("bomb", {})
    assert u.call("bump", {}) == 1


def test_instruction_budget_is_per_call():
    u = unit("function f() local s = 0 for i = 1, 200000 do s = s + i end return s end", instructions=3_000_000)
    for _ in range(5):
        assert u.call("f", {}) == 200000 * 200001 // 2


def test_functions_lists_only_plugin_globals():
    u = unit("function a() end\nb = function() end\nlocal function c() end\nprint = print\nx = 1")
    assert u.functions() == {"a", "b"}


def test_print_goes_to_on_log_and_counts_against_output():
    logs = []
    u = unit('function f() print("hello", 1, nil) return "x" end', logs=logs, output_kb=1)
    assert u.call("f", {}) == "x"
    assert logs == [("info", "hello\t1\tnil")]
    big = unit('function f() for i = 1, 100 do print(("y"):rep(100)) end end', logs=[], output_kb=1)
    with pytest.raises(LimitExceeded, match="output_kb = 1"):
        big.call("f", {})


def test_eval_expression_and_statements():
    u = unit("function double(n) return n * 2 end")
    assert u.eval(CodeChunk("double(21)", "<eval>")) == 42
    assert u.eval(CodeChunk("local t = {}\nfor i = 1, 3 do t[i] = double(i) end\nreturn t", "<eval>")) == [2, 4, 6]
    with pytest.raises(PluginRuntimeError, match=r"^<eval>:2: boom$"):
        u.eval(CodeChunk("local x = 1\nerror('boom')", "<eval>"))


def test_coroutines_work_and_yield_across_pcall():
    code = """function f()
      local gen = coroutine.wrap(function()
        for i = 1, 3 do pcall(coroutine.yield, i) end
      end)
      local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
      local _, first = coroutine.resume(co, 1)
      local _, second = coroutine.resume(co, 10)
      return {gen(), gen(), gen(), first, second, coroutine.status(co)}
    end"""
    assert unit(code).call("f", {}) == [1, 2, 3, 2, 20, "dead"]


def test_standard_library_is_there():
    code = """function f()
      return {("%d-%s"):format(3, "x"), table.concat({1, 2}, ","), math.floor(2.5), utf8.char(233),
              type(os.time()), os.date("!%Y", 0), select("#", 1, 2), string.pack and "pack" or "none",
              tostring(nil), tonumber("0x10"), math.type(1 // 1), #load("return {1, 2}")()}
    end"""
    assert unit(code).call("f", {}) == ["3-x", "1,2", 2, "é", "number", "1970", 2, "pack", "nil", 16,
                                         "integer", 2]


def test_wall_clock_is_checked_by_the_hook():
    u = unit("function f() while true do end end", instructions=10**12, timeout_ms=150)
    with pytest.raises(LimitExceeded, match="timeout_ms = 150"):
        u.call("f", {})


# -- test helpers -----------------------------------------------------------------------------
def run_test(body: str, first_line: int = 40):
    u = unit("function add(a, b) return a + b end")
    u.run_test(CodeChunk(body, PATH, first_line, "test 1"))


def test_passing_assertions():
    run_test('assert_eq(add(1, 2), 3)\nassert_eq({a = {1, 2}}, {a = {1, 2}})\nassert_ne({1}, {2})\n'
             'assert_true(add(1, 1) == 2)\nassert_false(false)\nassert_near(0.1 + 0.2, 0.3, 1e-9)\n'
             'local e = assert_error(function() error("bad input") end, "bad input")\n'
             'assert_error(function() error("code 42") end, "code %d+")')


@pytest.mark.parametrize("body, line, message", [
    ("assert_eq(add(1, 2), 4)", 40, "assert_eq failed: expected 4, got 3"),
    ("local x = 1\nassert_eq({a = {1, 2}}, {a = {1, 3}}, 'tables')", 41,
     "assert_eq failed: tables: expected {a = {1, 3}}, got {a = {1, 2}}"),
    ("assert_ne(1, 1)", 40, "assert_ne failed: both are 1"),
    ("assert_true(nil)", 40, "assert_true failed: got nil"),
    ("assert_false(1)", 40, "assert_false failed: got 1"),
    ("assert_near(1.0, 2.0, 0.5)", 40, "assert_near failed: expected 2.0 ± 0.5, got 1.0"),
    ("assert_error(function() end)", 40, "assert_error failed: the function did not raise an error"),
    ('assert_error(function() error("x") end, "y")', 40, 'does not match "y"'),
    ("\n\nlocal t = nil\nreturn t.x", 43, "attempt to index a nil value (local 't')"),
])
def test_failing_assertion_names_its_line(body, line, message):
    with pytest.raises(TestFailure) as info:
        run_test(body)
    assert (info.value.path, info.value.line) == (PATH, line)
    assert message in info.value.message


def test_test_fence_limits_still_raise_limit_exceeded():
    with pytest.raises(LimitExceeded):
        run_test("while true do end")


# -- guarded pattern functions behave like Lua's own ------------------------------------------
def _pattern_pair():
    """The guarded functions forced onto the Lua matcher, and the native ones, in one runtime."""
    rt = lua54.LuaRuntime(register_eval=False, register_builtins=False, unpack_returned_tuples=True)
    folder = Path(__file__).parents[1] / "kiln_plugins/sandbox"
    lib = rt.eval("{charge = function() end, guard_steps = -1}")
    lib.matcher = rt.execute((folder / "lua_matcher.lua").read_text(), lib, mode="t")
    guarded = rt.execute((folder / "lua_patterns.lua").read_text(), lib, mode="t")
    compare = rt.eval("""function(g, s, p, r)
      local function all(ok, ...) return {ok, ...} end
      local function same(a, b)
        if #a ~= #b then return false end
        for i = 1, #a do if a[i] ~= b[i] then return false end end
        return true
      end
      local function gm(f) local out = {} for a, b in f(s, p) do out[#out+1] = tostring(a) .. "/" .. tostring(b) end return out end
      local checks = {
        {all(pcall(g.find, s, p)), all(pcall(string.find, s, p))},
        {all(pcall(g.find, s, p, 2)), all(pcall(string.find, s, p, 2))},
        {all(pcall(g.match, s, p)), all(pcall(string.match, s, p))},
        {all(pcall(g.gsub, s, p, r)), all(pcall(string.gsub, s, p, r))},
        {all(pcall(g.gsub, s, p, function(c) return c and (tostring(c) .. "!") end, 2)),
         all(pcall(string.gsub, s, p, function(c) return c and (tostring(c) .. "!") end, 2))},
        {all(pcall(gm, g.gmatch)), all(pcall(gm, string.gmatch))},
      }
      for i, c in ipairs(checks) do
        local a, b = c[1], c[2]
        if a[1] ~= b[1] then return "call " .. i .. " ok differs: " .. tostring(a[2]) .. " vs " .. tostring(b[2]) end
        if a[1] and not same(a, b) and i ~= 6 then return "call " .. i .. " differs" end
        if a[1] and i == 6 and not same(a[2], b[2]) then return "gmatch differs" end
      end
      return "same"
    end""")
    return guarded, compare


GUARDED, COMPARE = _pattern_pair()
PIECES = ["a", "b", ".", "%a", "%d", "%s", "[ab]", "[^a]", "(", ")", "()", "%b()", "%f[%w]", "%1", "^", "$",
          "*", "+", "-", "?", "[a-c]", "%%", "x"]


@settings(max_examples=300, deadline=None)
@given(s=st.text(alphabet="ab1 ()x%", max_size=12), parts=st.lists(st.sampled_from(PIECES), max_size=6),
       repl=st.sampled_from(["<%0>", "%1", "-", "%%", "%"]))
def test_lua_matcher_agrees_with_native(s, parts, repl):
    assert COMPARE(GUARDED, s, "".join(parts), repl) == "same"


def test_large_subjects_use_the_lua_matcher_with_same_results():
    u = unit('function f(a) local s = (" word"):rep(a.n) return {select(2, s:gsub("%s+", "_")), #s:gsub("%w+", "%0%0"),'
             ' s:match("^%s*(.-)%s*$"):sub(1, 9), {s:find("(w)(o)", 5)}} end', instructions=10**8)
    assert u.call("f", {"n": 20000}) == [20000, 180000, "word word", [7, 8, "w", "o"]]
