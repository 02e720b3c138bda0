"""The audit log: buffered rows, flush points, retention, query shape."""

import sqlite3

import pytest

from kiln_plugins.audit import FLUSH_ROWS
from kiln_plugins.state import StateStore


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "state.db"


def open_store(db_path, **kw) -> StateStore:
    store = StateStore(db_path, **kw)
    store.audit.flush_seconds = 1e9  # only explicit flush points, whatever the machine's speed
    return store


def stored_rows(db_path) -> int:
    raw = sqlite3.connect(db_path)
    try:
        return raw.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    finally:
        raw.close()


def test_record_is_buffered_until_flush(db_path):
    store = open_store(db_path)
    store.audit.record(plugin="p", tool="t", started=1_000_000.0)
    assert store.audit.pending() == 1 and stored_rows(db_path) == 0
    store.audit.flush()
    assert store.audit.pending() == 0 and stored_rows(db_path) == 1
    store.close()


def test_a_transaction_commit_flushes(db_path):
    store = open_store(db_path)
    store.audit.record(plugin="p", tool="t", started=1_000_000.0)
    with store.transaction("p") as txn:
        txn.set("k", 1)
    assert stored_rows(db_path) == 1
    store.close()


def test_close_flushes(db_path):
    store = open_store(db_path)
    store.audit.record(plugin="p", tool="t", started=1_000_000.0)
    store.close()
    assert stored_rows(db_path) == 1


def test_a_full_buffer_flushes(db_path):
    store = open_store(db_path)
    for i in range(FLUSH_ROWS):
        store.audit.record(plugin="p", tool="t", started=1_000_000.0 + i)
    assert stored_rows(db_path) == FLUSH_ROWS
    store.close()


def test_retention_keeps_the_newest_rows(db_path):
    store = open_store(db_path, retention=5)
    for i in range(12):
        store.audit.record(plugin="p", tool=f"t{i}", started=1_000_000.0 + i)
    assert store.audit.count() == 5
    assert [r["tool"] for r in store.audit.query()] == ["t11", "t10", "t9", "t8", "t7"]
    store.close()


def test_query_shape_filter_and_limit(db_path):
    store = open_store(db_path)
    caps = [{"capability": "kiln.write", "function": "kiln.write", "granted": False}]
    store.audit.record(plugin="scribe", tool="jot", version="abc", caller="mcp", started=1_700_000_000.0,
                       duration_ms=12.5, outcome="denied", error="plugin 'scribe' needs approval",
                       capabilities=caps, limit_hits=[], commit="deadbeef")
    store.audit.record(plugin="dice", tool="roll", caller="cli", started=1_700_000_001.0,
                       outcome="limit", error="exceeded limit instructions = 10",
                       limit_hits=["instructions"])
    rows = store.audit.query()
    assert [r["plugin"] for r in rows] == ["dice", "scribe"]
    scribe = store.audit.query(plugin="scribe")[0]
    assert scribe == {
        "id": 1, "plugin": "scribe", "tool": "jot", "version": "abc", "caller": "mcp",
        "commit": "deadbeef", "started": 1_700_000_000.0, "duration_ms": 12.5, "outcome": "denied",
        "error": "plugin 'scribe' needs approval", "capabilities": [{**caps[0], "count": 1}],
        "limit_hits": [],
        "started_iso": "2023-11-14T22:13:20+00:00",
    }
    assert rows[0]["limit_hits"] == ["instructions"] and rows[0]["commit"] is None
    assert len(store.audit.query(limit=1)) == 1
    store.close()


def test_unknown_outcome_is_refused(db_path):
    store = open_store(db_path)
    with pytest.raises(ValueError, match="outcome"):
        store.audit.record(plugin="p", tool="t", outcome="meh")
    store.close()


def test_repeated_capability_uses_are_one_entry_with_a_count(db_path):
    store = open_store(db_path)
    uses = [{"capability": "kiln.read", "function": "kiln.read", "granted": True}] * 10_000
    uses += [{"capability": "kiln.write", "function": "kiln.write", "granted": False}]
    store.audit.record(plugin="p", tool="t", capabilities=uses, outcome="denied")
    (row,) = store.audit.query()
    assert row["capabilities"] == [
        {"capability": "kiln.read", "function": "kiln.read", "granted": True, "count": 10_000},
        {"capability": "kiln.write", "function": "kiln.write", "granted": False, "count": 1},
    ]
    store.close()


def test_limit_hit_is_taken_from_the_error_when_not_given(db_path):
    store = open_store(db_path)
    store.audit.record(plugin="p", tool="t", outcome="limit",
                       error="plugins/p.md:3: plugin 'p' exceeded limit instructions = 1000")
    store.audit.record(plugin="p", tool="t", outcome="error", error="exceeded limit nonsense")
    rows = store.audit.query()
    assert [r["limit_hits"] for r in rows] == [[], ["instructions"]]
    store.close()
