"""The index cache ``.crucible/cache.db`` (DESIGN §3): derived data, safe to delete.

One row per note: its (mtime_ns, size) stamp, the columns the index needs without loading
the note (title, type, tags, links, diagnostics) and the whole parsed note as JSON, plus a
row of the FTS5 table ``fts`` with the same rowid (``search.py`` queries it). A missing,
unreadable or older-schema file is replaced by a fresh one; nothing in it is ever trusted as
code (JSON, never pickle — a cloned kiln may ship a hostile cache.db).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from .errors import Diagnostic
from .model import Fence, Heading, Link, Note

__all__ = ["Cache", "SCHEMA_VERSION", "note_to_json", "note_from_json"]

SCHEMA_VERSION = 4
"""Bump whenever the parser's output or the tables change: older caches are rebuilt."""

_GITIGNORE_LINES = ("cache.db", "cache.db-wal", "cache.db-shm", "cache.db-journal")
_SCHEMA = """
CREATE TABLE owner(token TEXT NOT NULL);
CREATE TABLE notes(
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  mtime_ns INTEGER NOT NULL,
  size INTEGER NOT NULL,
  title TEXT NOT NULL,
  type TEXT NOT NULL,
  tags TEXT NOT NULL,
  links TEXT NOT NULL,
  diags TEXT,
  data TEXT NOT NULL
);
CREATE VIRTUAL TABLE fts USING fts5(
  title, body, tags, fm, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""


def note_to_json(note: Note) -> str:
    """The note as compact JSON (``note_from_json`` inverts it)."""
    return json.dumps([
        note.id, note.title, note.content, len(note.body), note.body_line, note.frontmatter,
        note.frontmatter_lines, note.tags, note.aliases,
        [[l.target, l.kind, l.line, l.col, l.alias, l.heading, l.block] for l in note.links],
        [[h.level, h.text, h.line] for h in note.headings],
        [[f.info, f.lang, f.attrs, f.content, f.start_line, f.code_line, f.end_line]
         for f in note.fences],
        [_diag_row(d) for d in note.diagnostics], note.mtime_ns, note.size,
    ], ensure_ascii=False, separators=(",", ":"))


def note_from_json(text: str) -> Note:
    """Rebuild a ``Note`` from ``note_to_json`` output."""
    (id_, title, content, body_len, body_line, fm, fm_lines, tags, aliases, links, headings,
     fences, diags, mtime_ns, size) = json.loads(text)
    return Note(
        id=id_, title=title, content=content,
        body=content[len(content) - body_len:] if body_len else "", body_line=body_line,
        frontmatter=fm, frontmatter_lines=fm_lines, tags=tuple(tags), aliases=tuple(aliases),
        links=tuple(Link(*row) for row in links),
        headings=tuple(Heading(*row) for row in headings),
        fences=tuple(Fence(r[0], r[1], tuple(r[2]), *r[3:]) for r in fences),
        diagnostics=tuple(Diagnostic(*row) for row in diags), mtime_ns=mtime_ns, size=size)


def _diag_row(d: Diagnostic) -> list:
    return [d.path, d.line, d.message, d.col, d.severity]


def _fm_text(value) -> str:
    """Frontmatter values (not keys) flattened to words for the full-text index."""
    out: list[str] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif v is not None and not isinstance(v, bool):
            out.append(str(v))
    return " ".join(reversed(out))


class Cache:
    """An open cache database; every method is safe to call from several threads."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None):
        self.conn = conn
        """The SQLite connection (``search.py`` reads ``fts`` through it)."""
        self.path = path
        """The database file, or None for an in-memory cache (read-only kiln)."""
        self.lock = threading.RLock()
        """Held around every use of ``conn``."""

    @classmethod
    def open(cls, root: Path, *, persist: bool = True) -> Cache:
        """Open ``root/.crucible/cache.db``, creating or rebuilding it as needed."""
        path = None
        if persist:
            folder = Path(root) / ".crucible"
            try:
                folder.mkdir(exist_ok=True)
                _ensure_gitignore(folder / ".gitignore")
                path = folder / "cache.db"
            except OSError:
                path = None  # read-only kiln: keep the cache in memory
        if path is not None:
            try:
                return cls(_owned(_connect(path), path, root), path)
            except sqlite3.DatabaseError as exc:
                if _is_busy(exc):  # another process holds it: never delete a live cache
                    return cls(_connect(None), None)
                for suffix in ("", "-wal", "-shm", "-journal"):
                    try:
                        os.remove(str(path) + suffix)
                    except OSError:
                        pass
                try:
                    return cls(_owned(_connect(path), path, root), path)
                except sqlite3.DatabaseError:
                    path = None
        return cls(_connect(None), None)

    def stamps(self) -> dict[str, tuple[int, int]]:
        """Note id -> (mtime_ns, size) as cached."""
        with self.lock:
            return {r[0]: (r[1], r[2]) for r in self.conn.execute("SELECT id, mtime_ns, size FROM notes")}

    def summaries(self) -> tuple[dict, dict, dict, dict]:
        """(tags, types, diagnostics, titles) of every cached note, without loading notes."""
        tags, types, diags, titles = {}, {}, {}, {}
        with self.lock:
            for id_, tag_text, type_, diag_text, title in self.conn.execute(
                    "SELECT id, tags, type, diags, title FROM notes"):
                tags[id_] = tuple(tag_text.split("\x1f")[1:-1]) if tag_text != "\x1f" else ()
                if type_:
                    types[id_] = type_
                if diag_text:
                    diags[id_] = tuple(Diagnostic(*r) for r in json.loads(diag_text))
                titles[id_] = title
        return tags, types, diags, titles

    def links(self) -> dict[str, list]:
        """Note id -> [[target, kind], ...] for every cached note whose row is readable."""
        out = {}
        with self.lock:
            for note_id, text in self.conn.execute("SELECT id, links FROM notes"):
                try:
                    out[note_id] = [(str(t), str(k)) for t, k in json.loads(text)]
                except (ValueError, TypeError):
                    continue
        return out

    def load(self, note_id: str) -> Note | None:
        """The cached note, or None (also when its row is unreadable)."""
        with self.lock:
            row = self.conn.execute("SELECT data FROM notes WHERE id = ?", (note_id,)).fetchone()
        try:
            return note_from_json(row[0]) if row else None
        except (ValueError, TypeError):
            return None

    def reset(self) -> None:
        """Drop every row (the cache is derived data; callers re-parse)."""
        with self.lock, self.conn:
            self.conn.execute("DELETE FROM notes")
            self.conn.execute("DELETE FROM fts")

    def put(self, notes: Iterable[Note]) -> None:
        """Insert or replace notes (and their full-text rows) in one transaction."""
        with self.lock, self.conn:
            cur = self.conn.cursor()
            fts_rows = []
            for note in notes:
                self._delete_one(cur, note.id)
                ntype = note.frontmatter.get("type")
                cur.execute(
                    "INSERT INTO notes(id, mtime_ns, size, title, type, tags, links, diags, data)"
                    " VALUES (?,?,?,?,?,?,?,?,?)",
                    (note.id, note.mtime_ns, note.size, note.title,
                     ntype if isinstance(ntype, str) else "",
                     "\x1f" + "".join(t + "\x1f" for t in note.tags),
                     json.dumps([[l.target, l.kind] for l in note.links], ensure_ascii=False),
                     json.dumps([_diag_row(d) for d in note.diagnostics], ensure_ascii=False)
                     if note.diagnostics else None,
                     note_to_json(note)))
                fts_rows.append((cur.lastrowid, note.title, note.body, " ".join(note.tags),
                                 _fm_text(note.frontmatter)))
            cur.executemany("INSERT INTO fts(rowid, title, body, tags, fm) VALUES (?,?,?,?,?)",
                            fts_rows)

    def delete(self, note_ids: Iterable[str]) -> None:
        """Forget notes that no longer exist."""
        with self.lock, self.conn:
            cur = self.conn.cursor()
            for note_id in note_ids:
                self._delete_one(cur, note_id)

    @staticmethod
    def _delete_one(cur: sqlite3.Cursor, note_id: str) -> None:
        row = cur.execute("SELECT rowid FROM notes WHERE id = ?", (note_id,)).fetchone()
        if row is not None:
            cur.execute("DELETE FROM fts WHERE rowid = ?", (row[0],))
            cur.execute("DELETE FROM notes WHERE rowid = ?", (row[0],))

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()


def _connect(path: Path | None) -> sqlite3.Connection:
    """A connection whose schema is current; raises ``sqlite3.DatabaseError`` when unusable."""
    # IMMEDIATE: a writer takes the write lock up front, so two processes indexing the same
    # kiln queue up instead of failing on a stale read snapshot.
    conn = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False,
                           timeout=10.0, isolation_level="IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if path is not None:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        if version != SCHEMA_VERSION:
            names = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name NOT LIKE 'fts_%'")]
            script = "".join(f'DROP TABLE IF EXISTS "{n}";' for n in names)
            conn.executescript(f"BEGIN;{script}{_SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;")
        conn.execute("SELECT rowid, id FROM notes LIMIT 1").fetchall()
        conn.execute("SELECT rowid FROM fts LIMIT 1").fetchall()
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn


def owner_token(root: Path) -> str:
    """This user's secret for this kiln's cache, kept in the user data folder (never the kiln)."""
    import secrets

    from .config import user_data_dir

    record = user_data_dir() / "cache-owners.json"
    key = os.path.realpath(root)
    try:
        owners = json.loads(record.read_text(encoding="utf-8"))
        if not isinstance(owners, dict):
            owners = {}
    except (OSError, ValueError):
        owners = {}
    token = owners.get(key)
    if not isinstance(token, str):
        token = owners[key] = secrets.token_hex(16)
        tmp = record.with_name(f".{record.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(owners), encoding="utf-8")
        os.replace(tmp, record)
    return token


def _owned(conn: sqlite3.Connection, path: Path, root: Path) -> sqlite3.Connection:
    """The cache must have been built by this user for this kiln, else it is rebuilt.

    A cache.db that arrives with a cloned or unzipped kiln could claim any content for a note
    whose (mtime_ns, size) it guessed; only caches stamped with the token kept in this user's
    data folder are trusted. A foreign file is deleted whole (tables, triggers and all).
    """
    token = owner_token(root)
    rows = conn.execute("SELECT token FROM owner").fetchall()
    if rows == [(token,)]:
        return conn
    if rows or conn.execute("SELECT 1 FROM notes LIMIT 1").fetchall():
        conn.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.remove(str(path) + suffix)
            except OSError:
                pass
        conn = _connect(path)
    conn.execute("DELETE FROM owner")
    conn.execute("INSERT INTO owner(token) VALUES (?)", (token,))
    conn.commit()
    return conn


def _is_busy(exc: sqlite3.DatabaseError) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)


def _ensure_gitignore(path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    missing = [l for l in _GITIGNORE_LINES if l not in text.splitlines()]
    if missing:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(("\n" if text and not text.endswith("\n") else "")
                     + "".join(l + "\n" for l in missing))
