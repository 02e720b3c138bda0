"""Red team: what a plugin hands back to the host — results, logs, odd arguments, Rune values.

Every trick ends in a one-line KilnError naming the plugin note, and the host keeps working.
"""

from __future__ import annotations

import json

import pytest

from kiln_plugins.errors import KilnError, LimitExceeded, ToolArgumentError
from kiln_plugins.kiln import Kiln
from tests.conftest import write_note
from tests.plugin_helpers import add_plugin

pytest.importorskip("kiln_plugins.sandbox.lua_runtime")

ANY = {"type": "object"}


@pytest.fixture
def root(tmp_path):
    kiln = tmp_path / "kiln"
    write_note(kiln, "a.md", "# A\n[[b]]\n")
    write_note(kiln, "b.md", "# B\n")
    return kiln


def still_works(kiln):
    assert kiln.registry.call("read_note", {"path": "a.md"})["path"] == "a.md"


LUA_RESULTS = [
    ('return string.rep("x", 3 * 1024 * 1024)', LimitExceeded, "output_kb"),
    ('local t = {} for i = 1, 300000 do t[i] = "xxxxxxxxxx" end return t', LimitExceeded, "output_kb"),
    ('for i = 1, 100000 do log.info(string.rep("y", 100)) end return 1', LimitExceeded, "output_kb"),
    ("return {v = 0/0}", KilnError, "not representable in JSON"),
    ("return {v = math.huge}", KilnError, "inf is not representable in JSON"),
    ("local t = {} t.self = t return t", KilnError, "contains itself"),
    ("local t = {} local c = t for i = 1, 100000 do c.n = {} c = c.n end return t", KilnError, "nested deeper"),
    ("return {f = print}", KilnError, "function value is not representable"),
    ('return "\\255\\254"', KilnError, "not valid UTF-8"),
    ("return coroutine.create(function() end)", KilnError, "thread value is not representable"),
]


@pytest.mark.parametrize("body, error, message", LUA_RESULTS)
def test_unrepresentable_or_oversized_lua_results(root, body, error, message):
    add_plugin(root, "bomb", f"function run(a) {body} end")
    with Kiln.open(root) as kiln:
        with pytest.raises(error, match=message) as err:
            kiln.registry.call("run", {})
        assert str(err.value).startswith("plugins/bomb.md")
        still_works(kiln)


def test_results_that_do_convert_are_plain_json(root):
    add_plugin(root, "ok", 'function run(a) return {[1] = "a", x = "b", n = 1.5, t = true} end')
    with Kiln.open(root) as kiln:
        result = kiln.registry.call("run", {})
        assert json.loads(json.dumps(result, allow_nan=False)) == {"1": "a", "x": "b", "n": 1.5, "t": True}


@pytest.mark.parametrize("args, message", [
    ({"depth": "x" * 100}, "invalid argument depth"),
    ([1, 2], "arguments must be an object"),
    ("string", "arguments must be an object"),
])
def test_arguments_that_fail_the_schema(root, args, message):
    add_plugin(root, "typed", "function run(a) return a end",
               tools={"run": {"description": "x", "parameters": {"type": "object", "properties": {
                   "depth": {"type": "integer"}}, "additionalProperties": False}}})
    with Kiln.open(root) as kiln:
        with pytest.raises(ToolArgumentError, match=message):
            kiln.registry.call("run", args)
        still_works(kiln)


def test_huge_and_deep_arguments_are_clean(root):
    add_plugin(root, "echo", "function run(a) return #a.s end")
    deep: dict = {}
    cursor = deep
    for _ in range(5000):
        cursor["n"] = {}
        cursor = cursor["n"]
    with Kiln.open(root) as kiln:
        assert kiln.registry.call("run", {"s": "x" * (4 * 1024 * 1024)}) == 4 * 1024 * 1024
        with pytest.raises(KilnError):
            kiln.registry.call("run", {"s": "x", "deep": deep})
        still_works(kiln)


@pytest.mark.parametrize("call", [
    'kiln.search("A", {limit = 1e20})',
    'kiln.search("A", {limit = -1})',
    'kiln.search("A", {limit = "lots"})',
    'kiln.list({where = 5})',
    'graph.neighbors("a.md", {depth = "far"})',
    'kiln.read({})',
    'state.set(string.rep("k", 300), 1)',
    'kiln.query({where = "type"})',
    'kiln.search("A", {tag = 5})',
    'std.re.split("a,b", ",", {max = 1e300})',
    'std.re.sub("a", "a", "b", {count = 1e300})',
    'std.strings.split("a,b", ",", {max = 1e300})',
    'std.re.find(string.rep("(", 1000) .. string.rep(")", 1000), "x")',
    'std.json.decode(string.rep("[", 100000) .. string.rep("]", 100000))',
    'std.json.decode("{")',
])
def test_odd_host_arguments_are_one_line_errors(root, call):
    add_plugin(root, "odd", f"function run(a) return {call} end", permissions=["kiln.read", "state"])
    with Kiln.open(root) as kiln:
        with pytest.raises(KilnError) as err:
            kiln.registry.call("run", {})
        assert "\n" not in str(err.value) and str(err.value).startswith("plugins/odd.md")
        still_works(kiln)


RUNE_ESCAPES = [
    ('let s = "abc"; s.__class__', "missing field `__class__`"),
    ("let f = kiln::read; f.__globals__", "missing field `__globals__`"),
    ('let n = kiln::read("a.md"); n.__dict__', "missing field `__dict__`"),
    ('let n = kiln::read("a.md"); n["__class__"]', "missing field `__class__`"),
    ('let n = kiln::read("a.md"); format!("{0.__class__}", n)', "format string names"),
    ('let s = "abc"; s.__getattribute__("upper")', "missing instance function `__getattribute__`"),
    ("let v = [1]; v.mro()", "missing instance function `mro`"),
    ("__builtins__", "cannot find `__builtins__`"),
    ("__import__", "cannot find `__import__`"),
]


@pytest.mark.parametrize("code, message", RUNE_ESCAPES)
def test_rune_cannot_reach_python_objects(root, code, message):
    with Kiln.open(root) as kiln:
        with pytest.raises(KilnError, match=message):
            kiln.registry.eval_snippet("rune", code)
        assert kiln.registry.eval_snippet("rune", 'format!("{:?}", kiln::read)') == "<function>"
        still_works(kiln)


def test_rune_string_that_looks_like_python_stays_a_string(root):
    with Kiln.open(root) as kiln:
        text = kiln.registry.eval_snippet("rune", '"\\" + __import__(\'os\').system(\'id\') + \\""')
        assert text == "\" + __import__('os').system('id') + \""


@pytest.mark.parametrize("pattern", ["(?:(?:a{100}){100}){100}", "a{200000}", "(x{500}|y){1000}"])
def test_counted_repeats_that_blow_up_regex_compilation_are_refused(root, pattern):
    # regex expands counted repeats at compile time, outside the timeout and the Lua memory limit
    # (a{1000000000} takes every byte of the machine); kept small here in case the guard regresses.
    with Kiln.open(root) as kiln:
        with pytest.raises(KilnError, match="repeats more than 100000 times"):
            kiln.registry.eval_snippet("lua", f'return std.re.find("{pattern}", "aaa")')
        assert kiln.registry.eval_snippet("lua", r'return std.re.find("\\d{4}-\\d{2}", "on 2024-05").match') == "2024-05"
        still_works(kiln)


def test_nested_parallel_maps_do_not_multiply_concurrency(root):
    # outer fans out to 4 mids at once; each mid maps 3 leaves. Unchecked, 12 leaves (each its own
    # unit with its own memory_mb) ran at once, and k nested maps of 32 workers meant 32**k.
    tools = {name: {"description": name, "parameters": ANY} for name in ("outer", "mid", "leaf")}
    add_plugin(root, "fan", '''
function outer(a) return #std.parallel_map("mid", {{}, {}, {}, {}}, {workers = 4}) end
function mid(a) return #std.parallel_map("leaf", {{}, {}, {}}, {workers = 3}) end
function leaf(a) local n = 0 for i = 1, 300000 do n = n + i end return n end''',
               permissions=["tools.call"], tools=tools)
    with Kiln.open(root) as kiln:
        assert kiln.registry.call("outer", {}) == 4
        kiln.state.audit.flush()
        leaves = [(r["started"], r["started"] + r["duration_ms"] / 1000)
                  for r in kiln.state.audit.query(limit=100) if r["tool"] == "leaf"]
    assert len(leaves) == 12
    most = max(sum(1 for s, e in leaves if s < t + 1e-6 and t < e - 1e-6) for t, _ in leaves)
    assert most <= 4
