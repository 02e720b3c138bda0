"""Red team: files a cloned or unpacked kiln plants for cru itself, beside its notes.

Symlinked databases, a forged ``cache.db``, a ``plugins/`` folder linked elsewhere, Python
modules and a ``.git`` shipped with the kiln: none of it may make cru write outside the kiln,
run code other than the reviewed notes, or run code at all.
"""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from kiln_plugins.errors import KilnError, UsageError
from kiln_plugins.kiln import Kiln
from tests.conftest import write_note
from tests.plugin_helpers import add_plugin

pytest.importorskip("kiln_plugins.sandbox.lua_runtime")


@pytest.fixture
def root(tmp_path):
    kiln = tmp_path / "kiln"
    write_note(kiln, "a.md", "# A\n")
    return kiln


def still_works(kiln):
    assert kiln.registry.call("read_note", {"path": "a.md"})["path"] == "a.md"


def other_apps_database(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE bookmarks (url TEXT)")
    con.commit()
    con.close()


def schema_of(path):
    con = sqlite3.connect(path)
    try:
        return (sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master")),
                con.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        con.close()


@pytest.mark.parametrize("name", ["state.db", "cache.db", "state.db.locks"])
def test_a_symlinked_database_in_crucible_is_refused_and_its_target_untouched(root, tmp_path, name):
    victim = tmp_path / "other-app.sqlite"
    other_apps_database(victim)
    before = schema_of(victim)
    (root / ".crucible").mkdir()
    os.symlink(os.path.relpath(victim, root / ".crucible"), root / ".crucible" / name)
    with pytest.raises(KilnError, match=f"{name}: is a symlink .*remove the link"):
        Kiln.open(root)
    assert schema_of(victim) == before == (["bookmarks"], "delete")
    os.unlink(root / ".crucible" / name)
    with Kiln.open(root) as kiln:
        still_works(kiln)


def test_a_symlinked_crucible_folder_is_refused(root, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, root / ".crucible")
    with pytest.raises(KilnError, match=r"\.crucible: is a symlink"):
        Kiln.open(root)
    assert list(elsewhere.iterdir()) == []


# -- a planted cache.db (the kiln shipped as an archive keeps its files' mtimes) ---------------
HIDDEN_PLUGIN = """---
type: plugin
name: innocent
tools:
  run:
    description: x
---
```lua
function run(a) return "hidden code ran" end
```
"""


def plant_cache(root, note_id, fake_text):
    """Rewrite the cache row of ``note_id`` as ``fake_text`` with the real file's stamp."""
    from kiln_plugins.cache import Cache
    from kiln_plugins.note import parse_note

    st = (root / note_id).stat()
    with Kiln.open(root):
        pass  # builds .crucible/cache.db
    cache = Cache.open(root)
    cache.put([parse_note(note_id, fake_text, mtime_ns=st.st_mtime_ns, size=st.st_size)])
    cache.close()


def test_a_planted_cache_cannot_turn_a_plain_note_into_a_plugin(root):
    write_note(root, "innocent.md", "# Just a note\nNothing to run here.\n")
    plant_cache(root, "innocent.md", HIDDEN_PLUGIN)
    with Kiln.open(root) as kiln:
        assert kiln.plugins.get("innocent") is None
        with pytest.raises(UsageError, match="unknown tool 'run'"):
            kiln.registry.call("run", {})
        still_works(kiln)


def test_a_planted_cache_cannot_swap_a_plugins_code(root):
    add_plugin(root, "innocent", 'function run(a) return "reviewed code" end')
    plant_cache(root, "plugins/innocent.md", HIDDEN_PLUGIN)
    with Kiln.open(root) as kiln:
        assert kiln.registry.call("run", {}) == "reviewed code"
        assert "hidden code" not in "".join(c.source for c in kiln.plugins.get("innocent").code)


def test_a_planted_cache_cannot_change_what_a_note_says(root, tmp_path, monkeypatch):
    """A cache.db that arrives with the kiln (zip, clone of a repo that commits it) is foreign.

    The attacker builds the cache on their machine with forged text and ships it; the files keep
    their (mtime_ns, size). Only the owner token in this user's data folder tells them apart.
    """
    write_note(root, "orders.md", "# Orders\nPay invoice 1 to ACME.\n")
    victim_data = os.environ["CRUCIBLE_DATA_DIR"]
    monkeypatch.setenv("CRUCIBLE_DATA_DIR", str(tmp_path / "attacker-data"))
    plant_cache(root, "orders.md", "# Orders\nPay invoice 1 to EVIL.\n")
    monkeypatch.setenv("CRUCIBLE_DATA_DIR", victim_data)
    with Kiln.open(root) as kiln:
        assert "ACME" in kiln.registry.call("read_note", {"path": "orders.md"})["content"]
        assert kiln.registry.call("text_search", {"query": "EVIL"}) == []
        still_works(kiln)


def test_the_owners_own_cache_is_trusted_on_a_warm_start(root):
    write_note(root, "n.md", "# N\nhello\n")
    with Kiln.open(root):
        pass
    with Kiln.open(root) as kiln:
        assert not kiln.index.last_changes  # nothing re-parsed: the cache was ours


def test_plugins_install_does_not_follow_a_kiln_plugins_folder_linked_elsewhere(root, tmp_path, capsys):
    from kiln_plugins.cli import main

    elsewhere = tmp_path / "user-config-plugins"
    elsewhere.mkdir()
    os.symlink(elsewhere, root / "plugins")
    (root / ".crucible").mkdir(exist_ok=True)
    source = tmp_path / "hello.md"
    source.write_text("---\ntype: plugin\nname: hello\ntools:\n  hi:\n    description: x\n---\n"
                      "```lua\nfunction hi(a) return 1 end\n```\n")
    assert main(["--kiln", str(root), "plugins", "install", str(source)]) == 2
    assert "leads outside the kiln through a symlink" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


def test_plugins_new_does_not_write_through_a_planted_dangling_symlink(root, tmp_path):
    from kiln_plugins.errors import KilnError as Refused
    from kiln_plugins.templates import create_plugin

    outside = tmp_path / "outside" / "autostart.md"
    outside.parent.mkdir()
    (root / "plugins").mkdir()
    os.symlink(os.path.relpath(outside, root / "plugins"), root / "plugins" / "word-count.md")
    try:
        create_plugin(root, "word-count", "lua")
    except Refused:
        pass
    assert not outside.exists()


# -- code files shipped in the kiln --------------------------------------------------------
def test_python_files_in_the_kiln_never_run_in_the_worker_processes(root, tmp_path, monkeypatch):
    from kiln_plugins.workers import WorkerPool

    marker = tmp_path / "PWNED"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    for module in ("yaml.py", "lupa/__init__.py", "jsonschema/__init__.py", "kiln_plugins/__init__.py"):
        write_note(root, module, payload)
    monkeypatch.chdir(root)  # `cru mcp` started from inside the kiln, as agent clients often do
    with WorkerPool(".", size=1) as pool:
        assert pool.call("read_note", {"path": "a.md"})["path"] == "a.md"
    assert not marker.exists()


def _git(cwd, *args):
    import subprocess

    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_git_filters_of_a_shipped_repository_never_run(root, tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    marker = tmp_path / "PWNED"
    add_plugin(root, "p", "function run(a) return 1 end")
    _git(root, "init", "-q", ".")
    _git(root, "-c", "user.email=a@b", "-c", "user.name=a", "add", ".")
    _git(root, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "init")
    (root / ".gitattributes").write_text("*.md filter=evil\n")
    _git(root, "config", "filter.evil.clean", f"sh -c 'touch {marker}; cat'")
    os.utime(root / "plugins/p.md", (1e9, 1e9))  # extracted files' stamps differ from the index
    with Kiln.open(root) as kiln:
        assert kiln.registry.call("run", {}) == 1
    assert not marker.exists()
