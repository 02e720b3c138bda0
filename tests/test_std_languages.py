"""The graph and std host functions as plugin code sees them, in Lua and in Rune.

Each case runs a snippet in the sandbox (``cru eval``'s path) on a copy of the sample kiln:
the result must round-trip, and bad input must end the snippet with one line that names the
function, the argument and the snippet's line.
"""

from __future__ import annotations

import pytest

from kiln_plugins.errors import KilnError
from kiln_plugins.plugin_tests import throwaway_kiln
from tests.conftest import SAMPLE_KILN
from tests.plugin_helpers import plugin_note

PERMISSIONS = ["kiln.read", "tools.call"]

LUA_OK = [
    ('return graph.bfs("Home.md", {depth = 0})[1].path', "Home.md"),
    ('return #graph.shortest_path("Home.md", "Home.md")', 1),
    ('return graph.shortest_path("Home.md", "Inbox.md", {directed = true}) == nil or true', True),
    ('local r = graph.pagerank({limit = 1}); return type(r[1].score)', "number"),
    ('return std.json.decode(std.json.encode({a = {1, 2, 3}})).a[3]', 3),
    ('return std.yaml.load("x: [1, 2]").x[2]', 2),
    ('return std.re.sub("(\\\\w+) (\\\\w+)", "\\\\2 \\\\1", "hello world")', "world hello"),
    ('return std.re.find("(?<k>\\\\w+)=(\\\\d+)", "a k=12").named.k', "k"),
    ('return std.time.add("2024-02-28T23:00:00Z", {hours = 2})', "2024-02-29T01:00:00Z"),
    ('return std.time.diff("2024-03-01", "2024-02-01", {unit = "days"})', 29.0),
    ('return std.strings.pad(std.strings.slugify("A B"), 5, {char = "."})', "a-b.."),
    ('return std.parallel_map("get_kiln_info", {{}, {}})[2].notes > 0', True),
]

LUA_BAD = [
    ('graph.bfs("Home.md", {depth = -1})', "graph.bfs: depth must be an integer >= 0, got -1"),
    ('graph.neighbors("No Such Note")', "note not found: 'No Such Note'"),
    ('graph.pagerank({damping = 2})', "graph.pagerank: damping must be a number > 0.0 and < 1.0, got 2"),
    ('std.json.decode("{bad")', "std.json.decode: invalid JSON at line 1 column 2"),
    ('std.yaml.load("a: [1")', "std.yaml.load: invalid YAML at line 1"),
    ('std.re.find("(", "x")', "std.re.find: invalid pattern '('"),
    ('std.re.find("(a|aa)+$", string.rep("a", 40) .. "!", {timeout_ms = 50})', "took longer than 50 ms"),
    ('std.time.parse("tomorrow")', "std.time.parse: text 'tomorrow' is not an ISO 8601 date or time"),
    ('std.strings.pad("x", "wide")', "std.strings.pad: width must be an integer >= 0 <= 1000000, got 'wide'"),
    ('std.parallel_map("get_kiln_info", {1})', "std.parallel_map: item 1 must be a table of arguments, got number"),
]

RUNE_OK = [
    ('graph::bfs("Home.md", #{depth: 0})[0]["path"]', "Home.md"),
    ('std::json::decode(std::json::encode(#{a: [1, 2, 3]}))["a"][2]', 3),
    ('std::re::sub("o+", "0", "foo boo")', "f0 b0"),
    ('std::time::add("2024-01-31", #{months: 1})', "2024-02-29"),
    ('std::strings::slugify("Hello, World")', "hello-world"),
]

RUNE_BAD = [
    ('graph::bfs("Home.md", #{depth: -1})', "graph.bfs: depth must be an integer >= 0, got -1"),
    ('graph::neighbors("No Such Note")', "note not found: 'No Such Note'"),
    ('graph::pagerank(#{damping: 2.0})', "graph.pagerank: damping must be a number > 0.0 and < 1.0, got 2.0"),
    ('graph::shortest_path("Home.md", "Home.md", #{directed: "yes"})', "directed must be true or false, got 'yes'"),
    ('std::json::decode("{bad")', "std.json.decode: invalid JSON at line 1 column 2"),
    ('std::yaml::load("a: [1")', "std.yaml.load: invalid YAML at line 1"),
    ('std::re::find("(", "x")', "std.re.find: invalid pattern '('"),
    ('std::re::split("(a|aa)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", #{timeout_ms: 50})',
     "took longer than 50 ms"),
    ('std::time::add("2024-01-01", #{fortnights: 1})', "std.time.add: unknown option 'fortnights'"),
    ('std::strings::pad("x", "wide")', "std.strings.pad: width must be an integer"),
    ('std::parallel_map("get_kiln_info", [1])', "std.parallel_map: item 1 must be a table of arguments"),
]


def _lua_cases() -> str:
    lines = ["local cases = {}"]
    lines += [f"cases[{i}] = function() local r = {code}; return r end" for i, (code, _) in enumerate(LUA_BAD, 1)]
    lines.append("function run(args) return cases[args.case]() end")
    return "\n".join(lines)


def _rune_cases() -> str:
    lines = ["pub fn run(args) {", "    let case = args[\"case\"];"]
    lines += [f"    if case == {i} {{ return {code}; }}" for i, (code, _) in enumerate(RUNE_BAD, 1)]
    lines += ["    ()", "}"]
    return "\n".join(lines)


BAD_PLUGINS = {
    "lua": ("plugins/bad-input-lua.md", plugin_note("bad-input-lua", _lua_cases(), permissions=PERMISSIONS,
                                                    tools={"run": {"description": "x", "parameters": {"type": "object"}}})),
    "rune": ("plugins/bad-input-rune.md", plugin_note("bad-input-rune", _rune_cases(), permissions=PERMISSIONS,
                                                      language="rune",
                                                      tools={"run_rune": {"description": "x", "parameters": {"type": "object"}}})
             .replace("pub fn run(", "pub fn run_rune(")),
}


@pytest.fixture(scope="module")
def kiln():
    notes = {path: text for path, text in BAD_PLUGINS.values()}
    with throwaway_kiln(SAMPLE_KILN, extra_notes=notes) as k:
        yield k


def _rune_ready() -> bool:
    try:
        import kiln_plugins.rune.unit  # noqa: F401
    except ImportError:
        return False
    return True


def need(language: str) -> None:
    if language == "rune" and not _rune_ready():
        pytest.skip("the Rune runtime does not import yet")


@pytest.mark.parametrize("language, code, expected",
                         [("lua", c, e) for c, e in LUA_OK] + [("rune", c, e) for c, e in RUNE_OK])
def test_round_trip(kiln, language, code, expected):
    need(language)
    assert kiln.registry.eval_snippet(language, code, PERMISSIONS) == expected


@pytest.mark.parametrize("language, case, code, message",
                         [("lua", i, c, m) for i, (c, m) in enumerate(LUA_BAD, 1)]
                         + [("rune", i, c, m) for i, (c, m) in enumerate(RUNE_BAD, 1)])
def test_bad_input_is_one_line_with_the_note_and_line(kiln, language, case, code, message):
    need(language)
    path, text = BAD_PLUGINS[language]
    line = next(n for n, row in enumerate(text.splitlines(), 1) if code in row)
    tool = "run" if language == "lua" else "run_rune"
    with pytest.raises(KilnError) as info:
        kiln.registry.call(tool, {"case": case})
    text = str(info.value)
    assert message in text
    assert "\n" not in text
    assert text.startswith(f"{path}:{line}:"), text
