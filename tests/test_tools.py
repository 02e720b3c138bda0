"""The ToolRegistry with built-in tools: schemas, validation, transactions, audit."""

from __future__ import annotations

import pytest

from kiln_plugins.errors import ApprovalRequired, KilnError, ToolArgumentError, UsageError
from kiln_plugins.kiln import Kiln
from tests.conftest import write_note

BUILTINS = {"read_note", "create_note", "update_note", "delete_note", "list_notes", "read_metadata",
            "text_search", "property_search", "get_kiln_info", "outlinks", "backlinks"}


@pytest.fixture
def kiln(tmp_path):
    write_note(tmp_path, "a.md", "---\ntags: [x]\nstatus: open\n---\n# A\nlinks to [[b]] and [[missing]]\n")
    write_note(tmp_path, "b.md", "# B\nback to [[a]]\n")
    write_note(tmp_path, "sub/c.md", "---\nstatus: [done, open]\n---\nC text about dragons\n")
    with Kiln.open(tmp_path) as k:
        yield k


def test_every_builtin_tool_is_listed_with_a_schema_and_annotations(kiln):
    tools = {t.name: t for t in kiln.registry.tools()}
    assert BUILTINS <= set(tools)
    for name in BUILTINS:
        t = tools[name]
        assert t.input_schema["type"] == "object"
        assert t.plugin is None
        assert set(t.annotations) >= {"readOnlyHint", "destructiveHint"}
    assert tools["read_note"].annotations["readOnlyHint"] is True
    assert tools["delete_note"].annotations == {"readOnlyHint": False, "destructiveHint": True, "openWorldHint": False}
    assert tools["create_note"].annotations["destructiveHint"] is False


def test_bad_arguments_name_the_field(kiln):
    with pytest.raises(ToolArgumentError, match=r"read_note: invalid argument path: 5 is not of type 'string'"):
        kiln.registry.call("read_note", {"path": 5})
    with pytest.raises(ToolArgumentError, match=r"'path' is a required property"):
        kiln.registry.call("read_note", {})
    with pytest.raises(ToolArgumentError, match="Additional properties"):
        kiln.registry.call("read_note", {"path": "a.md", "evil": 1})


def test_unknown_tool_suggests_close_names(kiln):
    with pytest.raises(UsageError, match=r"unknown tool 'read_notes' \(did you mean read_note"):
        kiln.registry.call("read_notes", {})


def test_read_tools(kiln):
    r = kiln.registry.call("read_note", {"path": "a.md", "start_line": 5, "end_line": 5})
    assert r == {"path": "a.md", "content": "# A", "total_lines": 7, "lines_returned": 1}
    assert kiln.registry.call("read_note", {"path": "b"})["path"] == "b.md"  # resolved like a link
    assert [n["path"] for n in kiln.registry.call("outlinks", {"path": "a.md"})] == ["b.md", "missing.md"]
    assert [n["path"] for n in kiln.registry.call("backlinks", {"path": "a.md"})] == ["b.md"]
    assert [n["path"] for n in kiln.registry.call("property_search", {"properties": {"status": "open"}})] == ["a.md", "sub/c.md"]
    assert [n["path"] for n in kiln.registry.call("list_notes", {"folder": "sub"})] == ["sub/c.md"]
    meta = kiln.registry.call("read_metadata", {"path": "a.md"})
    assert meta["frontmatter"] == {"tags": ["x"], "status": "open"} and meta["stats"]["heading_count"] == 1
    hits = kiln.registry.call("text_search", {"query": "dragons"})
    assert [h["path"] for h in hits] == ["sub/c.md"]
    info = kiln.registry.call("get_kiln_info", {})
    assert info["notes"] == 3


def test_missing_note_is_a_clear_error(kiln):
    with pytest.raises(KilnError, match="note not found: 'nope.md'"):
        kiln.registry.call("read_note", {"path": "nope.md"})


def test_cli_writes_apply_atomically_and_update_the_index(kiln, tmp_path):
    kiln.registry.call("create_note", {"path": "new/n.md", "content": "hello [[a]]", "frontmatter": {"tags": ["t"]}})
    assert (tmp_path / "new/n.md").read_text() == "---\ntags:\n- t\n---\nhello [[a]]"
    assert "new/n.md" in kiln.index.notes
    assert "new/n.md" in [n["path"] for n in kiln.registry.call("backlinks", {"path": "a.md"})]
    with pytest.raises(KilnError, match="already exists"):
        kiln.registry.call("create_note", {"path": "new/n.md", "content": "x"})
    kiln.registry.call("delete_note", {"path": "new/n.md"})
    assert not (tmp_path / "new/n.md").exists()


@pytest.mark.parametrize("path", ["../escape.md", "/etc/passwd.md", ".crucible/x.md", "x.txt", "a/../../x.md"])
def test_builtin_writes_are_confined(kiln, tmp_path, path):
    with pytest.raises(KilnError):
        kiln.registry.call("create_note", {"path": path, "content": "x"})
    assert not (tmp_path.parent / "escape.md").exists()


def test_agents_need_approval_to_write_through_builtins(kiln, tmp_path):
    with pytest.raises(ApprovalRequired, match=r"cru plugins approve builtin --capability kiln.write"):
        kiln.registry.call("create_note", {"path": "agent.md", "content": "x"}, caller="mcp")
    assert not (tmp_path / "agent.md").exists()
    assert kiln.registry.call("read_note", {"path": "a.md"}, caller="mcp")["path"] == "a.md"


def test_every_call_is_audited(kiln):
    kiln.registry.call("get_kiln_info", {})
    with pytest.raises(KilnError):
        kiln.registry.call("read_note", {"path": "nope.md"})
    kiln.state.audit.flush()
    rows = kiln.state.audit.query(limit=10)
    assert [(r["tool"], r["outcome"]) for r in rows][:2] == [("read_note", "error"), ("get_kiln_info", "ok")]
    assert rows[0]["capabilities"] == [{"capability": "kiln.read", "function": "read_note", "granted": True, "count": 1}]
