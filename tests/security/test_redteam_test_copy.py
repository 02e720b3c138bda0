"""Red team: plugin test fences, which run with kiln.write and state free in a throwaway copy.

The copy must really be separate: symlinks planted in the kiln must not lead test code back to
the person's files, and ``net`` must still need the person's approval there.
"""

from __future__ import annotations

import os

import pytest

from kiln_plugins.errors import CapabilityError
from kiln_plugins.kiln import Kiln
from kiln_plugins.plugin_tests import run_plugin_tests, throwaway_kiln
from tests.conftest import write_note
from tests.plugin_helpers import add_plugin

pytest.importorskip("kiln_plugins.sandbox.lua_runtime")


@pytest.fixture
def root(tmp_path):
    kiln = tmp_path / "kiln"
    write_note(kiln, "a.md", "# A\noriginal\n")
    write_note(kiln, "sub/b.md", "# B\noriginal\n")
    return kiln


def run_tests(root, name, code, test, permissions=("kiln.read", "kiln.write", "state")):
    add_plugin(root, name, code, permissions=list(permissions), tests=[test])
    with throwaway_kiln(root) as copy:
        return run_plugin_tests(copy, copy.plugins.get(name))


def untouched(root):
    assert (root / "a.md").read_text() == "# A\noriginal\n"
    assert (root / "sub/b.md").read_text() == "# B\noriginal\n"


def test_test_code_writes_only_the_copy(root):
    results = run_tests(root, "t", "function run(a) end", '''
kiln.write("a.md", "defaced")
kiln.delete("sub/b.md")
state.set("k", "v")
assert_eq(kiln.read("a.md").content, "defaced")''')
    assert [r.passed for r in results] == [True], results
    untouched(root)
    with Kiln.open(root) as kiln:
        assert kiln.state.keys("t") == []


def test_absolute_file_symlink_back_to_the_real_kiln_is_not_written_through(root):
    os.symlink(root / "a.md", root / "alias.md")
    results = run_tests(root, "t", "function run(a) end", 'kiln.write("alias.md", "through the link")')
    assert not results[0].passed
    assert "symlink" in results[0].message
    untouched(root)


def test_absolute_folder_symlink_back_to_the_real_kiln_is_not_written_through(root):
    os.symlink(root / "sub", root / "mirror")
    results = run_tests(root, "t", "function run(a) end", 'kiln.write("mirror/b.md", "through the link")')
    assert not results[0].passed
    assert "symlink" in results[0].message
    untouched(root)


def test_plugins_write_is_not_free_in_the_copy(root):
    results = run_tests(root, "t", "function run(a) end",
                        'kiln.write("plugins/evil.md", "x", {type = "plugin", name = "evil"})')
    assert not results[0].passed
    assert "plugins.write" in results[0].message
    assert not (root / "plugins/evil.md").exists()


def test_net_still_needs_approval_in_the_copy(root):
    results = run_tests(root, "t", "function run(a) end", 'http.get("http://127.0.0.1:9/")',
                        permissions=("kiln.read", {"net": ["127.0.0.1"]}))
    assert not results[0].passed
    assert "needs approval for 'net'" in results[0].message


def test_nested_tool_calls_from_a_test_stay_in_the_copy(root):
    add_plugin(root, "writer", 'function write_it(a) kiln.write("a.md", "via tool") return 1 end',
               permissions=["kiln.write"], tools={"write_it": {"description": "x", "parameters": {"type": "object"}}})
    results = run_tests(root, "t", "function run(a) end",
                        'assert_eq(tools.call("write_it", {}), 1)\nassert_eq(kiln.read("a.md").content, "via tool")',
                        permissions=("kiln.read", "tools.call"))
    assert [r.passed for r in results] == [True], results
    untouched(root)


def test_the_copy_has_no_dot_folders_of_the_kiln(root):
    write_note(root, ".git/config.md", "secret")
    write_note(root, ".crucible/config.toml", "[audit]\nretention = 500000\n")
    with throwaway_kiln(root) as copy:
        assert not (copy.root / ".git").exists()
        assert copy.settings.audit_retention == 100_000
        assert copy.root.resolve() != root.resolve()
        assert not (copy.root / ".crucible" / "config.toml").exists()


@pytest.mark.parametrize("note_id", ["../escape.md", "/abs.md", "a/../../escape.md", ".hidden/x.md"])
def test_extra_notes_of_a_throwaway_copy_stay_inside_it(root, tmp_path, note_id):
    with pytest.raises(CapabilityError):
        with throwaway_kiln(root, extra_notes={note_id: "---\ntype: plugin\n---\n"}):
            pass
    assert sorted(p.name for p in tmp_path.rglob("*.md")) == ["a.md", "b.md"]


def test_net_approved_in_the_real_kiln_is_not_lent_to_test_fences(root):
    # An approval covers a plugin's manifest and code, not its test fences: an edited test (or an
    # agent's note under test that copies an approved plugin's code) must not reach approved
    # hosts with the copy's notes. Nothing is listening on the port: the approval check comes first.
    test = 'http.get("http://127.0.0.1:9/")'
    add_plugin(root, "pinger", "function run(a) end", permissions=[{"net": ["127.0.0.1"]}], tests=[test])
    with Kiln.open(root) as kiln:
        kiln.approve("pinger")
    with throwaway_kiln(root) as copy:
        results = run_plugin_tests(copy, copy.plugins.get("pinger"))
    assert not results[0].passed and "needs approval for 'net'" in results[0].message
    from kiln_plugins.agent_tools import run_agent_tool

    with Kiln.open(root) as kiln:
        report = run_agent_tool(kiln, "test_plugin", {"note": (root / "plugins/pinger.md").read_text()}, client="x")
        assert report["ok"] is False and "needs approval for 'net'" in " ".join(report["lines"])
