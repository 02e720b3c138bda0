"""``state.db``: each plugin's key-value state and the audit log — the person's data (DESIGN §3).

The file is never deleted or rebuilt; its schema is versioned and only ever migrated forward.

Concurrency contract: a :meth:`StateStore.transaction` holds an exclusive lock on *that
plugin's* state (a ``flock`` on a per-plugin lock file, so it holds across threads and
processes) from the moment it opens until it commits or rolls back. Reads go to the database
through the transaction's staged changes (read-your-writes); writes are staged in memory and
applied in one short SQLite transaction at commit. So a call sees a stable state of its plugin,
two calls of the same plugin serialize (no lost updates), calls of different plugins never wait
for each other, and a call that fails leaves the state exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from .audit import AUDIT_SCHEMA, AuditLog
from .migrations import migrate
from .errors import KilnError, PluginRuntimeError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: threads only
    fcntl = None

__all__ = ["StateStore", "StateTransaction", "MAX_KEY_CHARS", "MAX_VALUE_BYTES", "SCHEMA_VERSION"]

MAX_KEY_CHARS = 256
MAX_VALUE_BYTES = 1024 * 1024
DEFAULT_LOCK_TIMEOUT_S = 60.0
_MISSING = object()
_DELETED = object()

# Schema migrations, applied in order; a version is never edited once released.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE kv (
        plugin TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated REAL NOT NULL,
        PRIMARY KEY (plugin, key)) WITHOUT ROWID;
    """ + AUDIT_SCHEMA,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StateStore:
    """Plugin state and audit log in one SQLite file (WAL mode, busy timeout)."""

    def __init__(self, path: str | Path, *, retention: int = 100_000,
                 lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S, busy_timeout_ms: int = 10_000):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock_timeout_s = lock_timeout_s
        self._db = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000, isolation_level=None,
                                   check_same_thread=False)
        self._db_lock = threading.RLock()
        self._thread_locks: dict[str, threading.Lock] = {}
        self._closed = False
        self._pid = os.getpid()
        with self._db_lock:
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA trusted_schema = OFF")
            _migrate(self._db)
            _refuse_planted_schema(self._db, self.path)
        self.audit = AuditLog(self, retention=retention)

    # -- the one connection ----------------------------------------------------------------
    def _check_usable(self) -> None:
        if self._closed:
            raise KilnError(f"state store is closed: {self.path}")
        if os.getpid() != self._pid:  # an SQLite connection must not cross a fork
            raise KilnError("state store was opened in another process; open a new one in this worker")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A short ``BEGIN IMMEDIATE`` transaction on the shared connection."""
        with self._db_lock:
            self._check_usable()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def read(self, sql: str, args: tuple = ()) -> list[tuple]:
        """Run one read query on the shared connection."""
        with self._db_lock:
            self._check_usable()
            return self._db.execute(sql, args).fetchall()

    # -- plain access (outside calls: CLI, tests) ------------------------------------------
    def get(self, plugin: str, key: str, default: Any = None) -> Any:
        """Committed value of ``plugin``'s ``key``."""
        rows = self.read("SELECT value FROM kv WHERE plugin=? AND key=?", (plugin, key))
        return json.loads(rows[0][0]) if rows else default

    def keys(self, plugin: str) -> list[str]:
        """Committed keys of ``plugin``, sorted."""
        return [r[0] for r in self.read("SELECT key FROM kv WHERE plugin=? ORDER BY key", (plugin,))]

    def plugins(self) -> list[str]:
        """Plugins that have state."""
        return [r[0] for r in self.read("SELECT DISTINCT plugin FROM kv ORDER BY plugin")]

    def schema_version(self) -> int:
        """The database's schema version."""
        return self.read("PRAGMA user_version")[0][0]

    # -- transactions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, plugin: str) -> Iterator["StateTransaction"]:
        """Exclusive access to ``plugin``'s state; committed on success, dropped on exception."""
        if not plugin:
            raise KilnError("state transaction needs a plugin name")
        self._check_usable()
        with self._plugin_lock(plugin):
            txn = StateTransaction(self, plugin)
            try:
                yield txn
            except BaseException:
                txn._close()
                raise
            txn._commit()

    @contextlib.contextmanager
    def _plugin_lock(self, plugin: str) -> Iterator[None]:
        with self._db_lock:
            thread_lock = self._thread_locks.setdefault(plugin, threading.Lock())
        if not thread_lock.acquire(timeout=self.lock_timeout_s):
            raise _busy(plugin, self.lock_timeout_s)
        try:
            if fcntl is None:  # pragma: no cover
                yield
                return
            name = hashlib.sha256(plugin.encode()).hexdigest()[:24]
            lock_dir = self.path.parent / (self.path.name + ".locks")
            lock_dir.mkdir(exist_ok=True)
            fd = os.open(lock_dir / name, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
            try:
                deadline = time.monotonic() + self.lock_timeout_s
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise _busy(plugin, self.lock_timeout_s) from None
                        time.sleep(0.005)
                yield
            finally:
                os.close(fd)  # releases the flock
        finally:
            thread_lock.release()

    def close(self) -> None:
        """Flush the audit log and close the database (idempotent)."""
        if self._closed:
            return
        self.audit.flush()
        with self._db_lock:
            self._closed = True
            self._db.close()

    def __enter__(self) -> "StateStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class StateTransaction:
    """One call's view of one plugin's state: read-your-writes, applied only on commit."""

    def __init__(self, store: StateStore, plugin: str):
        self._store = store
        self.plugin = plugin
        self._staged: dict[str, Any] = {}
        self._open = True

    def _check(self) -> None:
        if not self._open:
            raise KilnError(f"state transaction of plugin '{self.plugin}' is already finished")

    def get(self, key: str, default: Any = None) -> Any:
        """Value of ``key`` as this call sees it (its own staged writes first)."""
        self._check()
        _check_key(key)
        staged = self._staged.get(key, _MISSING)
        if staged is _DELETED:
            return default
        if staged is not _MISSING:
            return json.loads(staged)
        return self._store.get(self.plugin, key, default)

    def set(self, key: str, value: Any) -> None:
        """Stage ``key = value`` (any JSON value; None deletes)."""
        self._check()
        _check_key(key)
        if value is None:
            self._staged[key] = _DELETED
            return
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise PluginRuntimeError(f"state.set: value of '{key}' is not JSON: {exc}") from None
        if len(text.encode()) > MAX_VALUE_BYTES:
            raise PluginRuntimeError(f"state.set: value of '{key}' is {len(text.encode())} bytes "
                                     f"(max {MAX_VALUE_BYTES})")
        self._staged[key] = text

    def delete(self, key: str) -> None:
        """Stage the removal of ``key``."""
        self._check()
        _check_key(key)
        self._staged[key] = _DELETED

    def keys(self) -> list[str]:
        """Keys as this call sees them, sorted."""
        self._check()
        found = set(self._store.keys(self.plugin))
        for key, value in self._staged.items():
            (found.discard if value is _DELETED else found.add)(key)
        return sorted(found)

    def _commit(self) -> None:
        self._check()
        now = time.time()
        try:
            if self._staged:
                with self._store.write() as db:
                    for key, value in self._staged.items():
                        if value is _DELETED:
                            db.execute("DELETE FROM kv WHERE plugin=? AND key=?", (self.plugin, key))
                        else:
                            db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?, ?, ?)",
                                       (self.plugin, key, value, now))
            self._store.audit.flush()
        finally:
            self._close()

    def _close(self) -> None:
        self._staged.clear()
        self._open = False


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or not key:
        raise PluginRuntimeError(f"state key must be a non-empty string, got {key!r}")
    if len(key) > MAX_KEY_CHARS:
        raise PluginRuntimeError(f"state key is {len(key)} characters (max {MAX_KEY_CHARS})")
    if "\0" in key:
        raise PluginRuntimeError("state key must not contain NUL")


def _busy(plugin: str, seconds: float) -> KilnError:
    return KilnError(f"state of plugin '{plugin}' is busy: another call held it for {seconds:g} s")


_EXPECTED_COLUMNS = {
    "kv": ("plugin", "key", "value", "updated"),
    "audit": ("id", "plugin", "tool", "version", "caller", "git_commit", "started", "duration_ms", "outcome",
              "error", "capabilities", "limit_hits"),
}


def _refuse_planted_schema(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a state.db holding triggers or views: this tool never creates any.

    A cloned kiln may ship its own ``.crucible/state.db``; a trigger there runs on our own
    inserts and could erase the audit rows of its plugin's calls or copy one plugin's state
    into another's. The file is the person's data, so it is not altered — only refused.
    """
    rows = db.execute("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') "
                      "ORDER BY type, name").fetchall()
    if rows:
        kind, name = rows[0]
        db.close()
        raise KilnError(f"{path}: holds a {kind} '{name}' that cru never creates (a planted database?); "
                        f"refusing to use it — remove the {kind} or move the file away")
    for table, columns in _EXPECTED_COLUMNS.items():
        found = tuple(row[1] for row in db.execute(f"PRAGMA table_info({table})"))
        if found != columns:
            db.close()
            raise KilnError(f"{path}: table '{table}' has columns {', '.join(found) or '(none)'}, not the ones "
                            f"cru writes (a planted or damaged database?); move the file away")


def _migrate(db: sqlite3.Connection) -> None:
    """Bring the schema to the newest version; never drops a table."""
    migrate(db, MIGRATIONS, "state.db")
