"""ApprovalStore: a real SQLite file in the user data folder, keyed by kiln, plugin, capability, hash."""

import sqlite3
import threading

import pytest

from kiln_plugins.approvals import APPROVALS_FILE, ApprovalStore
from kiln_plugins.errors import KilnError, UsageError


@pytest.fixture
def kiln(tmp_path):
    root = tmp_path / "kiln"
    root.mkdir()
    return root


@pytest.fixture
def store(tmp_path):
    return ApprovalStore(tmp_path / "userdata")


def test_grant_is_keyed_by_everything(store, kiln, tmp_path):
    other = tmp_path / "other-kiln"
    other.mkdir()
    store.grant(kiln, "dice", "kiln.write", "h1")
    assert store.is_granted(kiln, "dice", "kiln.write", "h1")
    assert not store.is_granted(kiln, "dice", "kiln.write", "h2")  # edited code
    assert not store.is_granted(kiln, "dice", "net", "h1")
    assert not store.is_granted(kiln, "other", "kiln.write", "h1")
    assert not store.is_granted(other, "dice", "kiln.write", "h1")


def test_root_is_keyed_by_realpath(store, kiln, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(kiln)
    store.grant(link, "dice", "net", "h")
    assert store.is_granted(kiln / "." , "dice", "net", "h")
    assert store.list(kiln)[0].root == str(kiln.resolve())


def test_persisted_in_user_folder_only(store, kiln, tmp_path):
    store.grant(kiln, "dice", "net", "h")
    assert (tmp_path / "userdata" / APPROVALS_FILE).is_file()
    assert not any(p.name.startswith("approvals") for p in kiln.rglob("*"))
    reopened = ApprovalStore(tmp_path / "userdata")
    assert reopened.is_granted(kiln, "dice", "net", "h")


def test_revoke_one_or_all(store, kiln):
    for cap in ("net", "kiln.write"):
        store.grant(kiln, "dice", cap, "h")
    store.grant(kiln, "other", "net", "h")
    assert store.revoke(kiln, "dice", "net") == 1
    assert not store.is_granted(kiln, "dice", "net", "h")
    assert store.is_granted(kiln, "dice", "kiln.write", "h")
    assert store.revoke(kiln, "dice") == 1
    assert [a.plugin for a in store.list(kiln)] == ["other"]
    assert store.revoke(kiln, "nobody") == 0


def test_list_all_kilns(store, kiln, tmp_path):
    other = tmp_path / "b"
    other.mkdir()
    store.grant(kiln, "x", "net", "h")
    store.grant(other, "y", "net", "h")
    assert sorted(a.plugin for a in store.list()) == ["x", "y"]
    assert [a.plugin for a in store.list(other)] == ["y"]


def test_allow_once_lasts_for_the_block(store, kiln):
    with store.once(kiln, "dice", "kiln.write", "h"):
        assert store.is_granted(kiln, "dice", "kiln.write", "h")
        assert store.is_granted(kiln, "dice", "kiln.write", "h")  # many uses inside one call
        assert not store.is_granted(kiln, "dice", "kiln.write", "h2")
    assert not store.is_granted(kiln, "dice", "kiln.write", "h")
    assert store.list() == []


def test_allow_once_is_per_store_instance(store, kiln, tmp_path):
    other = ApprovalStore(tmp_path / "userdata")
    with store.once(kiln, "dice", "net", "h"):
        assert not other.is_granted(kiln, "dice", "net", "h")


def test_pending_requests(store, kiln):
    first = store.request(kiln, "dice", "net", tool="roll", reason="fetch seeds", requested_by="claude")
    again = store.request(kiln, "dice", "net", reason="still want it")
    assert first == again
    second = store.request(kiln, "dice", "kiln.write")
    pending = store.pending_requests(kiln)
    assert [(r.plugin, r.capability, r.tool, r.reason, r.requested_by) for r in pending] == [
        ("dice", "net", "roll", "fetch seeds", "claude"), ("dice", "kiln.write", None, "", "")]
    denied = store.resolve(second, approve=False)
    assert denied.status == "denied" and not store.is_granted(kiln, "dice", "kiln.write", "h")
    with pytest.raises(UsageError, match="code hash"):
        store.resolve(first, approve=True)
    approved = store.resolve(first, approve=True, code_hash="h")
    assert approved.status == "approved"
    assert store.is_granted(kiln, "dice", "net", "h")
    assert store.pending_requests() == []
    with pytest.raises(KilnError, match="already approved"):
        store.resolve(first, approve=False)
    with pytest.raises(KilnError, match="no capability request with id 999"):
        store.resolve(999, approve=False)


def test_schema_newer_than_code_is_refused(tmp_path):
    folder = tmp_path / "u"
    ApprovalStore(folder)
    db = sqlite3.connect(folder / APPROVALS_FILE)
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with pytest.raises(KilnError, match="schema version 99 is newer"):
        ApprovalStore(folder)


def test_concurrent_grants_from_threads(store, kiln):
    def worker(n):
        for i in range(10):
            store.grant(kiln, f"p{n}", "net", f"h{i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.list(kiln)) == 40
