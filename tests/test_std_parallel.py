"""std.parallel_map through real Lua plugins: order, errors, shared transaction, bad input."""

from __future__ import annotations

import pytest

from kiln_plugins.errors import KilnError, PluginRuntimeError
from kiln_plugins.kiln import Kiln
from tests.plugin_helpers import add_plugin

SQUARE = """
function square(args)
  if args.n == 13 then error("unlucky " .. args.n) end
  return args.n * args.n
end
"""
MARK = """
function mark(args)
  state.set("seen/" .. args.n, true)
  return args.n
end
"""
CALLER = """
function run(args)
  local calls = {}
  for i = 1, args.count do calls[i] = {n = i} end
  local out = std.parallel_map(args.tool, calls, {workers = args.workers or 2, errors = args.errors})
  if args.fail_after then error("failed after the map") end
  return out
end
"""


@pytest.fixture
def kiln(tmp_path):
    add_plugin(tmp_path, "square", SQUARE,
               tools={"square": {"description": "n squared", "parameters": {"type": "object"}}})
    add_plugin(tmp_path, "mark", MARK, permissions=["state"],
               tools={"mark": {"description": "remember n", "parameters": {"type": "object"}}})
    add_plugin(tmp_path, "caller", CALLER, permissions=["tools.call"])
    k = Kiln.open(tmp_path)
    yield k
    k.close()


def test_results_come_back_in_input_order(kiln):
    out = kiln.registry.call("run", {"tool": "square", "count": 12, "workers": 3})
    assert out == [i * i for i in range(1, 13)]
    assert kiln.registry.call("run", {"tool": "square", "count": 5, "workers": 1}) == [1, 4, 9, 16, 25]


def test_first_failure_ends_the_map_with_its_place(kiln):
    with pytest.raises(PluginRuntimeError) as info:
        kiln.registry.call("run", {"tool": "square", "count": 20})
    assert "plugins/square.md:" in str(info.value) and "unlucky 13" in str(info.value)
    assert "\n" not in str(info.value)


def test_collect_mode_reports_each_call(kiln):
    out = kiln.registry.call("run", {"tool": "square", "count": 14, "errors": "collect"})
    assert out[0] == {"ok": True, "result": 1}
    assert out[12]["ok"] is False and "unlucky 13" in out[12]["error"]
    assert out[13] == {"ok": True, "result": 196}


def test_calls_join_the_callers_transaction(kiln):
    kiln.registry.call("run", {"tool": "mark", "count": 30})
    assert sorted(kiln.state.keys("mark")) == sorted(f"seen/{i}" for i in range(1, 31))
    with pytest.raises(KilnError, match="failed after the map"):
        kiln.registry.call("run", {"tool": "mark", "count": 40, "fail_after": True})
    assert "seen/40" not in kiln.state.keys("mark")


@pytest.mark.parametrize("code, message", [
    ('std.parallel_map("square", {1, 2})', "std.parallel_map: item 1 must be a table of arguments, got number"),
    ('std.parallel_map("nope", {})', "unknown tool 'nope'"),
    ('std.parallel_map("square", {}, {workers = 0})', "workers must be an integer >= 1"),
    ('std.parallel_map("square", "x")', "list_of_args must be a list"),
])
def test_bad_input(kiln, code, message):
    with pytest.raises(KilnError) as info:
        kiln.registry.eval_snippet("lua", code, ["tools.call"])
    assert message in str(info.value)


def test_needs_tools_call(kiln):
    with pytest.raises(KilnError, match="tools.call"):
        kiln.registry.eval_snippet("lua", 'return std.parallel_map("square", {{n = 1}})')
