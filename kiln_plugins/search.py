"""Full-text search over the cache's FTS5 table (DESIGN §3): BM25, snippets, filters.

A query is words plus optional filters written inside it (``tag:x``, ``path:folder/``,
``type:plugin``; ``#x`` is ``tag:x``). Every word is passed to FTS5 as a quoted string, so
characters that mean something to FTS5 (``"*():^-+``, ``AND``/``OR``/``NOT``, ``NEAR``) are just
text and a user's query never raises an SQLite error. A trailing ``*`` keeps its prefix
meaning. Words must all match; when that finds nothing, any word may match.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from .cache import Cache

__all__ = ["SearchHit", "ParsedQuery", "parse_query", "search_notes"]

TITLE_WEIGHT, BODY_WEIGHT, TAGS_WEIGHT, FM_WEIGHT = 10.0, 1.0, 5.0, 2.0
_FILTER = re.compile(r"^(tag|path|type):(.*)$", re.I)
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORDLESS = re.compile(r"^[\W_]*$")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result."""

    path: str
    """The note id."""
    title: str
    """The note's title."""
    score: float
    """Relevance, higher is better (negated BM25; 0 for filter-only queries)."""
    snippet: str
    """A short extract around the match, matched words wrapped in ``**``."""


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query split into its words and its filters."""

    terms: tuple[str, ...]
    """FTS5 terms, each already quoted (``"word"`` or ``"pre"*``)."""
    tags: tuple[str, ...] = ()
    """Tag filters (all must hold; ``a`` also matches ``a/b``)."""
    paths: tuple[str, ...] = ()
    """Path filters: a folder prefix or a note id."""
    types: tuple[str, ...] = ()
    """Frontmatter ``type`` filters."""


def _quote(word: str) -> str | None:
    prefix = word.endswith("*")
    word = word.rstrip("*")
    if _WORDLESS.match(word):
        return None  # nothing FTS5 would tokenize: it cannot match and must not error
    return '"' + word.replace('"', '""') + '"' + ("*" if prefix else "")


def parse_query(query: str) -> ParsedQuery:
    """Split a user's query into FTS5 terms and ``tag:``/``path:``/``type:`` filters."""
    terms, tags, paths, types = [], [], [], []
    for m in _TOKEN.finditer(query or ""):
        if m.group(1) is not None:
            q = _quote(m.group(1))
            if q:
                terms.append(q)
            continue
        word = m.group(2)
        f = _FILTER.match(word)
        if f and f.group(2):
            {"tag": tags, "path": paths, "type": types}[f.group(1).lower()].append(f.group(2))
        elif word.startswith("#") and len(word) > 1 and not _WORDLESS.match(word[1:]):
            tags.append(word[1:])
        else:
            q = _quote(word)
            if q:
                terms.append(q)
    return ParsedQuery(tuple(terms), tuple(t.lstrip("#") for t in tags), tuple(paths), tuple(types))


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filters(pq: ParsedQuery) -> tuple[str, list]:
    clauses, args = [], []
    for tag in pq.tags:
        t = _like_escape(tag.strip().lstrip("#").strip("/"))
        clauses.append("(n.tags LIKE ? ESCAPE '\\' OR n.tags LIKE ? ESCAPE '\\')")
        args += [f"%\x1f{t}\x1f%", f"%\x1f{t}/%"]
    for path in pq.paths:
        p = path.strip().strip("/")
        if p.lower().endswith(".md"):
            clauses.append("n.id = ? COLLATE NOCASE")
            args.append(p)
        else:
            clauses.append("(n.id LIKE ? ESCAPE '\\')")
            args.append(_like_escape(p) + "/%")
    for type_ in pq.types:
        clauses.append("n.type = ? COLLATE NOCASE")
        args.append(type_)
    return "".join(" AND " + c for c in clauses), args


def search_notes(cache: Cache, query: str, *, limit: int = 10, tag: str | None = None,
                 path: str | None = None, type: str | None = None) -> list[SearchHit]:
    """Search the cache; ``tag``/``path``/``type`` add to the filters written in the query."""
    pq = parse_query(query)
    pq = ParsedQuery(pq.terms, pq.tags + ((tag,) if tag else ()),
                     pq.paths + ((path,) if path else ()), pq.types + ((type,) if type else ()))
    where, args = _filters(pq)
    limit = max(0, int(limit))
    with cache.lock:
        try:
            if not pq.terms:
                if not where:
                    return []
                rows = cache.conn.execute(
                    "SELECT n.id, n.title, 0.0, substr(f.body, 1, 160) FROM notes n"
                    f" JOIN fts f ON f.rowid = n.rowid WHERE 1 {where} ORDER BY n.id LIMIT ?",
                    (*args, limit)).fetchall()
                return [SearchHit(r[0], r[1], 0.0, _plain_snippet(r[3])) for r in rows]
            rows = _match(cache.conn, " ".join(pq.terms), where, args, limit)
            if not rows and len(pq.terms) > 1:
                rows = _match(cache.conn, " OR ".join(pq.terms), where, args, limit)
        except sqlite3.Error:
            return []  # a query FTS5 still rejects finds nothing rather than failing
    return [SearchHit(r[0], r[1], -r[2], r[3]) for r in rows]


def _match(conn: sqlite3.Connection, match: str, where: str, args: list, limit: int) -> list:
    return conn.execute(
        "SELECT n.id, n.title, bm25(fts, ?, ?, ?, ?) AS rank,"
        " snippet(fts, 1, '**', '**', '…', 12)"
        f" FROM fts JOIN notes n ON n.rowid = fts.rowid WHERE fts MATCH ? {where}"
        " ORDER BY rank, n.id LIMIT ?",
        (TITLE_WEIGHT, BODY_WEIGHT, TAGS_WEIGHT, FM_WEIGHT, match, *args, limit)).fetchall()


def _plain_snippet(text: str) -> str:
    text = " ".join(text.split())
    return text[:120] + ("…" if len(text) > 120 else "")
