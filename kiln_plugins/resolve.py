"""Resolve a link target to a note id (DESIGN §3), from maps precomputed once per index version.

Order: exact path (with or without ``.md``) relative to the kiln root, then relative to the
source note's folder (how markdown links and ``../`` paths are meant); then the same two
case-insensitively; then the file stem, case-insensitively — a target with folders
(``sub/Note``) matches the notes whose path ends with it. One candidate resolves; several are
ambiguous and resolve to the shortest path string, then the lexicographically first, flagged.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Resolution", "Resolver", "normalize_target", "dangling_id"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome of resolving one link target."""

    target_id: str | None
    """The note id the target names, or None when no note matches (a dangling link)."""
    ambiguous: bool = False
    """True when several notes share the stem and the tie-break rule chose one."""


def normalize_target(target: str) -> str:
    """A written target as a clean POSIX path: separators, ``./`` and ``..`` folded."""
    t = target.strip().replace("\\", "/")
    if not t:
        return ""
    t = posixpath.normpath(t)
    return t[1:] if t.startswith("/") else t


def _with_md(path: str) -> str:
    return path if path.lower().endswith(".md") else path + ".md"


ATTACHMENT_SUFFIXES = frozenset(
    "png jpg jpeg gif bmp svg webp avif ico pdf mp3 wav ogg m4a flac mp4 webm mov mkv ogv "
    "canvas excalidraw csv json txt zip".split())
"""Extensions of files a link may name that are not notes (their dangling id keeps them)."""


def dangling_id(target: str) -> str:
    """The graph node id of a target no note matches (``Missing Note`` -> ``Missing Note.md``,
    ``pic.png`` stays ``pic.png``)."""
    t = normalize_target(target) or target.strip()
    name = t.rsplit("/", 1)[-1]
    if "." in name and name.rsplit(".", 1)[1].lower() in ATTACHMENT_SUFFIXES:
        return t
    return _with_md(t)


def _stem_of(note_id: str) -> str:
    name = note_id.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


class Resolver:
    """Precomputed lookup tables over a fixed set of note ids."""

    __slots__ = ("_exact", "_folded", "_stems")

    def __init__(self, note_ids: Iterable[str]):
        ordered = sorted(note_ids, key=lambda i: (len(i), i))  # the tie-break order
        # Each table answers a path with or without ``.md``; a whole id wins over an id
        # that only matches once ``.md`` is added (``x.md`` the note over ``x.md.md``).
        self._exact: dict[str, str] = {_without_md(i): i for i in reversed(ordered)}
        self._exact.update((i, i) for i in ordered)
        self._folded: dict[str, str] = {}
        for note_id in ordered:
            self._folded.setdefault(note_id.lower(), note_id)
        for note_id in ordered:
            self._folded.setdefault(_without_md(note_id).lower(), note_id)
        stems: dict[str, list[str]] = {}
        for note_id in ordered:
            stems.setdefault(_stem_of(note_id).lower(), []).append(note_id)
        self._stems = stems  # each list is already in tie-break order

    def resolve(self, target: str, source_id: str | None = None) -> Resolution:
        """Resolve ``target`` as written in note ``source_id`` (None: from the kiln root)."""
        folder = source_id.rsplit("/", 1)[0] if source_id and "/" in source_id else ""
        return self.resolve_in(target, folder)

    def resolve_in(self, target: str, folder: str = "") -> Resolution:
        """Resolve ``target`` as written in a note of ``folder`` ('' for the kiln root)."""
        raw = target.strip()
        if "\\" in raw:
            raw = raw.replace("\\", "/")
        if not raw:
            return _NONE
        dotted = raw[0] == "/" or "//" in raw or "." in raw and _DOT_SEGMENT.search(raw) is not None
        t = normalize_target(raw) if dotted else raw
        if t == ".":
            return _NONE
        candidates = [] if t.startswith("..") else [t]
        if folder and raw[0] != "/":
            rel = folder + "/" + raw
            if dotted:
                rel = posixpath.normpath(rel)
            if not rel.startswith("..") and rel != t:
                candidates.append(rel)
        for c in candidates:
            hit = self._exact.get(c)
            if hit is not None:
                return Resolution(hit)
        for c in candidates:
            hit = self._folded.get(c.lower())
            if hit is not None:
                return Resolution(hit)
        tail = t
        while tail.startswith("../"):
            tail = tail[3:]
        tail = tail.lower()
        if tail.endswith(".md"):
            tail = tail[:-3]
        slash = tail.rfind("/")
        found = self._stems.get(tail[slash + 1:])
        if found and slash >= 0:
            suffix = "/" + tail + ".md"
            found = [i for i in found if i.lower().endswith(suffix)]
        if not found:
            return _NONE
        return Resolution(found[0], ambiguous=len(found) > 1)


def _without_md(note_id: str) -> str:
    return note_id[:-3] if note_id.lower().endswith(".md") else note_id


_NONE = Resolution(None)
_DOT_SEGMENT = re.compile(r"(?:^|/)\.\.?(?:/|$)")
