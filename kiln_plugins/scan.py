"""Find a kiln's notes on disk (DESIGN §3) with the (mtime_ns, size) the cache compares.

Skipped: every entry whose name starts with a dot (``.git``, ``.obsidian``, ``.crucible``,
``.trash``, and the hidden temp files of atomic writes), files not ending in ``.md``, symlinks
whose target lies outside the root or is not itself a note (``x.md -> .git/config``), and symlinked folders altogether: a folder link inside the
root points at a folder that is indexed under its real path already (or at an ancestor, which
would be a loop), so following it could only duplicate notes.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["scan_kiln", "is_note_id", "stat_note", "link_target_ok"]


def is_note_id(note_id: str) -> bool:
    """True when ``note_id`` names a place the scanner would index (no dot parts, ``.md``)."""
    parts = note_id.split("/")
    return note_id.lower().endswith(".md") and all(p and not p.startswith(".") for p in parts)


def stat_note(root: Path, note_id: str) -> tuple[int, int] | None:
    """``(mtime_ns, size)`` of one note by the scanner's rules, or None when it would be skipped."""
    if not is_note_id(note_id):
        return None
    path = os.path.join(root, *note_id.split("/"))
    try:
        if os.path.islink(path) and not link_target_ok(path, os.path.realpath(root)):
            return None
        parent = os.path.dirname(path)
        if os.path.realpath(parent) != os.path.join(os.path.realpath(root), *note_id.split("/")[:-1]):
            return None  # reached through a symlinked folder, which the scanner never follows
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size) if os.path.isfile(path) else None


def scan_kiln(root: Path) -> dict[str, tuple[int, int]]:
    """Map every note id under ``root`` to its ``(mtime_ns, size)``."""
    root_real = os.path.realpath(root)
    found: dict[str, tuple[int, int]] = {}
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                try:
                    if entry.is_symlink():
                        if entry.is_dir() or not link_target_ok(entry.path, root_real):
                            continue
                    elif entry.is_dir():
                        stack.append((entry.path, prefix + name + "/"))
                        continue
                    if name[-3:].lower() == ".md" and entry.is_file():
                        st = entry.stat()
                        found[prefix + name] = (st.st_mtime_ns, st.st_size)
                except OSError:
                    continue
    return found


def link_target_ok(link: str, root_real: str) -> bool:
    """A note symlink counts only when it resolves to a note the scanner would index itself.

    Otherwise ``leak.md -> .git/config`` (or ``.crucible/state.db``, ``.obsidian/…``) would
    hand a hidden, non-note file to ``kiln.read`` and search.
    """
    real = os.path.realpath(link)
    if not _inside(real, root_real) or real == root_real:
        return False
    return is_note_id(os.path.relpath(real, root_real).replace(os.sep, "/"))


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)
