"""Discovery over real folders: broken-plugin fixtures as data, sources, shadowing, requires."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiln_plugins.discovery import (PLUGIN_PATH_ENV, default_system_dir, default_user_dir,
                                    discover, plugin_path_env)
from kiln_plugins.errors import UsageError

FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "plugins_bad"
GOOD = FIXTURES / "plugins_good"
EXPECT = re.compile(r"<!-- expect: (\d+): (.*?) -->")


def plugin(name: str, *, version: str = "1.0.0", extra: str = "", code: str = "x = 1") -> str:
    """A small valid Lua plugin note."""
    return (f"---\ntype: plugin\nname: {name}\nversion: {version}\n{extra}---\n"
            f"```lua\n{code}\n```\n")


def write(folder: Path, relative: str, text: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def nowhere(tmp_path) -> dict:
    """Options that keep the person's real plugin folders out of a test."""
    return {"plugin_path": [], "user_dir": tmp_path / "no-user", "system_dir": tmp_path / "no-sys"}


@pytest.fixture(scope="module")
def fixture_set():
    return discover(None, plugin_path=[BAD, GOOD], user_dir=BAD / "missing",
                    system_dir=BAD / "missing")


def test_there_are_enough_broken_fixtures():
    files = sorted(BAD.glob("*.md"))
    assert len(files) >= 15
    assert all(EXPECT.search(f.read_text(encoding="utf-8")) for f in files)


@pytest.mark.parametrize("file", sorted(BAD.glob("*.md")), ids=lambda f: f.stem)
def test_broken_fixture_reports_exactly_its_expected_diagnostics(file, fixture_set):
    [spec] = [s for s in fixture_set.all if s.file == file]
    expected = sorted((int(line), message) for line, message in
                      EXPECT.findall(file.read_text(encoding="utf-8")))
    found = sorted((d.line, d.message) for d in spec.diagnostics if d.severity == "error")
    assert found == expected
    assert not spec.valid and spec.name not in fixture_set.active
    assert all(d.path == str(file) for d in spec.diagnostics)
    assert spec in fixture_set.invalid


def test_good_fixtures_are_all_active_and_broken_ones_never_stop_them(fixture_set):
    good = {s.name: s for s in fixture_set.all if s.file.parent == GOOD}
    assert sorted(good) == ["fetch-weather", "shout", "text-utils", "word-tools"]
    assert {n: s.valid for n, s in good.items()} == dict.fromkeys(good, True)
    assert sorted(fixture_set.active) == sorted(good)
    assert fixture_set.load_order("word-tools") == ["text-utils", "word-tools"]
    assert fixture_set.load_order("shout") == ["shout"]
    shout = fixture_set.get("shout")
    assert shout.language == "rune" and shout.version == "2.0.0-rc.1" and len(shout.tests) == 1
    weather = fixture_set.get("fetch-weather").to_dict()
    assert weather["generated_by"] == "claude-code"
    assert weather["permissions"] == ["kiln.read", "state", {"net": ["api.weather.example"]},
                                      {"fs.read": ["~/weather-cache"]}]


def test_plugin_set_diagnostics_collect_every_plugins_problems(fixture_set):
    errors = [d for d in fixture_set.diagnostics if d.severity == "error"]
    expected = sum(len(EXPECT.findall(f.read_text(encoding="utf-8"))) for f in BAD.glob("*.md"))
    assert len(errors) == expected


def test_most_specific_source_wins_and_the_others_are_shadowed(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    user, system = tmp_path / "user", tmp_path / "system"
    write(first, "dice.md", plugin("dice", version="3.0.0"))
    write(second, "sub/dice.md", plugin("dice", version="2.0.0"))
    write(second, "coin.md", plugin("coin", version="2.0.0"))
    write(user, "coin.md", plugin("coin", version="1.5.0"))
    write(user, "only-user.md", plugin("only-user"))
    write(system, "dice.md", plugin("dice", version="1.0.0"))
    write(system, "std.md", plugin("std"))
    monkeypatch.setenv(PLUGIN_PATH_ENV, f"{first}::{second}")
    found = discover(None, user_dir=user, system_dir=system)

    assert {n: (s.version, s.source) for n, s in found.active.items()} == {
        "coin": ("2.0.0", "user"), "dice": ("3.0.0", "user"),
        "only-user": ("1.0.0", "user"), "std": ("1.0.0", "system")}
    assert sorted((s.name, s.version) for s in found.shadowed) == [
        ("coin", "1.5.0"), ("dice", "1.0.0"), ("dice", "2.0.0")]
    listing = found.to_dict()
    assert len(listing) == 7
    assert sorted((e["name"], e["version"]) for e in listing if e["shadowed"]) == [
        ("coin", "1.5.0"), ("dice", "1.0.0"), ("dice", "2.0.0")]
    entry = next(e for e in listing if e["version"] == "2.0.0" and e["name"] == "dice")
    assert entry["source"] == "user" and entry["path"] == str(second / "sub" / "dice.md")
    assert found.all[0].file == first / "dice.md"


def test_plugin_path_argument_overrides_the_environment(tmp_path, monkeypatch):
    env_dir, arg_dir = tmp_path / "env", tmp_path / "arg"
    write(env_dir, "a.md", plugin("from-env"))
    write(arg_dir, "a.md", plugin("from-arg"))
    monkeypatch.setenv(PLUGIN_PATH_ENV, str(env_dir))
    assert plugin_path_env() == [env_dir]
    options = {"user_dir": tmp_path / "u", "system_dir": tmp_path / "s"}
    assert list(discover(None, **options).active) == ["from-env"]
    assert list(discover(None, plugin_path=[arg_dir], **options).active) == ["from-arg"]
    assert list(discover(None, plugin_path=f"{arg_dir}:", **options).active) == ["from-arg"]
    monkeypatch.delenv(PLUGIN_PATH_ENV)
    assert plugin_path_env() == []


def test_a_broken_override_wins_and_is_reported_instead_of_falling_back(tmp_path, nowhere):
    user, system = tmp_path / "user", tmp_path / "system"
    write(user, "graph.md", plugin("graph", extra="permissions: [kiln.nuke]\n"))
    write(system, "graph.md", plugin("graph"))
    found = discover(None, plugin_path=[], user_dir=user, system_dir=system)
    assert "graph" not in found.active
    assert [s.source for s in found.invalid] == ["user"]
    assert [s.source for s in found.shadowed] == ["system"]


def test_two_plugins_of_one_name_in_one_folder(tmp_path, nowhere):
    folder = tmp_path / "p"
    write(folder, "a/x.md", plugin("same", version="1.0.0"))
    later = write(folder, "b/x.md", plugin("same", version="2.0.0"))
    found = discover(None, **{**nowhere, "plugin_path": [folder]})
    assert found.active["same"].version == "1.0.0"
    [bad] = found.invalid
    assert bad.file == later
    assert [(d.line, d.message) for d in bad.diagnostics] == [
        (3, f"duplicate plugin name 'same' (also {folder / 'a' / 'x.md'})")]


def test_folders_skip_dot_folders_and_plain_notes(tmp_path, nowhere):
    folder = tmp_path / "p"
    write(folder, ".git/hidden.md", plugin("hidden"))
    write(folder, ".trash/old.md", plugin("old"))
    write(folder, "notes/plain.md", "---\ntitle: Plain\n---\n```lua\nerror('never')\n```\n")
    write(folder, "keep.md", plugin("keep"))
    write(folder, "not-markdown.lua", "x = 1")
    found = discover(None, **{**nowhere, "plugin_path": [folder]})
    assert [s.name for s in found.all] == ["keep"] and found.diagnostics == []


def test_requirements_resolve_across_sources_and_order_the_code(tmp_path, nowhere):
    user, system = tmp_path / "user", tmp_path / "system"
    write(system, "base.md", plugin("base", version="1.4.0", code="function base() end"))
    write(user, "middle.md", plugin("middle", extra="requires: [base ^1.2]\n"))
    write(user, "top.md", plugin("top", extra="requires: [middle, 'base>=1.0, <2']\n"))
    found = discover(None, plugin_path=[], user_dir=user, system_dir=system)
    assert sorted(found.active) == ["base", "middle", "top"]
    assert found.load_order("top") == ["base", "middle", "top"]
    assert found.load_order("base") == ["base"]
    with pytest.raises(UsageError, match="unknown plugin 'nope'"):
        found.load_order("nope")


def test_a_requirement_failure_spreads_to_dependents_with_the_chain(tmp_path, nowhere):
    folder = tmp_path / "p"
    write(folder, "base.md", plugin("base", version="0.9.0"))
    write(folder, "middle.md", plugin("middle", extra="requires: [base>=1]\n"))
    write(folder, "top.md", plugin("top", extra="requires: [middle]\n"))
    write(folder, "free.md", plugin("free"))
    found = discover(None, **{**nowhere, "plugin_path": [folder]})
    assert sorted(found.active) == ["base", "free"]
    messages = {s.name: [d.message for d in s.diagnostics] for s in found.invalid}
    assert messages == {
        "middle": ["requires 'base>=1' but 'base' is version 0.9.0"],
        "top": ["requires 'middle', which cannot load: top -> middle -> base"]}


def test_default_folders(monkeypatch):
    monkeypatch.delenv("CRUCIBLE_CONFIG_DIR", raising=False)
    package = Path(__file__).resolve().parent.parent / "kiln_plugins"
    system = default_system_dir()
    bundled = package / "_stdlib"
    assert system == (bundled if bundled.is_dir() else package.parent / "stdlib")
    assert default_user_dir().parts[-2:] == ("crucible", "plugins")


def test_default_user_dir_follows_the_platform_config_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.delenv("CRUCIBLE_CONFIG_DIR", raising=False)
    monkeypatch.delenv(PLUGIN_PATH_ENV, raising=False)
    write(tmp_path / "cfg" / "crucible" / "plugins", "mine.md", plugin("mine"))
    found = discover(None, system_dir=tmp_path / "none")
    assert [(s.name, s.source) for s in found.all] == [("mine", "user")]


def test_crucible_config_dir_overrides_the_user_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CRUCIBLE_CONFIG_DIR", str(tmp_path / "conf"))
    write(tmp_path / "conf" / "plugins", "ours.md", plugin("ours"))
    found = discover(None, system_dir=tmp_path / "none")
    assert [(s.name, s.source) for s in found.all] == [("ours", "user")]


def test_kiln_plugins_come_from_the_index_and_win(tmp_path, nowhere):
    kiln = tmp_path / "kiln"
    write(kiln, "plugins/dice.md", plugin("dice", version="9.0.0", extra="tags: [plugin]\n"))
    write(kiln, "notes/a.md", "# A\n```lua\nerror('a plain note never runs')\n```\n")
    write(kiln, "notes/broken.md", "---\ntype: plugin\nname: [\n---\n")
    write(nowhere["system_dir"], "dice.md", plugin("dice"))
    found = discover(kiln, **nowhere)
    dice = found.active["dice"]
    assert (dice.source, dice.version, dice.note_id) == ("kiln", "9.0.0", "plugins/dice.md")
    assert dice.file == kiln / "plugins" / "dice.md"
    assert dice.code[0].path == "plugins/dice.md"
    assert [s.source for s in found.shadowed] == ["system"]
    [broken] = found.invalid
    assert broken.note_id == "notes/broken.md" and broken.diagnostics[0].path == "notes/broken.md"
    assert broken.to_dict()["path"] == "notes/broken.md"
