"""The kiln index (DESIGN §3): notes, resolution, link graph, tags, search, incremental updates.

``KilnIndex.open(root)`` scans the kiln, re-parses only the notes whose (mtime_ns, size)
differ from ``.crucible/cache.db`` and keeps the rest in the cache: notes load lazily, so a warm
start costs a directory scan and one query. ``version`` increments whenever the content
changes; the resolver and the link graph are built lazily, once per version.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from .cache import Cache
from .errors import Diagnostic, NoteParseError, UsageError
from .model import Note
from .note import read_note
from .resolve import Resolution, Resolver, dangling_id
from .scan import scan_kiln, stat_note
from .search import SearchHit, search_notes

__all__ = ["KilnIndex", "Changes", "NoteMapping"]

Progress = Callable[[int, int], None]
CACHE_PLACE = ".crucible/cache.db"


@dataclass(frozen=True, slots=True)
class Changes:
    """What a ``refresh`` found; each a sorted tuple of note ids."""

    added: tuple[str, ...] = ()
    """Notes that appeared."""
    changed: tuple[str, ...] = ()
    """Notes whose file changed."""
    removed: tuple[str, ...] = ()
    """Notes that disappeared."""

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


class NoteMapping(Mapping):
    """The index's notes as a read-only mapping id -> Note, loading from the cache on demand."""

    __slots__ = ("_index",)

    def __init__(self, index: KilnIndex):
        self._index = index

    def __getitem__(self, note_id: str) -> Note:
        note = self._index.get(note_id)
        if note is None:
            raise KeyError(note_id)
        return note

    def __contains__(self, note_id: object) -> bool:
        return note_id in self._index._stamps

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._index._stamps))

    def __len__(self) -> int:
        return len(self._index._stamps)


class KilnIndex:
    """An open, incrementally updated index of one kiln."""

    def __init__(self, root: Path, cache: Cache):
        self.root = Path(root)
        """The kiln folder."""
        self.version = 0
        """Increments whenever the indexed content changes (graph users cache on it)."""
        self.last_changes = Changes()
        """What the latest open/refresh/update_paths re-read (a warm start's own work)."""
        self._cache = cache
        self._lock = threading.RLock()  # a watcher thread may refresh while tools read
        self._stamps: dict[str, tuple[int, int]] = {}
        self._loaded: dict[str, Note] = {}
        self._tags: dict[str, tuple[str, ...]] = {}
        self._types: dict[str, str] = {}
        self._diags: dict[str, tuple[Diagnostic, ...]] = {}
        self._titles: dict[str, str] = {}
        self._scan_diags: dict[str, Diagnostic] = {}
        self._structure = 0  # increments when the set of note ids changes
        self._resolver: tuple[int, Resolver] | None = None
        self._graph: tuple[int, nx.DiGraph] | None = None
        self._graph_dirty: set[str] | None = None  # edited since the graph; None: rebuild
        self._resolved: dict[tuple[str, str], Resolution] = {}
        self.notes: Mapping[str, Note] = NoteMapping(self)
        """Note id -> Note (every note of the kiln; loaded lazily)."""

    @classmethod
    def open(cls, root: Path | str, *, progress: Progress | None = None,
             persist: bool = True) -> KilnIndex:
        """Index the kiln at ``root`` (warm from its cache); ``progress(done, total)`` reports parsing."""
        root = Path(root)
        if not root.is_dir():
            raise UsageError(f"kiln folder not found: {root}")
        index = cls(root, Cache.open(root, persist=persist))
        try:
            index._stamps = index._cache.stamps()
            (index._tags, index._types, index._diags, index._titles) = index._cache.summaries()
        except (sqlite3.DatabaseError, ValueError, TypeError):
            try:
                index._cache.reset()  # damaged rows: derived data, so start over
            except sqlite3.DatabaseError:
                index._cache.close()
                index._cache = Cache.open(root, persist=False)
            index._stamps, index._tags, index._types, index._diags, index._titles = {}, {}, {}, {}, {}
        index._sync(scan_kiln(root), progress)
        index.version = 1
        return index

    # --- keeping up with the files ------------------------------------------------------------

    def refresh(self, progress: Progress | None = None) -> Changes:
        """Re-scan the kiln and re-parse only the notes whose file changed."""
        disk = scan_kiln(self.root)
        with self._lock:
            changes = self._sync(disk, progress)
            if changes:
                self.version += 1
            return changes

    def update_paths(self, note_ids: Iterable[str]) -> Changes:
        """Re-read the given notes after the host wrote or deleted them."""
        with self._lock:
            disk = dict(self._stamps)
        wanted = set()
        for note_id in note_ids:
            note_id = note_id.replace("\\", "/").lstrip("/")
            wanted.add(note_id)
            disk.pop(note_id, None)
            stamp = stat_note(self.root, note_id)
            if stamp is not None:
                disk[note_id] = stamp
        with self._lock:
            changes = self._sync(disk, None, only=wanted)
            if changes:
                self.version += 1
            return changes

    def _sync(self, disk: dict[str, tuple[int, int]], progress: Progress | None,
              only: set[str] | None = None) -> Changes:
        with self._lock:
            old = self._stamps
            added = [i for i in disk if i not in old]
            changed = [i for i in disk if i in old and old[i] != disk[i]]
            if only is not None:  # explicit paths are re-read even when their stamp looks equal
                changed += [i for i in only if i in disk and i in old and i not in changed]
            removed = [i for i in old if i not in disk]
            todo = added + changed
            parsed: list[Note] = []
            total = len(todo)
            step = max(1, total // 100)
            if progress and total:
                progress(0, total)
            # Parsing thousands of notes allocates millions of long-lived objects; the cyclic
            # collector would rescan them again and again for nothing (notes hold no cycles).
            pause_gc = total > 500 and gc.isenabled()
            if pause_gc:
                gc.disable()
            try:
                for n, note_id in enumerate(todo, 1):
                    try:
                        parsed.append(read_note(self.root, note_id))
                    except NoteParseError as exc:
                        self._scan_diags[note_id] = Diagnostic(note_id, 0, exc.message)
                        removed.append(note_id)
                        disk.pop(note_id, None)
                    if progress and (n % step == 0 or n == total):
                        progress(n, total)
            finally:
                if pause_gc:
                    gc.enable()
            gone = [i for i in removed if i in old]
            try:
                if gone:
                    self._cache.delete(gone)
                if parsed:
                    self._cache.put(parsed)
                self._scan_diags.pop(CACHE_PLACE, None)
            except sqlite3.Error as exc:  # the next start re-parses what was not stored
                self._scan_diags[CACHE_PLACE] = Diagnostic(
                    CACHE_PLACE, 0, f"index cache not updated: {exc}", severity="warning")
            new_stamps = dict(disk)
            for note in parsed:
                new_stamps[note.id] = (note.mtime_ns, note.size)
                self._scan_diags.pop(note.id, None)
                self._remember(note)
            for note_id in removed:
                new_stamps.pop(note_id, None)
                for table in (self._loaded, self._tags, self._types, self._diags, self._titles):
                    table.pop(note_id, None)
            self._stamps = new_stamps
            if any(i not in old for i in new_stamps) or any(i not in new_stamps for i in old):
                self._structure += 1  # resolution may change anywhere: rebuild resolver and graph
                self._graph_dirty = None
            elif self._graph_dirty is not None:
                self._graph_dirty.update(n.id for n in parsed)
            added_ok = {n.id for n in parsed}
            self.last_changes = Changes(tuple(sorted(i for i in added if i in added_ok)),
                           tuple(sorted(i for i in changed if i in added_ok)),
                           tuple(sorted(i for i in set(removed) if i in old)))
            return self.last_changes

    def _remember(self, note: Note) -> None:
        self._loaded[note.id] = note
        self._tags[note.id] = note.tags
        ntype = note.frontmatter.get("type")
        if isinstance(ntype, str) and ntype:
            self._types[note.id] = ntype
        else:
            self._types.pop(note.id, None)
        if note.diagnostics:
            self._diags[note.id] = note.diagnostics
        else:
            self._diags.pop(note.id, None)
        self._titles[note.id] = note.title

    # --- notes --------------------------------------------------------------------------------

    def get(self, note_id: str) -> Note | None:
        """The note with this id, or None."""
        with self._lock:
            if note_id not in self._stamps:
                return None
            note = self._loaded.get(note_id)
            if note is None:
                note = self._cache.load(note_id)
                if note is None:  # the cache lost it (another process): read the file again
                    try:
                        note = read_note(self.root, note_id)
                    except NoteParseError:
                        return None
                self._loaded[note_id] = note
            return note

    def title(self, note_id: str) -> str | None:
        """A note's title without loading the note; None for an unknown id."""
        return self._titles.get(note_id)

    def plugin_ids(self) -> list[str]:
        """Ids of the notes whose frontmatter says ``type: plugin`` (broken ones included), sorted."""
        return sorted(i for i, t in self._types.items() if t == "plugin")

    def tags(self) -> dict[str, int]:
        """Tag -> number of notes carrying it (case-insensitive, first spelling), sorted."""
        counts: dict[str, int] = {}
        spelling: dict[str, str] = {}
        for note_id in sorted(self._tags):
            for tag in self._tags[note_id]:
                key = spelling.setdefault(tag.lower(), tag)
                counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: kv[0].lower()))

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every problem found in the kiln's notes, by path and line."""
        found = [d for ds in self._diags.values() for d in ds] + list(self._scan_diags.values())
        return sorted(found, key=lambda d: (d.path, d.line, d.col))

    # --- links --------------------------------------------------------------------------------

    def _resolver_now(self) -> Resolver:
        if self._resolver is None or self._resolver[0] != self._structure:
            self._resolver = (self._structure, Resolver(self._stamps))
            self._resolved = {}
        return self._resolver[1]

    def resolve_link(self, target: str, source_id: str | None = None) -> Resolution:
        """Resolve a link target with its ambiguity flag (DESIGN §3 order)."""
        folder = source_id.rsplit("/", 1)[0] if source_id and "/" in source_id else ""
        return self._resolve_in(target, folder)

    def _resolve_in(self, target: str, folder: str) -> Resolution:
        with self._lock:
            resolver = self._resolver_now()
            key = (target, folder)
            hit = self._resolved.get(key)
            if hit is None:
                hit = self._resolved[key] = resolver.resolve_in(target, folder)
            return hit

    def resolve(self, target: str, source_id: str | None = None) -> str | None:
        """The note id ``target`` names as written in ``source_id``, or None when dangling."""
        return self.resolve_link(target, source_id).target_id

    @property
    def graph(self) -> nx.DiGraph:
        """Link graph over note ids; dangling targets are nodes with ``dangling=True``."""
        with self._lock:
            if self._graph is None or (self._graph[0] != self.version and self._graph_dirty is None):
                self._graph = (self.version, self._build_graph())
                self._graph_dirty = set()
            elif self._graph[0] != self.version:
                g = self._graph[1]
                self._update_graph(g, self._graph_dirty)
                self._graph = (self.version, g)
                self._graph_dirty = set()
            return self._graph[1]

    def _update_graph(self, g: nx.DiGraph, edited: set[str]) -> None:
        """Redo the out-edges of edited notes in place (the set of notes is unchanged)."""
        touched = set()
        for source in edited:
            touched.update(g.successors(source))
            g.remove_edges_from(list(g.out_edges(source)))
            edges, dangling = self._edges_of(source, [[l.target, l.kind] for l in self.notes[source].links])
            g.add_nodes_from(dangling - set(g), dangling=True)
            g.add_edges_from((s, t, {"count": c, "kinds": tuple(sorted(k))})
                             for (s, t), (c, k) in edges.items())
        g.remove_nodes_from([n for n in touched if g.nodes[n]["dangling"] and not g.in_degree(n)])

    def _edges_of(self, source: str, links, edges=None, dangling=None):
        """Accumulate ``{(source, target): [count, kinds]}`` and dangling targets of one note."""
        edges = {} if edges is None else edges
        dangling = set() if dangling is None else dangling
        folder = source.rsplit("/", 1)[0] if "/" in source else ""
        for target, kind in links:
            if not target:
                continue  # [[#heading]] points into the same note
            hit = self._resolve_in(target, folder).target_id
            if hit is None:
                hit = dangling_id(target)
                dangling.add(hit)
            edge = edges.get((source, hit))
            if edge is None:
                edges[(source, hit)] = [1, {kind}]
            else:
                edge[0] += 1
                edge[1].add(kind)
        return edges, dangling

    def _build_graph(self) -> nx.DiGraph:
        links = self._cache.links()
        for note_id in self._stamps:
            if note_id not in links and note_id not in self._loaded:
                self.get(note_id)  # its cached row was unreadable: get() reads the file
        for note_id, note in self._loaded.items():
            links[note_id] = [[l.target, l.kind] for l in note.links]
        edges: dict[tuple[str, str], list] = {}
        dangling: set[str] = set()
        for source in sorted(self._stamps):
            self._edges_of(source, links.get(source, ()), edges, dangling)
        g = nx.DiGraph()
        g.add_nodes_from(sorted(self._stamps), dangling=False)
        g.add_nodes_from(sorted(dangling), dangling=True)
        g.add_edges_from((s, t, {"count": c, "kinds": tuple(sorted(k))})
                         for (s, t), (c, k) in edges.items())
        return g

    def outlinks(self, note_id: str) -> list[str]:
        """Notes ``note_id`` links to (resolved, first-link order, no dangling targets)."""
        g = self.graph
        if note_id not in g:
            return []
        return [t for t in g.successors(note_id) if not g.nodes[t]["dangling"]]

    def backlinks(self, note_id: str) -> list[str]:
        """Notes linking to ``note_id``, sorted."""
        g = self.graph
        return sorted(g.predecessors(note_id)) if note_id in g else []

    # --- search -------------------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 10, tag: str | None = None,
               path: str | None = None, type: str | None = None) -> list[SearchHit]:
        """Full-text search with BM25 ranking; filters may also be written in ``query``."""
        return search_notes(self._cache, query, limit=limit, tag=tag, path=path, type=type)

    def close(self) -> None:
        """Release the cache database."""
        self._cache.close()

    def __enter__(self) -> KilnIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
