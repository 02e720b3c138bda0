"""Plugin versions from git, against real repositories in temp folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kiln_plugins.cli import main
from kiln_plugins.gitinfo import note_history, note_version, repository_root
from tests.plugin_helpers import add_plugin

CODE = "function run(args) return {ok = true} end"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.org",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.org"}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "kiln"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "Home.md").write_text("# Home\n")
    add_plugin(root, "hello", CODE)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "add hello plugin")
    return root


def cru(capsys, root: Path, *argv: str):
    code = main(["--kiln", str(root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_outside_a_repository_there_is_no_version(tmp_path, capsys):
    add_plugin(tmp_path, "hello", CODE)
    assert repository_root(tmp_path) is None
    assert note_version(tmp_path / "plugins/hello.md") is None
    assert note_history(tmp_path / "plugins/hello.md") == []
    code, out, _ = cru(capsys, tmp_path, "plugins", "show", "hello", "--json")
    assert code == 0 and json.loads(out)["git"] is None
    code, _, err = cru(capsys, tmp_path, "plugins", "history", "hello")
    assert code == 2 and "not inside a git repository" in err


def test_show_gives_the_last_commit_and_local_changes(repo, capsys):
    head = git(repo, "rev-parse", "--short", "HEAD").strip()
    code, out, _ = cru(capsys, repo, "plugins", "show", "hello", "--json")
    info = json.loads(out)["git"]
    assert code == 0
    assert info["commit"]["short"] == head and info["commit"]["subject"] == "add hello plugin"
    assert info["commit"]["author"] == "Ada" and info["dirty"] is False and info["label"] == head
    code, out, _ = cru(capsys, repo, "plugins", "show", "hello")
    assert f"git: {head}" in out and "uncommitted changes" not in out

    note = repo / "plugins/hello.md"
    note.write_text(note.read_text() + "\nMore prose.\n")
    code, out, _ = cru(capsys, repo, "plugins", "show", "hello", "--json")
    assert json.loads(out)["git"]["dirty"] is True
    assert json.loads(out)["git"]["label"] == head + "+dirty"
    code, out, _ = cru(capsys, repo, "plugins", "show", "hello")
    assert "uncommitted changes" in out


def test_a_never_committed_plugin(repo, capsys):
    add_plugin(repo, "fresh", CODE)
    version = note_version(repo / "plugins/fresh.md")
    assert version.commit is None and version.dirty and not version.tracked
    assert version.label == "uncommitted"
    code, out, _ = cru(capsys, repo, "plugins", "history", "fresh")
    assert code == 0 and "never committed" in out


def test_history_lists_the_commits_that_changed_the_note_across_a_rename(repo, capsys):
    note = repo / "plugins/hello.md"
    note.write_text(note.read_text().replace("# hello", "# Hello, world"))
    git(repo, "commit", "-q", "-am", "reword hello")
    (repo / "Home.md").write_text("# Home\n\nUnrelated.\n")
    git(repo, "commit", "-q", "-am", "unrelated change")
    (repo / "tools").mkdir()
    git(repo, "mv", "plugins/hello.md", "tools/hello.md")
    git(repo, "commit", "-q", "-m", "move hello to tools/")

    subjects = [c.subject for c in note_history(repo / "tools/hello.md")]
    assert subjects == ["move hello to tools/", "reword hello", "add hello plugin"]
    code, out, _ = cru(capsys, repo, "plugins", "history", "hello", "--json")
    data = json.loads(out)
    assert code == 0 and data["path"] == "tools/hello.md" and data["dirty"] is False
    assert [c["subject"] for c in data["commits"]] == subjects
    assert [c["subject"] for c in json.loads(cru(capsys, repo, "plugins", "history", "hello", "--json",
                                                    "--limit", "1")[1])["commits"]] == subjects[:1]
    code, out, _ = cru(capsys, repo, "plugins", "history", "hello")
    assert "reword hello" in out and "unrelated change" not in out


def test_the_audit_log_records_the_commit(repo, capsys):
    head = git(repo, "rev-parse", "--short", "HEAD").strip()
    assert cru(capsys, repo, "run", "run")[0] == 0
    note = repo / "plugins/hello.md"
    note.write_text(note.read_text() + "\nEdited.\n")
    assert cru(capsys, repo, "run", "run")[0] == 0
    code, out, _ = cru(capsys, repo, "audit", "--json", "--plugin", "hello")
    rows = json.loads(out)
    assert sorted(r["commit"] for r in rows) == sorted([head, head + "+dirty"])


def test_git_settings_from_a_cloned_kiln_run_nothing(repo, capsys, tmp_path):
    marker = tmp_path / "fsmonitor-ran"
    hook = tmp_path / "monitor.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(hook))
    (repo / "plugins/hello.md").write_text((repo / "plugins/hello.md").read_text() + "\nx\n")
    assert note_version(repo / "plugins/hello.md").dirty
    assert cru(capsys, repo, "plugins", "show", "hello")[0] == 0
    assert not marker.exists()


def test_a_long_lived_kiln_sees_new_commits_and_edits(repo):
    from kiln_plugins.kiln import Kiln

    head = git(repo, "rev-parse", "--short", "HEAD").strip()
    with Kiln.open(repo) as kiln:
        assert kiln.plugin_commit("hello") == head
        assert kiln.plugin_commit("hello") == head  # cached: nothing changed
        note = repo / "plugins/hello.md"
        note.write_text(note.read_text() + "\nEdited.\n")
        assert kiln.plugin_commit("hello") == head + "+dirty"
        git(repo, "commit", "-q", "-am", "edit hello")
        new_head = git(repo, "rev-parse", "--short", "HEAD").strip()
        assert kiln.plugin_commit("hello") == new_head != head
        assert kiln.plugin_commit("no-such-plugin") is None
