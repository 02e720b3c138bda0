"""StateStore on a real SQLite file: transactions, isolation, limits, concurrency, schema."""

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kiln_plugins.errors import KilnError, PluginRuntimeError
from kiln_plugins.state import MAX_KEY_CHARS, MAX_VALUE_BYTES, SCHEMA_VERSION, StateStore


class Boom(Exception):
    pass


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / ".crucible" / "state.db"


@pytest.fixture
def store(db_path):
    s = StateStore(db_path)
    yield s
    s.close()


def test_set_get_delete_keys_commit(store, db_path):
    with store.transaction("dice") as txn:
        txn.set("count", 3)
        txn.set("hist", {"rolls": [1, 2, "x"], "ok": True, "f": 1.5})
        assert txn.get("count") == 3  # read-your-writes
        assert txn.keys() == ["count", "hist"]
        txn.delete("count")
        assert txn.get("count") is None and txn.get("count", 7) == 7
        assert txn.keys() == ["hist"]
    reopened = StateStore(db_path)
    assert reopened.get("dice", "hist") == {"rolls": [1, 2, "x"], "ok": True, "f": 1.5}
    assert reopened.keys("dice") == ["hist"]
    reopened.close()


def test_failing_call_leaves_state_exactly_as_before(store):
    with store.transaction("p") as txn:
        txn.set("a", 1)
        txn.set("b", [1])
    with pytest.raises(Boom):
        with store.transaction("p") as txn:
            txn.set("a", 2)
            txn.delete("b")
            txn.set("c", "new")
            assert txn.keys() == ["a", "c"]
            raise Boom()
    assert store.keys("p") == ["a", "b"]
    assert (store.get("p", "a"), store.get("p", "b"), store.get("p", "c")) == (1, [1], None)


def test_plugins_are_isolated(store):
    with store.transaction("a") as ta, store.transaction("b") as tb:  # both open, as in a call tree
        ta.set("k", "from a")
        tb.set("k", "from b")
        assert ta.get("k") == "from a" and tb.get("k") == "from b"
    assert store.get("a", "k") == "from a" and store.get("b", "k") == "from b"
    assert store.plugins() == ["a", "b"]
    with store.transaction("a") as ta:  # a's keys/deletes never reach b's rows
        ta.delete("k")
        assert ta.keys() == [] and ta.get("k") is None
    assert store.get("b", "k") == "from b" and store.keys("a") == []


def test_setting_none_deletes(store):
    with store.transaction("p") as txn:
        txn.set("k", 1)
    with store.transaction("p") as txn:
        txn.set("k", None)
    assert store.keys("p") == []


@pytest.mark.parametrize("key, value, message", [
    ("", 1, "non-empty string"),
    (12, 1, "non-empty string"),
    ("k" * (MAX_KEY_CHARS + 1), 1, f"max {MAX_KEY_CHARS}"),
    ("a\0b", 1, "NUL"),
    ("k", {1, 2}, "not JSON"),
    ("k", float("nan"), "not JSON"),
    ("k", "x" * MAX_VALUE_BYTES, f"max {MAX_VALUE_BYTES}"),
])
def test_key_and_value_limits(store, key, value, message):
    with store.transaction("p") as txn:
        with pytest.raises(PluginRuntimeError, match=message):
            txn.set(key, value)
    assert store.keys("p") == []


def test_finished_transaction_cannot_be_used(store):
    with store.transaction("p") as txn:
        txn.set("k", 1)
    with pytest.raises(KilnError, match="already finished"):
        txn.set("k", 2)
    assert store.get("p", "k") == 1


def test_wal_mode_and_schema_version(store, db_path):
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == store.schema_version()
    raw.close()


def test_reopening_migrates_without_dropping(db_path):
    first = StateStore(db_path)
    with first.transaction("p") as txn:
        txn.set("keep", "me")
    first.audit.record(plugin="p", tool="t")
    first.close()
    second = StateStore(db_path)
    assert second.get("p", "keep") == "me" and second.audit.count() == 1
    second.close()


def test_newer_schema_is_refused(db_path):
    StateStore(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    with pytest.raises(KilnError, match="newer than this cru supports"):
        StateStore(db_path)


def test_threads_increment_without_lost_updates(store):
    def work():
        for _ in range(25):
            with store.transaction("counter") as txn:
                txn.set("n", txn.get("n", 0) + 1)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("counter", "n") == 200


WORKER = """
import sys
from kiln_plugins.state import StateStore
store = StateStore(sys.argv[1])
for i in range(int(sys.argv[2])):
    with store.transaction("counter") as txn:
        txn.set("n", txn.get("n", 0) + 1)
    with store.transaction("own-" + sys.argv[3]) as txn:
        txn.set(str(i), i)
    store.audit.record(plugin="counter", tool="inc", caller="cli")
store.close()
"""


def test_two_processes_increment_without_lost_updates(store, db_path):
    root = str(Path(__file__).resolve().parents[1])
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(db_path), "40", name], cwd=root)
             for name in ("a", "b")]
    for p in procs:
        assert p.wait(timeout=60) == 0
    assert store.get("counter", "n") == 80
    assert store.keys("own-a") == sorted(str(i) for i in range(40))
    assert store.audit.count() == 80


def test_a_held_plugin_lock_times_out_cleanly(db_path, store):
    other = StateStore(db_path, lock_timeout_s=0.05)
    with store.transaction("busy"):
        with pytest.raises(KilnError, match="state of plugin 'busy' is busy"):
            with other.transaction("busy"):
                pass
        with other.transaction("free") as txn:  # other plugins never wait
            txn.set("k", 1)
    other.close()
    assert store.get("free", "k") == 1


def test_values_are_stored_as_json(store, db_path):
    with store.transaction("p") as txn:
        txn.set("k", {"é": [1, None]})
    raw = sqlite3.connect(db_path)
    (text,) = raw.execute("SELECT value FROM kv WHERE plugin='p' AND key='k'").fetchone()
    raw.close()
    assert json.loads(text) == {"é": [1, None]}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_must_open_its_own_store(store):
    pid = os.fork()
    if pid == 0:  # child: the inherited connection must not be used
        try:
            store.get("p", "k")
        except KilnError as exc:
            os._exit(0 if "opened in another process" in str(exc) else 2)
        os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.get("p", "k") is None  # the parent's connection still works
