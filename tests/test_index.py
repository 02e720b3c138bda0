"""KilnIndex over real temp folders and a real SQLite cache: scanning, graph, incremental cache."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from kiln_plugins.errors import UsageError
from kiln_plugins.index import Changes, KilnIndex
from kiln_plugins.note import read_note

SAMPLE = Path(__file__).resolve().parents[1] / "sample_kiln"


# The sample kiln's campaign and research notes (other parts add plugins and their data notes
# to sample_kiln/, so the tests copy exactly these).
SAMPLE_NOTES = (Path(__file__).parent / "fixtures" / "index" / "sample_notes.txt").read_text(
    encoding="utf-8").split("\n")[:-1]


def copy_sample(root: Path) -> Path:
    """Copy the sample notes listed above into ``root``."""
    for note_id in SAMPLE_NOTES:
        (root / note_id).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE / note_id, root / note_id)
    return root


@pytest.fixture
def sample(tmp_path) -> Path:
    """A fresh copy of the sample kiln's own notes."""
    return copy_sample(tmp_path / "kiln")


def write(root: Path, note_id: str, text: str) -> Path:
    path = root / note_id
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def bump(path: Path, text: str) -> None:
    """Rewrite a file and move its mtime forward, so the change shows whatever the clock."""
    st = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_sample_kiln_graph(sample):
    with KilnIndex.open(sample) as ix:
        assert len(ix.notes) == 15 and "Campaign.md" in ix.notes
        g = ix.graph
        dangling = sorted(n for n, a in g.nodes(data=True) if a["dangling"])
        assert dangling == ["Eigenvector Centrality.md", "Session 03.md", "centrality-diagram.png"]
        keep = "Campaign/Places/The Drowned Keep.md"
        assert g.edges["Campaign.md", keep] == {"count": 2, "kinds": ("embed", "wikilink")}
        assert g.edges["Campaign/Sessions/Session 01.md", "Campaign/Sessions/Session 02.md"]["kinds"] \
            == ("markdown",)
        # a note and a folder of the same name both resolve
        assert ix.resolve("Campaign", "Home.md") == "Campaign.md"
        assert ix.resolve("Campaign/Sessions/Index", None) == "Campaign/Sessions/Index.md"
        # a duplicate stem: relative to the source first, else the shortest path (flagged)
        assert ix.resolve("Index", "Campaign/Sessions/Session 02.md") == "Campaign/Sessions/Index.md"
        hit = ix.resolve_link("Index", "Research/Concepts/Self-Attention.md")
        assert (hit.target_id, hit.ambiguous) == ("Research/Index.md", True)
        assert ix.outlinks("Home.md") == ["Campaign.md", "Campaign/Sessions/Index.md",
                                          "Research/Index.md", "Inbox.md"]
        assert ix.outlinks("Inbox.md") == ["Research/Concepts/Graph Centrality.md"]
        assert ix.backlinks("Research/Papers/PageRank.md") == [
            "Research/Concepts/Graph Centrality.md", "Research/Index.md",
            "Research/Papers/Attention Is All You Need.md"]
        assert ix.backlinks("missing.md") == [] and ix.outlinks("missing.md") == []
        assert ix.tags()["session"] == 3 and ix.tags()["research/graphs"] == 2
        assert ix.diagnostics == []
        assert ix.get("Campaign/NPCs/Captain Vex.md").aliases == ("Vex", "The Captain")
        assert ix.title("Research/Papers/PageRank.md").startswith("The PageRank Citation")


def test_scan_skips_hidden_foreign_and_escaping_files(tmp_path):
    root = tmp_path / "kiln"
    outside = tmp_path / "outside"
    write(outside, "secret.md", "# Secret")
    for hidden in (".git/x.md", ".obsidian/y.md", ".trash/z.md", ".crucible/w.md",
                   "sub/.hidden/q.md", "sub/.note.md.tmp-123.md"):
        write(root, hidden, "[[a]]")
    write(root, "a.md", "# A")
    write(root, "notes.txt", "[[a]]")
    write(root, "sub/b.MD", "[[a]]")
    os.symlink(outside / "secret.md", root / "escape.md")
    os.symlink(outside, root / "escape-dir")
    os.symlink(root / "a.md", root / "alias-of-a.md")
    os.symlink(root / "sub", root / "sub" / "loop")
    os.symlink(root / "nowhere.md", root / "broken.md")
    with KilnIndex.open(root) as ix:
        assert sorted(ix.notes) == ["a.md", "alias-of-a.md", "sub/b.MD"]
        assert ix.resolve("b", "a.md") == "sub/b.MD"


def test_unicode_paths_and_duplicate_stems(tmp_path):
    write(tmp_path, "Ünïcode/Café Ñandú.md", "# Café\n[[notes]] [[todo]]")
    write(tmp_path, "a/notes.md", "x")
    write(tmp_path, "bb/notes.md", "x")
    write(tmp_path, "x/y/todo.md", "x")
    write(tmp_path, "start.md", "[[café ñandú]] [[Ünïcode/Café Ñandú#Café]]")
    with KilnIndex.open(tmp_path) as ix:
        note = "Ünïcode/Café Ñandú.md"
        assert ix.outlinks("start.md") == [note]
        assert ix.graph.edges["start.md", note]["count"] == 2
        assert ix.outlinks(note) == ["a/notes.md", "x/y/todo.md"]
        assert ix.resolve_link("notes", note).ambiguous
        assert not ix.resolve_link("todo", note).ambiguous


def test_broken_notes_are_indexed_with_diagnostics(tmp_path):
    write(tmp_path, "bad.md", "---\ntitle: [oops\n---\n# Kept\n[[good]]")
    write(tmp_path, "good.md", "fine")
    (tmp_path / "bin.md").write_bytes(b"\x89PNG\x00\xff\xfe")
    for _ in range(2):  # cold, then warm from the cache: the same diagnostics
        with KilnIndex.open(tmp_path) as ix:
            assert [str(d) for d in ix.diagnostics] == [
                "bad.md:2: invalid frontmatter YAML: did not find expected ',' or ']'",
                "bin.md:1: note contains NUL bytes (binary file?); they were removed",
                "bin.md:1:1: not valid UTF-8 (byte 0x89); bad bytes replaced"]
            assert ix.get("bad.md").title == "Kept" and ix.outlinks("bad.md") == ["good.md"]


def test_warm_notes_equal_fresh_parses(sample):
    KilnIndex.open(sample).close()
    with KilnIndex.open(sample) as ix:
        assert ix.last_changes == Changes()
        for note_id in ix.notes:
            assert ix.notes[note_id] == read_note(sample, note_id), note_id


def test_touching_one_note_reparses_only_it(sample):
    with KilnIndex.open(sample) as ix:
        assert len(ix.last_changes.added) == 15
        g_before = ix.graph
        v = ix.version
    path = sample / "Inbox.md"
    bump(path, path.read_text(encoding="utf-8") + "\n[[PageRank]] #fresh\n")
    with KilnIndex.open(sample) as ix:
        assert ix.last_changes == Changes(changed=("Inbox.md",))
        assert "Research/Papers/PageRank.md" in ix.outlinks("Inbox.md")
        assert ix.tags()["fresh"] == 1
        assert ix.refresh() == Changes() and ix.version == v  # nothing new: version stays
    assert g_before.number_of_edges() > 0


def test_refresh_add_change_remove_and_graph_versions(sample):
    with KilnIndex.open(sample) as ix:
        v0, g0 = ix.version, ix.graph
        edges0 = set(g0.edges)
        bump(sample / "Home.md", "# Home\n[[Saltmarsh]] [[Nowhere Yet]]\n")
        assert ix.refresh() == Changes(changed=("Home.md",))
        assert ix.version == v0 + 1
        g1 = ix.graph  # updated in place for an edit
        assert ix.outlinks("Home.md") == ["Campaign/Places/Saltmarsh.md"]
        assert g1.nodes["Nowhere Yet.md"]["dangling"] and "Inbox.md" not in set(g1.successors("Home.md"))
        write(sample, "Nowhere Yet.md", "now here")
        (sample / "Inbox.md").unlink()
        assert ix.refresh() == Changes(added=("Nowhere Yet.md",), removed=("Inbox.md",))
        g2 = ix.graph
        assert not g2.nodes["Nowhere Yet.md"]["dangling"] and "Inbox.md" not in g2
        assert ix.get("Inbox.md") is None and "Inbox.md" not in ix.notes
        with KilnIndex.open(sample) as fresh:  # incremental state equals a fresh index
            assert sorted(fresh.graph.edges(data=True)) == sorted(g2.edges(data=True))
            assert dict(fresh.graph.nodes(data=True)) == dict(g2.nodes(data=True))
    assert edges0


def test_update_paths_after_host_writes(sample):
    with KilnIndex.open(sample) as ix:
        v = ix.version
        write(sample, "New/Idea.md", "# Idea\n[[Home]]")
        assert ix.update_paths(["New/Idea.md"]) == Changes(added=("New/Idea.md",))
        assert ix.version == v + 1 and ix.backlinks("Home.md") == ["New/Idea.md"]
        (sample / "New/Idea.md").unlink()
        assert ix.update_paths(["New/Idea.md", "never-existed.md"]) == Changes(removed=("New/Idea.md",))
        assert ix.backlinks("Home.md") == []


def test_cache_rebuilt_when_deleted_corrupt_or_old(sample):
    KilnIndex.open(sample).close()
    db = sample / ".crucible" / "cache.db"
    assert db.exists() and "cache.db" in (sample / ".crucible" / ".gitignore").read_text().split()
    for wal in ("cache.db-wal", "cache.db-shm"):
        (sample / ".crucible" / wal).unlink(missing_ok=True)
    db.unlink()
    with KilnIndex.open(sample) as ix:
        assert len(ix.last_changes.added) == 15 and db.exists()
    for wal in ("cache.db-wal", "cache.db-shm"):
        (sample / ".crucible" / wal).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    with KilnIndex.open(sample) as ix:
        assert len(ix.last_changes.added) == 15 and ix.search("Saltmarsh")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with KilnIndex.open(sample) as ix:
        assert len(ix.last_changes.added) == 15
    with KilnIndex.open(sample) as ix:
        assert ix.last_changes == Changes()


def test_progress_reports_parsing(sample):
    calls = []
    KilnIndex.open(sample, progress=lambda done, total: calls.append((done, total))).close()
    assert calls[0] == (0, 15) and calls[-1] == (15, 15)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_plugin_ids_include_broken_plugins(tmp_path):
    write(tmp_path, "plugins/ok.md", "---\ntype: plugin\nname: ok\n---\n")
    write(tmp_path, "plugins/broken.md", "---\ntype: plugin\nname: [x\n---\n")
    write(tmp_path, "plain.md", "---\ntype: note\n---\n")
    with KilnIndex.open(tmp_path) as ix:
        assert ix.plugin_ids() == ["plugins/broken.md", "plugins/ok.md"]
        assert ix.notes["plugins/broken.md"].is_plugin


def test_read_only_kiln_keeps_cache_in_memory(tmp_path):
    write(tmp_path, "a.md", "[[b]]")
    write(tmp_path, "b.md", "text about ravens")
    os.chmod(tmp_path, 0o555)
    try:
        if os.access(tmp_path, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with KilnIndex.open(tmp_path) as ix:
            assert ix.outlinks("a.md") == ["b.md"] and ix.search("ravens")[0].path == "b.md"
    finally:
        os.chmod(tmp_path, 0o755)


def test_missing_kiln_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="kiln folder not found"):
        KilnIndex.open(tmp_path / "nope")


def test_damaged_cache_rows_fall_back_to_the_files(sample):
    KilnIndex.open(sample).close()
    conn = sqlite3.connect(sample / ".crucible" / "cache.db")
    conn.execute("UPDATE notes SET data = 'not json', links = '[[1' WHERE id = 'Home.md'")
    conn.commit()
    conn.close()
    with KilnIndex.open(sample) as ix:
        assert ix.last_changes == Changes()
        assert ix.notes["Home.md"] == read_note(sample, "Home.md")
        assert "Inbox.md" in ix.outlinks("Home.md")
    conn = sqlite3.connect(sample / ".crucible" / "cache.db")
    conn.execute("UPDATE notes SET diags = '{bad' WHERE id = 'Home.md'")
    conn.commit()
    conn.close()
    with KilnIndex.open(sample) as ix:
        assert len(ix.last_changes.added) == 15 and ix.diagnostics == []


def test_update_paths_follows_the_scanner_rules(tmp_path):
    root = tmp_path / "kiln"
    write(root, "a.md", "# A")
    write(tmp_path / "outside", "x.md", "# X")
    os.symlink(tmp_path / "outside" / "x.md", root / "escape.md")
    os.symlink(root, root / "self")
    write(root, ".hidden/h.md", "# H")
    with KilnIndex.open(root) as ix:
        assert ix.update_paths(["escape.md", "self/a.md", ".hidden/h.md", "../outside/x.md"]) == Changes()
        assert sorted(ix.notes) == ["a.md"]


def test_two_indexes_share_one_cache(sample):
    with KilnIndex.open(sample) as first, KilnIndex.open(sample) as second:
        bump(sample / "Home.md", "# Home\nnow about [[Saltmarsh]] and quokkas\n")
        assert first.refresh() == Changes(changed=("Home.md",))
        assert second.refresh() == Changes(changed=("Home.md",))
        assert [h.path for h in first.search("quokkas")] == ["Home.md"]
        assert [h.path for h in second.search("quokkas")] == ["Home.md"]
