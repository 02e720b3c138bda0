"""load_spec: a note read as a plugin, through the real note parser."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kiln_plugins.limits import DEFAULT_LIMITS, Limits
from kiln_plugins.model import CodeChunk
from kiln_plugins.note import parse_note
from kiln_plugins.plugin_spec import Permission, is_plugin_note, load_spec

DICE = """\
---
type: plugin
name: dice-roller
version: 1.2.0
description: Roll dice.
permissions: [kiln.read, state, {net: [dice.example]}]
requires: [rng-utils>=1.0]
limits: {timeout_ms: 2000}
generated_by: claude-code
tools:
  roll_dice:
    description: Roll dice, e.g. 2d6+3.
    parameters:
      type: object
      properties:
        notation: {type: string}
      required: [notation]
---
# Dice roller

```lua
function roll_dice(args)
  return {total = 1}
end
```

```lua example
roll_dice({notation = "nope"})
```

```lua test
assert(roll_dice({notation = "1d1"}).total == 1)
```

```lua
local helper = 1
```

```lua test
assert(true)
```
"""


def spec_of(text: str, note_id: str = "plugins/dice.md", **options):
    return load_spec(parse_note(note_id, text), **options)


def test_a_valid_plugin_note_becomes_a_full_spec():
    spec = spec_of(DICE, file=Path("/k/plugins/dice.md"), source="kiln")
    assert spec.valid and spec.diagnostics == ()
    assert (spec.name, spec.version, spec.description, spec.language) == (
        "dice-roller", "1.2.0", "Roll dice.", "lua")
    assert spec.permissions == (Permission("kiln.read"), Permission("state"),
                                Permission("net", ("dice.example",)))
    assert [(r.name, r.text, r.line) for r in spec.requires] == [
        ("rng-utils", "rng-utils>=1.0", 7)]
    assert spec.limits == replace(DEFAULT_LIMITS, timeout_ms=2000)
    [tool] = spec.tools
    assert (tool.name, tool.description, tool.line) == ("roll_dice", "Roll dice, e.g. 2d6+3.", 11)
    assert tool.parameters["required"] == ["notation"]
    assert spec.generated_by == "claude-code"
    assert (spec.note_id, spec.file, spec.source, spec.name_line) == (
        "plugins/dice.md", Path("/k/plugins/dice.md"), "kiln", 3)


def test_code_and_tests_come_from_exact_fences_in_document_order():
    spec = spec_of(DICE)
    assert spec.code == (
        CodeChunk("function roll_dice(args)\n  return {total = 1}\nend\n", "plugins/dice.md", 22),
        CodeChunk("local helper = 1\n", "plugins/dice.md", 36))
    assert [(t.name, t.first_line, t.source) for t in spec.tests] == [
        ("test 1", 32, 'assert(roll_dice({notation = "1d1"}).total == 1)\n'),
        ("test 2", 40, "assert(true)\n")]
    assert not any("nope" in c.source for c in spec.code + spec.tests)


def test_defaults_for_a_minimal_plugin():
    spec = spec_of("---\ntype: plugin\nname: tiny\n---\n```rune\npub fn main() {}\n```\n")
    assert spec.valid
    assert spec.version == "0.1.0" and spec.description == "" and spec.language == "rune"
    assert spec.permissions == (Permission("kiln.read"),)
    assert spec.limits == DEFAULT_LIMITS and spec.tools == () and spec.requires == ()
    assert spec.generated_by is None
    empty = spec_of("---\ntype: plugin\nname: tiny\npermissions: []\n---\n```lua\nx=1\n```\n")
    assert empty.permissions == ()


def test_only_type_plugin_notes_are_plugins():
    plain = parse_note("n.md", "---\ntitle: x\n---\n```lua\nos.exit()\n```\n")
    assert not is_plugin_note(plain)
    spec = load_spec(plain)
    assert not spec.valid and spec.code == ()
    assert [d.message for d in spec.diagnostics] == ["not a plugin note (no 'type: plugin')"]
    other_type = parse_note("n.md", "---\ntype: plugins\nname: x\n---\n```lua\nx=1\n```\n")
    assert not is_plugin_note(other_type)


def test_unparsable_frontmatter_with_type_plugin_is_a_broken_plugin():
    text = "---\ntype: plugin\nname: half-done\ntools: {a: [\n---\n```lua\nx = 1\n```\n"
    note = parse_note("p.md", text)
    assert is_plugin_note(note)
    spec = load_spec(note, path="/abs/p.md")
    assert not spec.valid and spec.name == "half-done"
    assert spec.diagnostics and all(d.severity == "error" for d in spec.diagnostics)
    assert all(d.path == "/abs/p.md" for d in spec.diagnostics)
    assert spec.diagnostics[0].message.startswith("invalid frontmatter YAML")
    assert 2 <= spec.diagnostics[0].line <= 5
    unparsable_plain = parse_note("q.md", "---\ntitle: [\n---\nbody\n")
    assert not is_plugin_note(unparsable_plain)


def test_language_may_be_stated_or_inferred():
    lua_tests_first = spec_of("---\ntype: plugin\nname: a\n---\n```lua test\nassert(f())\n```\n"
                              "```lua\nfunction f() return true end\n```\n")
    assert lua_tests_first.valid and lua_tests_first.language == "lua"
    stated = spec_of("---\ntype: plugin\nname: a\nlanguage: lua\n---\n```lua\nx=1\n```\n")
    assert stated.valid and stated.language == "lua"


def test_mixed_languages_keep_the_first_and_flag_the_other():
    spec = spec_of("---\ntype: plugin\nname: a\n---\n```rune\npub fn f() {}\n```\n"
                   "```lua test\nassert(true)\n```\n")
    assert spec.language == "rune" and spec.tests == ()
    assert [(d.line, d.message) for d in spec.diagnostics] == [
        (8, "lua fence in a rune plugin (plugin mixes rune and lua; one language per plugin)")]


@pytest.mark.parametrize("code, language", [
    ("function t(args) return 1 end", "lua"),
    ("  function   t (args) end", "lua"),
    ("t = function(args) return 1 end", "lua"),
    ("pub fn t(args) { 1 }", "rune"),
])
def test_tool_functions_are_found_in_the_code(code, language):
    text = (f"---\ntype: plugin\nname: a\nlanguage: {language}\ntools:\n  t:\n"
            f"    description: d\n---\n```{language}\n{code}\n```\n")
    assert spec_of(text).valid


@pytest.mark.parametrize("code, language", [
    ("local function t(args) return 1 end", "lua"),
    ("function tt(args) return 1 end", "lua"),
    ("fn t(args) { 1 }", "rune"),
])
def test_tools_without_their_function_are_errors(code, language):
    text = (f"---\ntype: plugin\nname: a\nlanguage: {language}\ntools:\n  t:\n"
            f"    description: d\n---\n```{language}\n{code}\n```\n")
    spec = spec_of(text)
    assert not spec.valid
    assert [d.line for d in spec.diagnostics] == [6]
    assert spec.diagnostics[0].message.startswith("tool 't' has no function")


def test_limits_keep_valid_requests_and_respect_lowered_maximums():
    text = "---\ntype: plugin\nname: a\nlimits: {memory_mb: 128, timeout_ms: 0}\n---\n```lua\nx=1\n```\n"
    spec = spec_of(text)
    assert not spec.valid and spec.limits == replace(DEFAULT_LIMITS, memory_mb=128)
    lowered = spec_of(text, maximums=Limits(memory_mb=100))
    assert [d.line for d in lowered.diagnostics] == [4, 4]
    assert lowered.limits == DEFAULT_LIMITS


def test_code_hash_changes_with_manifest_or_code_but_not_prose_or_tests():
    base = spec_of(DICE).code_hash
    assert len(base) == 64 and spec_of(DICE).code_hash == base
    edits = [DICE.replace("version: 1.2.0", "version: 1.2.1"),
             DICE.replace("Roll dice, e.g.", "Roll the dice, e.g."),
             DICE.replace("return {total = 1}", "return {total = 2}"),
             DICE.replace("local helper = 1", "local helper = 1 "),
             DICE.replace("requires: [rng-utils>=1.0]", "requires: [rng-utils>=1.1]")]
    hashes = {spec_of(text).code_hash for text in edits}
    assert len(hashes) == len(edits) and base not in hashes
    unchanged = [DICE.replace("# Dice roller", "# Dice roller, with prose"),
                 DICE.replace("assert(true)", "assert(1 == 1)"),
                 DICE.replace('roll_dice({notation = "nope"})', "x()")]
    assert {spec_of(text).code_hash for text in unchanged} == {base}


def test_to_dict_is_the_plugins_list_json_entry():
    kiln = spec_of(DICE, file=Path("/k/plugins/dice.md"), source="kiln").to_dict()
    assert kiln == {
        "name": "dice-roller", "version": "1.2.0", "description": "Roll dice.",
        "source": "kiln", "path": "plugins/dice.md", "language": "lua",
        "tools": ["roll_dice"], "permissions": ["kiln.read", "state", {"net": ["dice.example"]}],
        "valid": True, "shadowed": False, "errors": [], "generated_by": "claude-code"}
    broken = spec_of("---\ntype: plugin\nname: b\nbogus: 1\n---\n```lua\nx=1\n```\n",
                     file=Path("/u/b.md"), source="user", path="/u/b.md")
    entry = broken.to_dict(shadowed=True)
    assert entry["path"] == "/u/b.md" and entry["shadowed"] is True and entry["valid"] is False
    assert entry["errors"] == ["/u/b.md:4: unknown key 'bogus'"]


def test_crlf_notes_keep_their_lines():
    spec = spec_of(DICE.replace("\n", "\r\n").replace("permissions: [", "permissions: [kiln.nuke, "))
    assert [(d.line, d.message) for d in spec.diagnostics] == [
        (6, "unknown permission 'kiln.nuke'")]
    assert spec.code[0].first_line == 22


def test_the_sample_note_stats_plugin_is_valid_and_its_pure_test_passes_in_lua():
    root = Path(__file__).resolve().parent.parent / "sample_kiln"
    note_id = "plugins/note-stats.md"
    spec = load_spec(parse_note(note_id, (root / note_id).read_text(encoding="utf-8")),
                     file=root / note_id)
    assert spec.valid, [str(d) for d in spec.diagnostics]
    assert [t.name for t in spec.tools] == ["note_stats", "folder_stats"]
    assert spec.permissions == (Permission("kiln.read"),) and len(spec.tests) == 3
    import lupa.lua54

    lua = lupa.lua54.LuaRuntime()
    for chunk in spec.code + spec.tests[:1]:  # test 1 needs no host API
        lua.execute(chunk.source)
    assert lua.eval('count_words("a b — c")') == 3


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**12) | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8)
_KEYS = st.sampled_from(["name", "version", "description", "language", "permissions",
                         "requires", "limits", "tools", "tags", "generated_by", "created", "x"])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=6), st.sampled_from(["lua", "rune", "lua test"]))
def test_load_spec_never_raises_and_places_every_error(manifest, fence):
    text = ("---\n" + yaml.safe_dump({"type": "plugin", **manifest}, sort_keys=False)
            + f"---\n```{fence}\nx = 1\n```\n")
    note = parse_note("p.md", text)
    spec = load_spec(note)
    assert spec.valid == (not any(d.severity == "error" for d in spec.diagnostics))
    last_line = text.count("\n")
    assert all(1 <= d.line <= last_line and d.path == "p.md" for d in spec.diagnostics)
    assert spec.to_dict()["name"] == spec.name


def test_an_alias_bomb_in_a_plugin_manifest_is_reported_not_expanded():
    levels = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
                     for i in range(1, 12))
    text = f"---\ntype: plugin\nname: bomb\nl0: &l0 lol\n{levels}---\n```lua\nx = 1\n```\n"
    spec = spec_of(text)
    assert not spec.valid and spec.name == "bomb"
    assert "alias bomb" in spec.diagnostics[0].message
