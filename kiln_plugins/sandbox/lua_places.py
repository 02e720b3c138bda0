"""Turning Lua error messages and frames into ``note-path:LINE: message`` errors.

Plugin chunks are loaded with their note line offset already applied (the source is padded
with ``first_line - 1`` newlines), so Lua's own line numbers are note lines. Chunk names are
short (Lua truncates long ones); :class:`ChunkNames` maps them back to note paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ChunkNames", "Place", "locate"]

_MAX_NAME = 50
_PLACE = re.compile(r"^(.*?):(\d+): (.*)\Z", re.S)
_INTERNAL = re.compile(r"\[sandbox\]:\d+: ")


@dataclass(frozen=True, slots=True)
class Place:
    """Where a Lua error happened, in note terms, and what it said."""

    path: str | None
    """Note path (``plugins/dice.md``), None when unknown."""
    line: int
    """1-based line in the note, 0 when unknown."""
    message: str
    """The message without its place, runtime internals removed."""
    traceback: tuple[str, ...] = ()
    """Plugin frames ``path:line: in name``, innermost first."""


class ChunkNames:
    """Short Lua chunk names for note paths, and back."""

    def __init__(self):
        self._paths: dict[str, str] = {}

    def name_for(self, path: str) -> str:
        """A chunk name Lua will not truncate, unique within this unit (without the ``=``)."""
        name = path if len(path) <= _MAX_NAME else "…" + path[-(_MAX_NAME - 1):]
        base, n = name, 2
        while self._paths.get(name, path) != path:
            name = f"{base}~{n}"
            n += 1
        self._paths[name] = path
        return name

    def path_of(self, name: str) -> str | None:
        """The note path of a chunk name, None for names that are not plugin chunks."""
        return self._paths.get(name)


def locate(names: ChunkNames, message: str | None, frames: str | None, fallback: str | None) -> Place:
    """Split ``message`` into place and text; without a place use the innermost plugin frame."""
    text = _INTERNAL.sub("", message or "")
    trace: list[tuple[str, int, str]] = []
    for row in (frames or "").splitlines():
        chunk, _, rest = row.partition("\t")
        line, _, fname = rest.partition("\t")
        path = names.path_of(chunk)
        if path and line.isdigit():
            trace.append((path, int(line), fname))
    traceback = tuple(f"{p}:{ln}: in {f}" for p, ln, f in trace)
    m = _PLACE.match(text)
    if m and names.path_of(m.group(1)):
        return Place(names.path_of(m.group(1)), int(m.group(2)), m.group(3), traceback)
    if trace:
        return Place(trace[0][0], trace[0][1], text, traceback)
    return Place(fallback, 0, text, traceback)
