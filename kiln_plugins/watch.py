"""Hot reload (DESIGN §5): notice changed notes, re-index, re-discover, say what changed.

:func:`reload_kiln` is the one reload step, shared by ``cru watch`` and the MCP server: refresh
the index (only changed files are re-read), re-discover plugins, rebuild the tool list, and
compare plugin by plugin. A call already running keeps the unit it started with, so it finishes
on the old version; the next call gets the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import watchfiles

__all__ = ["ReloadReport", "reload_kiln", "watch_paths", "note_filter", "watch_kiln", "DEBOUNCE_MS", "READY_POLL_MS"]

DEBOUNCE_MS = 200
"""Changes arriving within this many milliseconds are handled as one reload."""
READY_POLL_MS = 500
"""The watcher yields an empty batch this often when idle; the first one means it is armed."""


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What one reload changed; plugin names in each tuple, sorted."""

    added: tuple[str, ...] = ()
    """Plugins that appeared and are valid."""
    changed: tuple[str, ...] = ()
    """Valid plugins whose manifest or code changed."""
    removed: tuple[str, ...] = ()
    """Plugins that are gone."""
    invalid: tuple[str, ...] = ()
    """Plugins that appeared invalid or became invalid, with their first error."""
    notes: int = 0
    """Notes added, changed or removed (plugin notes included)."""

    @property
    def plugins_changed(self) -> bool:
        """True when the tool list may differ."""
        return bool(self.added or self.changed or self.removed or self.invalid)

    def lines(self) -> list[str]:
        """One line per change, as ``cru watch`` prints them."""
        return ([f"added {n}" for n in self.added] + [f"changed {n}" for n in self.changed]
                + [f"removed {n}" for n in self.removed] + [f"invalid {n}" for n in self.invalid])


def _snapshot(plugins) -> dict[str, tuple[bool, str, str]]:
    """name -> (valid, code hash, first error) of the entry that counts for that name."""
    seen: dict[str, tuple[bool, str, str]] = {}
    for spec in plugins.all:
        if plugins.is_shadowed(spec):
            continue
        first = next((str(d) for d in spec.diagnostics if d.severity == "error"), "")
        if spec.name not in seen or (spec.valid and not seen[spec.name][0]):
            seen[spec.name] = (spec.valid, spec.code_hash, first)
    return seen


def reload_kiln(kiln) -> ReloadReport:
    """Re-read changed notes, re-discover plugins, and report the difference."""
    before = _snapshot(kiln.plugins)
    changes = kiln.index.refresh()
    kiln.reload_plugins()
    after = _snapshot(kiln.plugins)
    added, changed, invalid = [], [], []
    for name, (valid, digest, error) in sorted(after.items()):
        old = before.get(name)
        if not valid:
            if old is None or old[0] or old[2] != error:
                invalid.append(f"{name}: {error}")
        elif old is None or not old[0]:
            added.append(name)
        elif old[1] != digest:
            changed.append(name)
    removed = sorted(n for n in before if n not in after)
    notes = len(changes.added) + len(changes.changed) + len(changes.removed)
    return ReloadReport(tuple(added), tuple(changed), tuple(removed), tuple(invalid), notes)


def watch_paths(kiln) -> list[Path]:
    """The kiln root plus the user plugin folders that exist."""
    from .discovery import default_user_dir, plugin_path_env

    paths = [kiln.root]
    for folder in (*plugin_path_env(), default_user_dir()):
        folder = Path(folder)
        if folder.is_dir() and folder not in paths:
            paths.append(folder)
    return paths


def note_filter(roots: Iterable[Path]) -> Callable[[watchfiles.Change, str], bool]:
    """A watch filter: markdown files under ``roots`` outside dot-folders and hidden temp files."""
    roots = [Path(r).resolve() for r in roots]

    def accept(change: watchfiles.Change, path: str) -> bool:
        if not path.endswith(".md"):
            return False
        p = Path(path)
        for root in roots:
            if p.is_relative_to(root):
                return not any(part.startswith(".") for part in p.relative_to(root).parts)
        return False

    return accept


def watch_kiln(kiln, emit: Callable[[ReloadReport], None], *, stop_event=None,
               paths: Iterable[Path] | None = None, on_ready: Callable[[], None] | None = None) -> None:
    """Block, reloading on every batch of changes and handing each report that changed something to ``emit``.

    ``on_ready`` runs once the watcher is armed, after a catch-up reload of anything edited
    between opening the kiln and arming — from then on no edit can be missed.
    """
    paths = list(paths or watch_paths(kiln))
    ready = False
    for changes in watchfiles.watch(*paths, watch_filter=note_filter(paths), debounce=DEBOUNCE_MS,
                                    stop_event=stop_event, rust_timeout=READY_POLL_MS, yield_on_timeout=True):
        if changes or not ready:
            report = reload_kiln(kiln)
            if report.plugins_changed or report.notes:
                emit(report)
        if not ready:
            ready = True
            if on_ready is not None:
                on_ready()
