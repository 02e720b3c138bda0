"""The context of one tool call: what the host functions see and the one permission check.

A root call opens a :class:`CallTree`: one staged write transaction for notes and one state
transaction per plugin touched. Nested ``tools.call`` calls join the tree, so the whole tree
commits together when the root call succeeds and nothing of it is applied when any part fails
(DESIGN §6: calls are transactional).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .errors import CapabilityError, KilnError, LimitExceeded
from .limits import Limits

if TYPE_CHECKING:  # pragma: no cover
    from .kiln import Kiln

__all__ = ["CallTree", "CallContext", "CapabilityUse"]

MAX_TOOL_DEPTH = 8


@dataclass(slots=True)
class CapabilityUse:
    """One use of a capability during a call, for the audit log."""

    capability: str
    """Capability name (``kiln.write``)."""
    function: str
    """Host function that needed it (``kiln.write``)."""
    granted: bool
    """Whether the use was allowed."""


class CallTree:
    """Transactions shared by a root call and every nested ``tools.call`` beneath it."""

    def __init__(self, kiln: "Kiln", *, write_mb: int | None = None, plugin: str | None = None):
        self.kiln = kiln
        limit = None if write_mb is None else write_mb * 1024 * 1024
        self.writes = kiln.writer.transaction(limit, plugin=plugin)
        self._stack = contextlib.ExitStack()
        self.once: set[tuple[str, str, str]] = set()
        """(plugin, capability, hash) the person allowed once, for this call tree only."""
        self.parallel_maps = 0
        """``std.parallel_map`` calls running in this tree: only the outermost one fans out, so a
        tree never has more than ``MAX_WORKERS`` calls (each with its own memory) at once."""
        self.parallel_lock = threading.Lock()
        self._states: dict[str, Any] = {}

    def state_for(self, plugin: str):
        """The state transaction of ``plugin`` (opened on first use)."""
        txn = self._states.get(plugin)
        if txn is None:
            txn = self._stack.enter_context(self.kiln.state.transaction(plugin))
            self._states[plugin] = txn
        return txn

    def commit(self) -> list[str]:
        """Apply staged note writes, then commit state; returns the note ids written."""
        if self.writes.staged_writes() or self.writes.staged_deletes():
            written = self.writes.commit()
        else:
            written = []
            self.writes.rollback()
        self._stack.close()
        return list(written)

    def rollback(self, exc: BaseException) -> None:
        """Drop staged writes and roll every state transaction back."""
        self.writes.rollback()
        self._stack.__exit__(type(exc), exc, exc.__traceback__)


@dataclass(slots=True)
class CallContext:
    """Everything a host function may touch during one (possibly nested) tool call."""

    kiln: "Kiln"
    """The open kiln."""
    tree: CallTree
    """Shared transactions of the call tree."""
    plugin: str | None
    """Calling plugin's name (None for built-in tools and ``cru eval``)."""
    permissions: Any
    """The plugin's declared permissions (a ``capabilities.PermissionSet``)."""
    code_hash: str
    """Hash of the plugin's manifest and code: approvals are keyed on it."""
    limits: Limits
    """This call's limits."""
    caller: str = "cli"
    """``cli``, ``mcp``, ``plugin`` or ``test``."""
    chain: tuple[str, ...] = ()
    """Tool names from the root call down to this one (cycle detection)."""
    test_mode: bool = False
    """True under ``cru plugins test`` (throwaway kiln copy: kiln.write/state need no approval)."""
    started: float = field(default_factory=time.monotonic)
    """Monotonic start time."""
    uses: list[CapabilityUse] = field(default_factory=list)
    """Capabilities used, for the audit row."""
    logs: list[tuple[str, str]] = field(default_factory=list)
    """(level, message) lines logged by the plugin."""
    log_bytes: int = 0
    """Bytes logged so far (counted against output_kb)."""
    on_log: Callable[[str, str], None] | None = None
    """Where log lines go as they happen (the CLI prints them to stderr)."""

    # -- the one permission check -------------------------------------------------------
    def require(self, capability: str, function: str) -> None:
        """Allow the use of ``capability`` by ``function`` or raise; every use is recorded."""
        try:
            self.kiln.check_capability(self, capability)
        except CapabilityError:
            self.uses.append(CapabilityUse(capability, function, False))
            raise
        self.uses.append(CapabilityUse(capability, function, True))

    def scope(self, capability: str) -> tuple[str, ...]:
        """The declared scope of a scoped capability (net hosts, fs.read folders)."""
        return self.permissions.scope(capability)

    # -- kiln access (read-your-writes through the staged transaction) ------------------
    @property
    def index(self):
        return self.kiln.index

    @property
    def writes(self):
        return self.tree.writes

    @property
    def state(self):
        if self.plugin is None:
            raise CapabilityError("state is only available to plugins")
        return self.tree.state_for(self.plugin)

    def note_ids(self) -> set[str]:
        """Ids of every note, as this call sees them (staged writes included)."""
        ids = set(self.kiln.index.notes.keys())
        ids |= set(self.writes.staged_writes())
        ids -= set(self.writes.staged_deletes())
        return ids

    def note_id(self, path: str) -> str:
        """Resolve a path or link target to a note id, or raise ``note not found``."""
        if not isinstance(path, str) or not path:
            raise KilnError(f"note path must be a non-empty string, got {path!r}")
        return self.kiln.find_note_id(path, self.writes)

    def note(self, note_id: str):
        """The parsed note, reflecting writes staged in this call."""
        return self.kiln.note_view(note_id, self.writes)

    def title(self, note_id: str) -> str:
        note = self.kiln.index.get(note_id)
        return note.title if note else note_id.rsplit("/", 1)[-1].removesuffix(".md")

    # -- logs, time, composition --------------------------------------------------------
    def log(self, level: str, message: str) -> None:
        self.log_bytes += len(message.encode()) + 1
        if self.log_bytes > self.limits.output_kb * 1024:
            raise LimitExceeded("output_kb", self.limits.output_kb, plugin=self.plugin)
        self.logs.append((level, message))
        if self.on_log:
            self.on_log(level, f"[{self.plugin or 'eval'}] {message}")

    def remaining_seconds(self) -> float:
        return max(0.0, self.limits.timeout_ms / 1000 - (time.monotonic() - self.started))

    def call_tool(self, name: str, args: dict) -> Any:
        if name in self.chain:
            cycle = " -> ".join((*self.chain[self.chain.index(name):], name))
            raise KilnError(f"tool call cycle: {cycle}")
        if len(self.chain) >= MAX_TOOL_DEPTH:
            raise LimitExceeded("tool_call_depth", MAX_TOOL_DEPTH, plugin=self.plugin)
        return self.kiln.registry.call(name, args, caller="plugin", parent=self)

    def list_tools(self) -> list[dict]:
        return [{"name": t.name, "description": t.description, "plugin": t.plugin}
                for t in self.kiln.registry.tools()]
