"""A call that fails leaves the person's notes and state exactly as they were (DESIGN §6)."""

import contextlib
import os

import pytest

from kiln_plugins.errors import CapabilityError, LimitExceeded
from kiln_plugins.kiln_writer import KilnWriter
from kiln_plugins.state import StateStore


class PluginCrashed(Exception):
    pass


def run_call(store: StateStore, writer: KilnWriter, body) -> None:
    """What a call tree does: stage everything, apply notes then state only if all succeeded."""
    writes = writer.transaction(plugin="scribe")
    with contextlib.ExitStack() as stack:
        state = stack.enter_context(store.transaction("scribe"))
        try:
            body(writes, state)
            writes.commit()
        except BaseException:
            writes.rollback()
            raise


@pytest.fixture
def kiln(tmp_path):
    root = tmp_path / "kiln"
    root.mkdir()
    (root / "journal.md").write_text("day 1")
    store = StateStore(root / ".crucible" / "state.db")
    with store.transaction("scribe") as txn:
        txn.set("entries", 1)
    yield root, store, KilnWriter(root)
    store.close()


def unchanged(root, store):
    assert sorted(p.name for p in root.iterdir()) == [".crucible", "journal.md"]
    assert (root / "journal.md").read_text() == "day 1"
    assert store.get("scribe", "entries") == 1 and store.keys("scribe") == ["entries"]


def test_exception_in_plugin_code(kiln):
    root, store, writer = kiln

    def body(writes, state):
        writes.write("journal.md", "day 1\nday 2")
        writes.write("new/entry.md", "x")
        writes.delete("journal.md")
        state.set("entries", 2)
        state.set("last", "day 2")
        raise PluginCrashed("plugins/scribe.md:12: attempt to index a nil value")

    with pytest.raises(PluginCrashed):
        run_call(store, writer, body)
    unchanged(root, store)


def test_limit_hit_midway(kiln):
    root, store, _ = kiln
    writer = KilnWriter(root, limits_write_bytes=100)

    def body(writes, state):
        state.set("entries", 99)
        writes.write("a.md", "x" * 60)
        writes.write("b.md", "x" * 60)

    with pytest.raises(LimitExceeded):
        run_call(store, writer, body)
    unchanged(root, store)


def test_commit_refused_by_a_planted_symlink_keeps_state_too(kiln, tmp_path):
    root, store, writer = kiln
    outside = tmp_path / "outside"
    outside.mkdir()

    def body(writes, state):
        state.set("entries", 2)
        writes.write("inbox/new.md", "x")
        os.symlink(outside, root / "inbox")

    with pytest.raises(CapabilityError):
        run_call(store, writer, body)
    os.unlink(root / "inbox")
    unchanged(root, store)
    assert os.listdir(outside) == []


def test_a_successful_call_applies_both(kiln):
    root, store, writer = kiln

    def body(writes, state):
        writes.write("journal.md", "day 1\nday 2")
        state.set("entries", state.get("entries") + 1)

    run_call(store, writer, body)
    assert (root / "journal.md").read_text() == "day 1\nday 2"
    assert store.get("scribe", "entries") == 2
