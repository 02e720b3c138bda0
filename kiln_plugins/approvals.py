"""The person's approvals of risky capabilities, kept in the USER data folder (DESIGN §7).

An approval is keyed by (kiln root realpath, plugin name, capability, code hash): editing the
plugin's manifest or code changes the hash, so it asks again. The store refuses to live inside
the kiln it approves for — a cloned kiln must never carry its own approvals. Agents' requests
(``request_capability``) wait in ``pending_requests`` until the person resolves them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .capabilities import under_folder
from .migrations import migrate
from .errors import KilnError, UsageError

__all__ = ["Approval", "PendingRequest", "ApprovalStore", "APPROVALS_FILE"]

APPROVALS_FILE = "approvals.db"
_SCHEMA = (
    # version 1
    """
    CREATE TABLE approvals (
        root TEXT NOT NULL, plugin TEXT NOT NULL, capability TEXT NOT NULL,
        code_hash TEXT NOT NULL, granted_at REAL NOT NULL,
        PRIMARY KEY (root, plugin, capability, code_hash));
    CREATE TABLE pending_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT, root TEXT NOT NULL, plugin TEXT NOT NULL,
        tool TEXT, capability TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
        requested_by TEXT NOT NULL DEFAULT '', requested_at REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending', resolved_at REAL);
    CREATE INDEX pending_by_status ON pending_requests (status, root);
    """,
)


@dataclass(frozen=True, slots=True)
class Approval:
    """A stored "always" approval."""

    root: str
    """Real path of the kiln root."""
    plugin: str
    """Plugin name."""
    capability: str
    """Capability approved."""
    code_hash: str
    """Hash of the plugin's manifest and code the approval is for."""
    granted_at: float
    """Unix time of the approval."""


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """An agent's request for a capability, waiting for the person."""

    id: int
    """Row id (what ``resolve`` takes)."""
    root: str
    """Real path of the kiln root."""
    plugin: str
    """Plugin name."""
    tool: str | None
    """Tool that wanted it, when known."""
    capability: str
    """Capability requested."""
    reason: str
    """Why, in the requester's words."""
    requested_by: str
    """Who asked (MCP client name)."""
    requested_at: float
    """Unix time of the request."""
    status: str
    """``pending``, ``approved`` or ``denied``."""


def _root_key(root: str | Path) -> str:
    return os.path.realpath(root)


class ApprovalStore:
    """SQLite file ``approvals.db`` in the user data folder; safe across threads and processes."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / APPROVALS_FILE
        self._once: set[tuple[str, str, str, str]] = set()
        self._lock = threading.Lock()
        with self._connect() as db:
            _migrate(db)

    # -- storage ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        finally:
            db.close()

    def _check_outside(self, root: str) -> None:
        if under_folder(self.path, root):
            raise UsageError(f"approvals must not be stored inside the kiln they approve for: "
                             f"{self.path} is under {root}")

    # -- approvals -------------------------------------------------------------------------
    def grant(self, root: str | Path, plugin: str, capability: str, code_hash: str) -> None:
        """Approve ``capability`` for ``plugin``'s code ``code_hash`` in the kiln at ``root``."""
        key = _root_key(root)
        self._check_outside(key)
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO approvals VALUES (?, ?, ?, ?, ?)",
                       (key, plugin, capability, code_hash, time.time()))

    def is_granted(self, root: str | Path, plugin: str, capability: str, code_hash: str) -> bool:
        """Whether an "always" or a current "once" approval covers exactly this code."""
        key = _root_key(root)
        if under_folder(self.path, key):
            return False  # a store inside the kiln is never trusted
        with self._lock:
            if (key, plugin, capability, code_hash) in self._once:
                return True
        with self._connect() as db:
            row = db.execute("SELECT 1 FROM approvals WHERE root=? AND plugin=? AND capability=? "
                             "AND code_hash=?", (key, plugin, capability, code_hash)).fetchone()
        return row is not None

    @contextlib.contextmanager
    def once(self, root: str | Path, plugin: str, capability: str, code_hash: str) -> Iterator[None]:
        """"Allow once": an in-memory approval that lasts for the ``with`` block (one call)."""
        item = (_root_key(root), plugin, capability, code_hash)
        with self._lock:
            added = item not in self._once
            self._once.add(item)
        try:
            yield
        finally:
            if added:
                with self._lock:
                    self._once.discard(item)

    def revoke(self, root: str | Path, plugin: str, capability: str | None = None) -> int:
        """Remove approvals of ``plugin`` (all, or one capability) in this kiln; returns how many."""
        sql, args = "DELETE FROM approvals WHERE root=? AND plugin=?", [_root_key(root), plugin]
        if capability is not None:
            sql, args = sql + " AND capability=?", args + [capability]
        with self._connect() as db:
            return db.execute(sql, args).rowcount

    def list(self, root: str | Path | None = None) -> list[Approval]:
        """Stored approvals, of one kiln or of all, ordered by kiln, plugin, capability."""
        sql, args = "SELECT * FROM approvals", []
        if root is not None:
            sql, args = sql + " WHERE root=?", [_root_key(root)]
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY root, plugin, capability, granted_at", args).fetchall()
        return [Approval(*row) for row in rows]

    # -- pending requests ------------------------------------------------------------------
    def request(self, root: str | Path, plugin: str, capability: str, *, tool: str | None = None,
                reason: str = "", requested_by: str = "") -> int:
        """Record an agent's request for a capability; returns its id (repeats are merged)."""
        key = _root_key(root)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT id FROM pending_requests WHERE status='pending' AND root=? AND "
                             "plugin=? AND capability=?", (key, plugin, capability)).fetchone()
            if row:
                db.execute("COMMIT")
                return row[0]
            cur = db.execute("INSERT INTO pending_requests (root, plugin, tool, capability, reason, "
                             "requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (key, plugin, tool, capability, reason, requested_by, time.time()))
            db.execute("COMMIT")
            return cur.lastrowid

    def pending_requests(self, root: str | Path | None = None) -> list[PendingRequest]:
        """Requests still waiting, oldest first."""
        sql, args = "SELECT * FROM pending_requests WHERE status='pending'", []
        if root is not None:
            sql, args = sql + " AND root=?", [_root_key(root)]
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY id", args).fetchall()
        return [PendingRequest(*row[:9]) for row in rows]

    def resolve(self, request_id: int, *, approve: bool, code_hash: str | None = None) -> PendingRequest:
        """Mark a request approved or denied; approving needs the code hash it is granted for."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM pending_requests WHERE id=?", (request_id,)).fetchone()
        if row is None:
            raise KilnError(f"no capability request with id {request_id}")
        req = PendingRequest(*row[:9])
        if req.status != "pending":
            raise KilnError(f"capability request {request_id} is already {req.status}")
        if approve:
            if not code_hash:
                raise UsageError("approving a request needs the plugin's current code hash")
            self.grant(req.root, req.plugin, req.capability, code_hash)
        status = "approved" if approve else "denied"
        with self._connect() as db:
            db.execute("UPDATE pending_requests SET status=?, resolved_at=? WHERE id=?",
                       (status, time.time(), request_id))
        return PendingRequest(*row[:8], status)


def _migrate(db: sqlite3.Connection) -> None:
    """Bring the schema to the newest version; never drops a table."""
    migrate(db, _SCHEMA, "approvals database")
