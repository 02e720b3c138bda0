"""KilnWriter: staged, atomic note writes in a real temp folder."""

import os
from pathlib import Path

import pytest

from kiln_plugins.errors import KilnError, LimitExceeded
from kiln_plugins.kiln_writer import TEMP_PATTERN, KilnWriter, sweep_temp_files
from kiln_plugins.limits import MAX_NOTE_BYTES

MIB = 1024 * 1024


@pytest.fixture
def root(tmp_path):
    kiln = tmp_path / "kiln"
    kiln.mkdir()
    (kiln / "old.md").write_text("old text")
    return kiln


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_nothing_touches_disk_before_commit(root):
    txn = KilnWriter(root).transaction()
    txn.write("new/deep/note.md", "hello")
    txn.write("old.md", "replaced")
    assert files(root) == ["old.md"] and (root / "old.md").read_text() == "old text"
    assert txn.read("new/deep/note.md") == "hello" and txn.read("old.md") == "replaced"
    assert txn.staged_writes() == {"new/deep/note.md": "hello", "old.md": "replaced"}
    assert sorted(txn.commit()) == ["new/deep/note.md", "old.md"]
    assert (root / "new/deep/note.md").read_text() == "hello"
    assert (root / "old.md").read_text() == "replaced"
    assert files(root) == ["new/deep/note.md", "old.md"]  # no temp files left


def test_rollback_drops_everything(root):
    txn = KilnWriter(root).transaction()
    txn.write("a.md", "x")
    txn.delete("old.md")
    txn.rollback()
    assert files(root) == ["old.md"] and (root / "old.md").read_text() == "old text"
    with pytest.raises(KilnError, match="already committed or rolled back"):
        txn.write("a.md", "x")


def test_delete_and_read_your_deletes(root):
    txn = KilnWriter(root).transaction()
    assert txn.read("old.md") == "old text"
    txn.delete("old.md")
    assert txn.read("old.md") is None and txn.staged_deletes() == {"old.md"}
    with pytest.raises(KilnError, match="note not found: 'missing.md'"):
        txn.delete("missing.md")
    assert txn.commit() == ["old.md"]
    assert not (root / "old.md").exists()


def test_write_then_delete_in_one_call(root):
    txn = KilnWriter(root).transaction()
    txn.write("tmp.md", "x")
    txn.delete("tmp.md")
    assert txn.commit() == []
    assert files(root) == ["old.md"]


def test_unicode_and_mode_preserved(root):
    os.chmod(root / "old.md", 0o600)
    txn = KilnWriter(root).transaction()
    txn.write("old.md", "héllo — ✓")
    txn.commit()
    assert (root / "old.md").read_text(encoding="utf-8") == "héllo — ✓"
    assert (root / "old.md").stat().st_mode & 0o777 == 0o600


def test_per_call_write_limit(root):
    txn = KilnWriter(root, limits_write_bytes=1 * MIB).transaction(plugin="bulk")
    txn.write("a.md", "x" * (MIB // 2))
    with pytest.raises(LimitExceeded) as err:
        txn.write("b.md", "x" * (MIB // 2 + 1))
    assert err.value.limit == "write_mb" and err.value.plugin == "bulk" and err.value.exit_code == 4
    assert "plugin 'bulk' exceeded limit write_mb" in str(err.value)
    assert set(txn.staged_writes()) == {"a.md"}


def test_rewrites_count_against_the_call_budget(root):
    txn = KilnWriter(root, limits_write_bytes=1000).transaction()
    for _ in range(10):
        txn.write("a.md", "x" * 100)
    with pytest.raises(LimitExceeded):
        txn.write("a.md", "x")


def test_call_limit_overrides_writer_default(root):
    txn = KilnWriter(root).transaction(limit_bytes=10)
    with pytest.raises(LimitExceeded):
        txn.write("a.md", "x" * 11)


def test_one_note_is_at_most_10_mb(root):
    txn = KilnWriter(root, limits_write_bytes=100 * MIB).transaction()
    with pytest.raises(LimitExceeded, match="one note is at most 10 MB"):
        txn.write("big.md", b"x" * (MAX_NOTE_BYTES + 1))
    txn.write("ok.md", b"x" * MAX_NOTE_BYTES)


def test_sweep_removes_stale_temp_files_only(root):
    (root / "sub").mkdir()
    stale = root / "sub" / ".note.md.tmp-0123456789ab"
    stale.write_text("half")
    keep = [root / ".hidden.md", root / "note.md.tmp-0123456789ab", root / ".x.tmp-nothex"]
    for p in keep:
        p.write_text("k")
    (root / ".git").mkdir()
    (root / ".git" / ".x.md.tmp-0123456789ab").write_text("git's business")
    assert TEMP_PATTERN.match(stale.name)
    assert sweep_temp_files(root, min_age_s=0) == ["sub/.note.md.tmp-0123456789ab"]
    assert not stale.exists() and all(p.exists() for p in keep)
    assert (root / ".git" / ".x.md.tmp-0123456789ab").exists()


def test_sweep_spares_fresh_temp_files_of_live_writers(root):
    fresh = root / ".note.md.tmp-0123456789ab"
    fresh.write_text("being written")
    assert sweep_temp_files(root, min_age_s=3600) == []
    assert fresh.exists()


def test_sweep_does_not_follow_symlinked_folders(root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / ".their.md.tmp-0123456789ab"
    victim.write_text("not ours")
    os.symlink(outside, root / "link")
    assert sweep_temp_files(root, min_age_s=0) == []
    assert victim.exists()


KILLED_WRITER = """
import sys
from kiln_plugins.kiln_writer import KilnWriter
writer = KilnWriter(sys.argv[1], limits_write_bytes=10 * 1024 * 1024)
i = 0
while True:
    txn = writer.transaction()
    txn.write("note.md", ("A" if i % 2 else "B") * 2_000_000)
    txn.commit()
    i += 1
"""


def test_a_writer_killed_mid_write_leaves_a_whole_note(root):
    import signal
    import subprocess
    import sys

    project = str(Path(__file__).resolve().parents[1])
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(root)], cwd=project)
    try:
        while not (root / "note.md").exists() and proc.poll() is None:
            os.sched_yield()
        for _ in range(20):  # let it get into later writes, then kill it wherever it is
            os.sched_yield()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    text = (root / "note.md").read_text()
    assert len(text) == 2_000_000 and set(text) in ({"A"}, {"B"})
    sweep_temp_files(root, min_age_s=0)
    assert files(root) == ["note.md", "old.md"]
