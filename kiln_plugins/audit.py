"""The audit log in ``state.db``: one row per tool call, buffered, with bounded retention (DESIGN §7).

:meth:`AuditLog.record` only appends to an in-memory buffer; rows reach the database on
:meth:`AuditLog.flush`, which runs when the buffer fills, when a second has passed, on every
state-transaction commit and on close. Each flush trims the table to the newest
``retention`` rows.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from .state import StateStore

__all__ = ["AuditLog", "AUDIT_SCHEMA", "OUTCOMES", "CALLERS"]

OUTCOMES = ("ok", "error", "limit", "denied")
CALLERS = ("cli", "mcp", "plugin", "test")
FLUSH_ROWS = 256
FLUSH_SECONDS = 1.0

AUDIT_SCHEMA = """
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plugin TEXT NOT NULL, tool TEXT NOT NULL, version TEXT, caller TEXT NOT NULL,
    git_commit TEXT, started REAL NOT NULL, duration_ms REAL NOT NULL, outcome TEXT NOT NULL,
    error TEXT, capabilities TEXT NOT NULL DEFAULT '[]', limit_hits TEXT NOT NULL DEFAULT '[]');
CREATE INDEX audit_by_plugin ON audit (plugin, id);
"""
_COLUMNS = ("id", "plugin", "tool", "version", "caller", "commit", "started", "duration_ms",
            "outcome", "error", "capabilities", "limit_hits")


_LIMIT_IN_MESSAGE = re.compile(r"exceeded limit (\w+)")


def _summarise(uses: Iterable[dict]) -> list[dict]:
    """One entry per distinct use with a ``count``: a loop of 10,000 reads is one entry, not 10,000."""
    merged: dict[tuple, dict] = {}
    for use in uses:
        key = tuple(sorted((k, str(v)) for k, v in use.items() if k != "count"))
        entry = merged.get(key)
        if entry is None:
            merged[key] = {**use, "count": int(use.get("count", 1))}
        else:
            entry["count"] += int(use.get("count", 1))
    return list(merged.values())


class AuditLog:
    """Buffered writer and reader of the ``audit`` table of one :class:`StateStore`."""

    def __init__(self, store: "StateStore", *, retention: int = 100_000):
        if retention <= 0:
            raise ValueError("audit retention must be positive")
        self._store = store
        self.retention = retention
        self._buffer: list[tuple] = []
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self.flush_rows = FLUSH_ROWS
        """Buffered rows that trigger a flush."""
        self.flush_seconds = FLUSH_SECONDS
        """Age of the last flush that makes the next ``record`` flush."""

    def record(self, *, plugin: str, tool: str, version: str | None = None, caller: str = "cli",
               started: float | None = None, duration_ms: float = 0.0, outcome: str = "ok",
               error: str | None = None, capabilities: Iterable[dict] = (),
               limit_hits: Iterable[Any] = (), commit: str | None = None) -> None:
        """Buffer one call's row; ``capabilities`` is ``[{capability, function, granted}]`` per use."""
        if outcome not in OUTCOMES:
            raise ValueError(f"audit outcome must be one of {OUTCOMES}, got {outcome!r}")
        hits = list(limit_hits)
        if outcome == "limit" and not hits and error:
            hits = _LIMIT_IN_MESSAGE.findall(error)
        row = (plugin, tool, version, caller, commit, time.time() if started is None else float(started),
               float(duration_ms), outcome, error, json.dumps(_summarise(capabilities), default=str),
               json.dumps(hits, default=str))
        with self._lock:
            self._buffer.append(row)
            due = (len(self._buffer) >= self.flush_rows
                   or time.monotonic() - self._last_flush >= self.flush_seconds)
        if due:
            self.flush()

    def pending(self) -> int:
        """Rows buffered but not yet written."""
        with self._lock:
            return len(self._buffer)

    def flush(self) -> None:
        """Write buffered rows in one transaction and trim to the newest ``retention`` rows."""
        with self._lock:
            rows, self._buffer = self._buffer, []
            self._last_flush = time.monotonic()
        if not rows:
            return
        try:
            with self._store.write() as db:
                db.executemany("INSERT INTO audit (plugin, tool, version, caller, git_commit, started, "
                               "duration_ms, outcome, error, capabilities, limit_hits) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                db.execute("DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ?",
                           (self.retention,))
        except BaseException:
            with self._lock:  # keep them for the next flush rather than lose them
                self._buffer[:0] = rows
            raise

    def query(self, plugin: str | None = None, limit: int = 50) -> list[dict]:
        """Newest rows first (buffered rows flushed first), as plain dicts."""
        self.flush()
        sql, args = ("SELECT id, plugin, tool, version, caller, git_commit, started, duration_ms, "
                     "outcome, error, capabilities, limit_hits FROM audit"), []
        if plugin is not None:
            sql, args = sql + " WHERE plugin=?", [plugin]
        rows = self._store.read(sql + " ORDER BY id DESC LIMIT ?", (*args, int(limit)))
        out = []
        for row in rows:
            item = dict(zip(_COLUMNS, row))
            item["capabilities"] = json.loads(item["capabilities"])
            item["limit_hits"] = json.loads(item["limit_hits"])
            item["started_iso"] = _dt.datetime.fromtimestamp(item["started"], _dt.timezone.utc) \
                .isoformat(timespec="seconds")
            out.append(item)
        return out

    def count(self) -> int:
        """Rows stored (buffered rows flushed first)."""
        self.flush()
        return self._store.read("SELECT COUNT(*) FROM audit")[0][0]
