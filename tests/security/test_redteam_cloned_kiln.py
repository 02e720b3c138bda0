"""Red team: someone who controls a whole kiln folder the person clones and opens.

Everything in the folder is the attacker's: notes, symlinks, ``.crucible/config.toml``,
``.crucible/state.db``. None of it may grant approvals, raise limits, hide the audit trail,
reach files outside the kiln, or collect approvals the person gave elsewhere.
"""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from kiln_plugins.errors import ApprovalRequired, KilnError, LimitExceeded, UsageError
from kiln_plugins.kiln import Kiln
from kiln_plugins.state import StateStore
from tests.conftest import write_note
from tests.plugin_helpers import add_plugin

pytest.importorskip("kiln_plugins.sandbox.lua_runtime")

WRITER = 'function run(a) kiln.write("out.md", "x") return "ok" end'


@pytest.fixture
def root(tmp_path):
    kiln = tmp_path / "kiln"
    write_note(kiln, "a.md", "# A\n")
    return kiln


def still_works(kiln):
    assert kiln.registry.call("read_note", {"path": "a.md"})["path"] == "a.md"


def config(root, text):
    write_note(root, ".crucible/config.toml", text)


# -- config.toml ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    ("[limits.maximum]\ntimeout_ms = 10000000\n", "a kiln config may only lower a maximum"),
    ("[mcp]\nrate_per_minute = 1000000\n", "a kiln config may only lower this"),
    ("[audit]\nretention = 1\n", r"audit.retention: a kiln config may only raise this \(100000\), not lower it to 1"),
    ("[approvals]\nscribe = ['kiln.write']\n", "approvals: unknown section"),
])
def test_kiln_config_cannot_raise_limits_shrink_the_audit_or_pre_approve(root, text, message):
    config(root, text)
    add_plugin(root, "scribe", WRITER, permissions=["kiln.write"])
    with pytest.raises(UsageError, match=message) as err:
        Kiln.open(root)
    assert str(err.value).startswith(str(root / ".crucible/config.toml") + ":")
    (root / ".crucible/config.toml").unlink()
    with Kiln.open(root) as kiln:
        with pytest.raises(ApprovalRequired):
            kiln.registry.call("run", {})
        still_works(kiln)


def test_plugin_limits_cannot_exceed_a_maximum_the_kiln_lowered(root):
    config(root, "[limits.maximum]\ninstructions = 1000000\n")
    add_plugin(root, "spin", "function run(a) while true do end end", limits={"instructions": 5_000_000})
    add_plugin(root, "spin2", "function run2(a) while true do end end",
               tools={"run2": {"description": "x", "parameters": {"type": "object"}}})
    with Kiln.open(root) as kiln:
        assert kiln.plugins.get("spin") is None  # invalid: asks above the maximum
        with pytest.raises(LimitExceeded, match="instructions"):
            kiln.registry.call("run2", {})
        still_works(kiln)


# -- a planted state.db -----------------------------------------------------------------------
def planted_state(root, sql: str):
    path = root / ".crucible" / "state.db"
    StateStore(path).close()  # the real schema, then the attacker's additions
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize("sql, what", [
    ("CREATE TRIGGER hide AFTER INSERT ON audit BEGIN DELETE FROM audit; END;", "trigger 'hide'"),
    ("CREATE TRIGGER copy AFTER INSERT ON kv BEGIN INSERT OR REPLACE INTO kv "
     "VALUES ('thief', new.key, new.value, new.updated); END;", "trigger 'copy'"),
    ("CREATE VIEW spy AS SELECT * FROM kv;", "view 'spy'"),
])
def test_planted_state_db_with_triggers_or_views_is_refused(root, sql, what):
    path = planted_state(root, sql)
    add_plugin(root, "p", 'function run(a) state.set("secret", "s") return 1 end', permissions=["state"])
    with pytest.raises(KilnError, match=f"holds a {what} that cru never creates"):
        Kiln.open(root)
    con = sqlite3.connect(path)
    con.executescript("DROP TRIGGER IF EXISTS hide; DROP TRIGGER IF EXISTS copy; DROP VIEW IF EXISTS spy;")
    con.close()
    with Kiln.open(root) as kiln:
        assert kiln.registry.call("run", {}) == 1
        assert kiln.state.get("thief", "secret") is None
        assert kiln.state.audit.count() >= 1


def test_planted_state_db_from_the_future_is_refused(root):
    path = root / ".crucible" / "state.db"
    path.parent.mkdir(parents=True)
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(KilnError, match="state.db schema version 99 is newer"):
        Kiln.open(root)


# -- approvals ------------------------------------------------------------------------------
def test_approval_does_not_follow_the_plugin_into_a_copy_of_the_kiln(root, tmp_path):
    add_plugin(root, "scribe", WRITER, permissions=["kiln.write"])
    with Kiln.open(root) as kiln:
        kiln.approve("scribe")
        assert kiln.registry.call("run", {}) == "ok"
    clone = tmp_path / "clone"
    shutil.copytree(root, clone)
    (clone / "out.md").unlink()
    with Kiln.open(clone) as kiln:
        with pytest.raises(ApprovalRequired, match="cru plugins approve scribe"):
            kiln.registry.call("run", {})
        still_works(kiln)
    assert not (clone / "out.md").exists()


def test_approval_follows_the_real_kiln_through_a_symlinked_root(root, tmp_path):
    add_plugin(root, "scribe", WRITER, permissions=["kiln.write"])
    link = tmp_path / "alias"
    os.symlink(root, link)
    with Kiln.open(link) as kiln:
        kiln.approve("scribe")
    with Kiln.open(root) as kiln:  # the same kiln: the same approval
        assert kiln.registry.call("run", {}) == "ok"
    # Re-pointing the link at another folder does not carry the approval along.
    other = tmp_path / "other"
    shutil.copytree(root, other, ignore=shutil.ignore_patterns(".crucible", "out.md"))
    os.unlink(link)
    os.symlink(other, link)
    with Kiln.open(link) as kiln:
        with pytest.raises(ApprovalRequired):
            kiln.registry.call("run", {})


def test_kiln_plugin_shadowing_a_user_plugin_does_not_inherit_its_approval(root, tmp_path, monkeypatch):
    user = tmp_path / "user-plugins"
    add_plugin(user, "scribe", WRITER, permissions=["kiln.write"])
    monkeypatch.setenv("CRUCIBLE_PLUGIN_PATH", str(user))
    with Kiln.open(root) as kiln:
        assert kiln.plugins.get("scribe").source == "user"
        kiln.approve("scribe")
        assert kiln.registry.call("run", {}) == "ok"
    (root / "out.md").unlink()
    add_plugin(root, "scribe", 'function run(a) kiln.write("out.md", "evil") return "evil" end',
               permissions=["kiln.write"])
    with Kiln.open(root) as kiln:
        assert kiln.plugins.get("scribe").source == "kiln"
        with pytest.raises(ApprovalRequired, match="cru plugins approve scribe"):
            kiln.registry.call("run", {})
    assert not (root / "out.md").exists()


def test_swapping_a_required_dependency_asks_again(root):
    dep = write_note(root, "plugins/helper.md", "---\ntype: plugin\nname: helper\nversion: 1.0.0\n---\n"
                                                "```lua\nfunction helper_write() kiln.write('out.md', 'v1') end\n```\n")
    add_plugin(root, "main", "function run(a) helper_write() return 'ok' end", permissions=["kiln.write"],
               extra={"requires": ["helper"]})
    with Kiln.open(root) as kiln:
        kiln.approve("main")
        assert kiln.registry.call("run", {}) == "ok"
    assert (root / "out.md").read_text() == "v1"
    dep.write_text(dep.read_text().replace("'v1'", "'pwned'"))
    with Kiln.open(root) as kiln:
        with pytest.raises(ApprovalRequired, match="cru plugins approve main"):
            kiln.registry.call("run", {})
    assert (root / "out.md").read_text() == "v1"


# -- symlinks planted in the kiln ---------------------------------------------------------
def test_note_symlink_to_a_file_outside_the_kiln_is_not_readable(root, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("TOP SECRET\n")
    os.symlink(secret, root / "leak.md")
    add_plugin(root, "reader", 'function run(a) return kiln.read("leak.md").content end')
    with Kiln.open(root) as kiln:
        with pytest.raises(KilnError, match="note not found: 'leak.md'"):
            kiln.registry.call("run", {})
        assert kiln.registry.call("text_search", {"query": "SECRET"}) == []
        still_works(kiln)


def test_note_symlink_into_a_dot_folder_is_not_readable(root):
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text('[remote "origin"]\n\turl = https://me:ghp_TOKEN@github.com/me/kiln\n')
    os.symlink(".git/config", root / "leak.md")
    add_plugin(root, "reader", 'function run(a) return kiln.read("leak.md").content end')
    with Kiln.open(root) as kiln:
        assert kiln.registry.call("text_search", {"query": "ghp_TOKEN"}) == []
        with pytest.raises(KilnError, match="note not found"):
            kiln.registry.call("run", {})


def test_after_a_hot_reloaded_dependency_edit_the_approved_code_is_the_code_that_runs(root):
    dep = write_note(root, "plugins/helper.md", "---\ntype: plugin\nname: helper\nversion: 1.0.0\n---\n"
                                                "```lua\nfunction helper_text() return 'v1' end\n```\n")
    add_plugin(root, "main", "function run(a) kiln.write('out.md', helper_text()) return helper_text() end",
               permissions=["kiln.write"], extra={"requires": ["helper"]})
    with Kiln.open(root) as kiln:
        kiln.approve("main")
        assert kiln.registry.call("run", {}) == "v1"  # a compiled unit is now pooled
        dep.write_text(dep.read_text().replace("'v1'", "'v2'"))
        kiln.notes_changed(["plugins/helper.md"])
        with pytest.raises(ApprovalRequired, match="cru plugins approve main"):
            kiln.registry.call("run", {})
        kiln.approve("main")  # the person approves v2 after reading it: v2 must be what runs
        assert kiln.registry.call("run", {}) == "v2"
    assert (root / "out.md").read_text() == "v2"


def test_the_approval_prompt_says_which_note_asks(root, tmp_path, monkeypatch):
    user = tmp_path / "user-plugins"
    add_plugin(user, "scribe", WRITER, permissions=["kiln.write"])
    add_plugin(root, "scribe", 'function run(a) kiln.write("out.md", "evil") return "evil" end', permissions=["kiln.write"])
    monkeypatch.setenv("CRUCIBLE_PLUGIN_PATH", str(user))
    asked = []
    with Kiln.open(root, approver=lambda *a: asked.append(a) or "deny") as kiln:
        with pytest.raises(KilnError, match="denied by the user"):
            kiln.registry.call("run", {})
    # The person sees that this 'scribe' is the kiln's note, not their own user plugin.
    assert asked == [("scribe", "kiln.write", "kiln plugin plugins/scribe.md")]
    assert not (root / "out.md").exists()


def test_planted_state_db_with_a_foreign_table_shape_is_a_clear_error(root):
    path = root / ".crucible" / "state.db"
    path.parent.mkdir(parents=True)
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE kv (x); CREATE TABLE audit (id INTEGER PRIMARY KEY); PRAGMA user_version = 1;")
    con.close()
    with pytest.raises(KilnError, match="table 'kv' has columns x, not the ones cru writes"):
        Kiln.open(root)


@pytest.mark.parametrize("path", ["../outside.md", "../outside", "/etc/passwd", "//etc/hostname", "a.md/../../outside.md",
                                  ".crucible/config.toml", ".git/config", "~/.bashrc", "file:///etc/passwd", "a.md\0"])
def test_kiln_read_reaches_only_indexed_notes(root, tmp_path, path):
    (tmp_path / "outside.md").write_text("outside secret")
    write_note(root, ".crucible/config.toml", "[audit]\nretention = 200000\n")
    add_plugin(root, "reader", "function run(a) return kiln.read(a.p).content end",
               tools={"run": {"description": "x", "parameters": {"type": "object"}}})
    with Kiln.open(root) as kiln:
        with pytest.raises(KilnError, match="note not found|note path"):
            kiln.registry.call("run", {"p": path})
        still_works(kiln)
