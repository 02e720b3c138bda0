"""Every host-side door a plugin note can knock on: capabilities, approvals, writes, state.

Each test asserts the specific error and that the host still works afterwards.
"""

from __future__ import annotations

import os
import sqlite3

import pytest

from kiln_plugins.errors import ApprovalRequired, CapabilityError, KilnError, LimitExceeded
from kiln_plugins.kiln import Kiln
from tests.conftest import write_note
from tests.plugin_helpers import add_plugin

pytest.importorskip("kiln_plugins.sandbox.lua_runtime")


@pytest.fixture
def root(tmp_path):
    kiln = tmp_path / "kiln"
    write_note(kiln, "a.md", "# A\nhello [[b]]\n")
    write_note(kiln, "b.md", "# B\n")
    return kiln


def open_kiln(root):
    return Kiln.open(root)


def still_works(kiln):
    assert kiln.registry.call("read_note", {"path": "a.md"})["path"] == "a.md"


def test_undeclared_capability_fails_at_once_and_is_audited(root):
    add_plugin(root, "sneaky", 'function run(a) kiln.write("x.md", "pwned") return 1 end')
    with open_kiln(root) as kiln:
        with pytest.raises(CapabilityError, match="plugin 'sneaky' used capability 'kiln.write' without declaring it"):
            kiln.registry.call("run", {})
        assert not (root / "x.md").exists()
        kiln.state.audit.flush()
        row = kiln.state.audit.query(plugin="sneaky", limit=1)[0]
        assert row["outcome"] == "denied"
        assert row["capabilities"] == [{"capability": "kiln.write", "function": "kiln.write", "granted": False, "count": 1}]
        still_works(kiln)


def test_undeclared_capability_cannot_be_swallowed_by_pcall(root):
    add_plugin(root, "sneaky", '''
function run(a)
  local ok, err = pcall(kiln.write, "x.md", "pwned")
  state.set("k", 1)
  return {ok = ok}
end''')
    with open_kiln(root) as kiln:
        with pytest.raises(CapabilityError):
            kiln.registry.call("run", {})
        assert not (root / "x.md").exists()


def test_undeclared_state_and_tools_call(root):
    add_plugin(root, "nostate", 'function run(a) state.set("k", 1) end')
    add_plugin(root, "notools", 'function run2(a) return tools.call("read_note", {path = "a.md"}) end',
               tools={"run2": {"description": "x", "parameters": {"type": "object"}}})
    with open_kiln(root) as kiln:
        with pytest.raises(CapabilityError, match="'state' without declaring"):
            kiln.registry.call("run", {})
        with pytest.raises(CapabilityError, match="'tools.call' without declaring"):
            kiln.registry.call("run2", {})
        still_works(kiln)


def test_risky_capability_needs_approval_with_the_command(root):
    add_plugin(root, "writer", 'function run(a) kiln.write("out.md", "hi") return "ok" end',
               permissions=["kiln.read", "kiln.write"])
    with open_kiln(root) as kiln:
        with pytest.raises(ApprovalRequired) as e:
            kiln.registry.call("run", {})
        assert e.value.exit_code == 3
        assert "cru plugins approve writer --capability kiln.write" in str(e.value)
        assert not (root / "out.md").exists()
        spec = kiln.plugins.get("writer")
        kiln.approve("writer", "kiln.write")
        assert kiln.registry.call("run", {}) == "ok"
        assert (root / "out.md").read_text() == "hi"


def test_edit_after_approval_is_denied_until_reapproved(root):
    path = add_plugin(root, "writer", 'function run(a) kiln.write("out.md", "v1") return 1 end',
                      permissions=["kiln.write"])
    with open_kiln(root) as kiln:
        kiln.approve("writer", "kiln.write")
        assert kiln.registry.call("run", {}) == 1
    path.write_text(path.read_text().replace('"v1"', '"v2"'))
    with open_kiln(root) as kiln:
        with pytest.raises(ApprovalRequired):
            kiln.registry.call("run", {})
        assert (root / "out.md").read_text() == "v1"


def test_approvals_are_not_in_the_kiln_and_a_plugin_cannot_approve_itself(root):
    add_plugin(root, "selfapprove", '''
function run(a)
  kiln.write(".crucible/approvals.md", "x")
end''', permissions=["kiln.write"])
    with open_kiln(root) as kiln:
        kiln.approve("selfapprove", "kiln.write")
        with pytest.raises(CapabilityError):
            kiln.registry.call("run", {})
        # The approval store lives in the user data folder, not the kiln.
        assert not any(p.name.startswith("approval") for p in root.rglob("*"))
        assert str(root) not in str(kiln.approvals.path if hasattr(kiln.approvals, "path") else "")
        still_works(kiln)


@pytest.mark.parametrize("target", ["../escape.md", "/tmp/abs.md", "sub/../../escape.md", "notes.txt",
                                    ".git/config.md", "a.md\0.md", "C:\\x.md"])
def test_kiln_write_is_confined(root, target):
    add_plugin(root, "w", 'function run(a) kiln.write(a.p, "x") end', permissions=["kiln.write"],
               tools={"run": {"description": "x", "parameters": {"type": "object", "properties": {"p": {"type": "string"}}}}})
    with open_kiln(root) as kiln:
        kiln.approve("w", "kiln.write")
        with pytest.raises(KilnError):
            kiln.registry.call("run", {"p": target})
        assert not (root.parent / "escape.md").exists()
        still_works(kiln)


def test_kiln_write_through_a_symlinked_folder_is_refused(root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / "link")
    add_plugin(root, "w", 'function run(a) kiln.write("link/x.md", "x") end', permissions=["kiln.write"])
    with open_kiln(root) as kiln:
        kiln.approve("w", "kiln.write")
        with pytest.raises(KilnError):
            kiln.registry.call("run", {})
        assert list(outside.iterdir()) == []


def test_oversized_write_hits_write_mb(root):
    add_plugin(root, "big", 'function run(a) kiln.write("big.md", string.rep("x", 2 * 1024 * 1024)) end',
               permissions=["kiln.write"], limits={"write_mb": 1})
    with open_kiln(root) as kiln:
        kiln.approve("big", "kiln.write")
        with pytest.raises(LimitExceeded, match="write_mb"):
            kiln.registry.call("run", {})
        assert not (root / "big.md").exists()


def test_a_failing_call_leaves_state_and_notes_as_before(root):
    add_plugin(root, "tx", '''
function run(a)
  state.set("count", (state.get("count") or 0) + 1)
  kiln.write("tx.md", "written")
  if a.fail then error("boom") end
  return state.get("count")
end''', permissions=["kiln.write", "state"],
               tools={"run": {"description": "x", "parameters": {"type": "object", "properties": {"fail": {"type": "boolean"}}}}})
    with open_kiln(root) as kiln:
        kiln.approve("tx", "kiln.write")
        assert kiln.registry.call("run", {}) == 1
        (root / "tx.md").write_text("before")
        with pytest.raises(KilnError, match="boom"):
            kiln.registry.call("run", {"fail": True})
        assert (root / "tx.md").read_text() == "before"
        with kiln.state.transaction("tx") as txn:
            assert txn.get("count") == 1


def test_state_does_not_cross_plugins(root):
    add_plugin(root, "p1", 'function run(a) state.set("secret", "p1") return state.keys() end', permissions=["state"])
    add_plugin(root, "p2", 'function peek(a) return {v = state.get("secret"), keys = state.keys()} end',
               permissions=["state"], tools={"peek": {"description": "x", "parameters": {"type": "object"}}})
    with open_kiln(root) as kiln:
        kiln.registry.call("run", {})
        assert kiln.registry.call("peek", {}) in ({"keys": []}, {"keys": {}}, {"v": None, "keys": []})


def test_net_only_to_declared_hosts(root):
    add_plugin(root, "net", 'function run(a) return http.get("http://example.invalid/") end',
               permissions=[{"net": ["127.0.0.1"]}])
    with open_kiln(root) as kiln:
        kiln.approve("net", "net")
        with pytest.raises(CapabilityError, match="host 'example.invalid' is not in this plugin's net permission"):
            kiln.registry.call("run", {})
        still_works(kiln)


def test_state_db_is_the_persons_data_and_survives_cache_deletion(root):
    add_plugin(root, "s", 'function run(a) state.set("k", "v") end', permissions=["state"])
    with open_kiln(root) as kiln:
        kiln.registry.call("run", {})
    (root / ".crucible" / "cache.db").unlink()
    with open_kiln(root) as kiln:
        with kiln.state.transaction("s") as txn:
            assert txn.get("k") == "v"
    con = sqlite3.connect(root / ".crucible" / "state.db")
    assert con.execute("select count(*) from audit").fetchone()[0] >= 1


def test_writing_a_plugin_note_needs_plugins_write(root):
    add_plugin(root, "breeder", '''
function run(a)
  kiln.write("plugins/child.md", "evil", {type = "plugin", name = "child"})
end''', permissions=["kiln.write"])
    add_plugin(root, "editor", 'function run2(a) kiln.write("plugins/breeder.md", "---\\ntype: plugin\\n---\\n") end',
               permissions=["kiln.write"], tools={"run2": {"description": "x", "parameters": {"type": "object"}}})
    add_plugin(root, "remover", 'function run3(a) kiln.delete("plugins/breeder.md") end',
               permissions=["kiln.write"], tools={"run3": {"description": "x", "parameters": {"type": "object"}}})
    with open_kiln(root) as kiln:
        for name in ("breeder", "editor", "remover"):
            kiln.approve(name)
        for tool in ("run", "run2", "run3"):
            with pytest.raises(CapabilityError, match="'plugins.write' without declaring"):
                kiln.registry.call(tool, {})
        assert not (root / "plugins/child.md").exists()
        assert "function run(a)" in (root / "plugins/breeder.md").read_text()


def test_agents_cannot_create_plugin_notes_through_builtins_without_approval(root):
    with open_kiln(root) as kiln:
        kiln.approvals.grant(kiln.root, "builtin", "kiln.write", "builtin")
        with pytest.raises(ApprovalRequired, match="plugins.write"):
            kiln.registry.call("create_note", {"path": "plugins/x.md", "content": "x",
                                               "frontmatter": {"type": "plugin", "name": "x"}}, caller="mcp")
        assert kiln.registry.call("create_note", {"path": "ok.md", "content": "x"}, caller="mcp")["created"]


def test_allow_once_lasts_one_call(root):
    add_plugin(root, "w", 'function run(a) kiln.write("once.md", "x") end', permissions=["kiln.write"])
    answers = []

    def approver(plugin, capability, detail):
        answers.append((plugin, capability))
        return "once"

    with Kiln.open(root, approver=approver) as kiln:
        kiln.registry.call("run", {})
        kiln.registry.call("run", {})
    assert answers == [("w", "kiln.write"), ("w", "kiln.write")]


def test_deny_from_the_prompt_is_exit_3_and_nothing_written(root):
    add_plugin(root, "w", 'function run(a) kiln.write("deny.md", "x") end', permissions=["kiln.write"])
    with Kiln.open(root, approver=lambda *a: "deny") as kiln:
        with pytest.raises(CapabilityError, match="denied by the user") as e:
            kiln.registry.call("run", {})
        assert e.value.exit_code == 3
    assert not (root / "deny.md").exists()


def test_the_approving_command_for_builtin_writes_over_mcp_exists(root, capsys):
    from kiln_plugins.cli import main

    with open_kiln(root) as kiln:
        with pytest.raises(ApprovalRequired) as e:
            kiln.registry.call("create_note", {"path": "m.md", "content": "x"}, caller="mcp")
    assert e.value.command == "cru plugins approve builtin --capability kiln.write"
    assert main(["--kiln", str(root), *e.value.command.split()[1:]]) == 0
    assert main(["--kiln", str(root), "plugins", "approve", "builtin", "--capability", "net"]) == 2
    capsys.readouterr()
    with open_kiln(root) as kiln:
        assert kiln.registry.call("create_note", {"path": "m.md", "content": "x"}, caller="mcp")["created"]
