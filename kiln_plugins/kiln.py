"""``Kiln.open(root)``: everything about one kiln, built explicitly — no module-level state.

Index → plugins → units → tools, in the order of DESIGN §2. The CLI and the MCP server each
open a Kiln and talk to its :class:`~kiln_plugins.tools.ToolRegistry`.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from .errors import CapabilityError, KilnError, UsageError
from .gitinfo import git_index_of, note_version, version_stamp

__all__ = ["Kiln", "Approver"]


Approver = Callable[[str, str, str], str]
"""``approver(plugin, capability, detail) -> "once" | "always" | "deny"`` (the CLI's TTY prompt)."""

GIT_RECHECK_S = 5.0
"""How long the location of a plugin folder's git repository is trusted before looking again."""

RUNTIMES: dict[str, str] = {
    "lua": "kiln_plugins.sandbox.lua_runtime:LuaUnit",
    "rune": "kiln_plugins.rune.unit:RuneUnit",
}


class Kiln:
    """An open kiln: its index, plugins, state, approvals, writer and tool registry."""

    def __init__(self, root: Path, *, index, settings, plugins, state, approvals, writer,
                 caller: str = "cli", approver: Approver | None = None,
                 on_log: Callable[[str, str], None] | None = None,
                 on_hard_timeout: Callable[[Exception], None] | None = None):
        from .tools import ToolRegistry

        self.root = root
        self.index = index
        self.settings = settings
        self.plugins = plugins
        self.state = state
        self.approvals = approvals
        self.writer = writer
        self.caller = caller
        self.approver = approver
        self.on_log = on_log
        self.on_hard_timeout = on_hard_timeout
        self._lock = threading.RLock()
        self._hashes: dict = {}
        self._hashes_for = None
        self._permissions: dict = {}
        self._git_index: dict[str, tuple[float, str | None]] = {}
        self._commits: dict = {}
        self.registry = ToolRegistry(self)

    @classmethod
    def open(cls, root: str | Path, *, progress=None, **options) -> "Kiln":
        """Open (and index) the kiln at ``root``; creates ``.crucible/`` on demand."""
        from .approvals import ApprovalStore
        from .config import Settings, kiln_data_dir, user_data_dir
        from .discovery import discover
        from .index import KilnIndex
        from .kiln_writer import KilnWriter, sweep_temp_files
        from .state import StateStore

        root = Path(root).resolve()
        if not root.is_dir():
            raise UsageError(f"kiln folder does not exist: {root}")
        data = kiln_data_dir(root)
        sweep_temp_files(root)
        settings = Settings.load(root)
        index = KilnIndex.open(root, progress=progress)
        plugins = discover(index, maximums=settings.maximums)
        state = StateStore(data / "state.db", retention=settings.audit_retention)
        approvals = ApprovalStore(user_data_dir())
        writer = KilnWriter(root)
        return cls(root, index=index, settings=settings, plugins=plugins, state=state,
                   approvals=approvals, writer=writer, **options)

    def close(self) -> None:
        """Flush the audit log and close the stores."""
        self.state.close()
        self.index.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- plugins ------------------------------------------------------------------------
    def reload_plugins(self):
        """Re-discover plugins and rebuild the tool list; returns the new PluginSet."""
        from .discovery import discover

        with self._lock:
            self.plugins = discover(self.index, maximums=self.settings.maximums)
            self.registry.rebuild()
        return self.plugins

    def runtime_for(self, language: str):
        """The unit class for a language, from the ``RUNTIMES`` table."""
        import importlib

        target = RUNTIMES.get(language)
        if target is None:
            raise KilnError(f"unsupported plugin language '{language}'")
        module, _, name = target.partition(":")
        return getattr(importlib.import_module(module), name)

    def check_code(self, spec) -> list:
        """Diagnostics for plugin code (with what it requires) that does not compile; nothing runs."""
        from .code_check import check_code

        active = spec.name in self.plugins.active and self.plugins.get(spec.name) is spec
        return check_code(spec, self.required_code(spec) if active else ())

    def plugin_problems(self) -> list[tuple[object, list[str]]]:
        """Every plugin with all its problems: manifest diagnostics, compile errors (active,
        valid plugins are compiled, never run) and tools skipped for a name clash."""
        conflicts: dict[str, list[str]] = {}
        for line in self.registry.conflicts:
            conflicts.setdefault(line.split(":", 1)[0], []).append(line)
        report = []
        for spec in self.plugins.all:
            errors = [str(d) for d in spec.diagnostics if d.severity == "error"]
            if spec.valid:
                errors += [str(d) for d in self.check_code(spec)]
            errors += conflicts.get(spec.note_id, [])
            report.append((spec, errors))
        return report

    def required_code(self, spec) -> list:
        """Code chunks of the plugins ``spec`` requires, dependencies first."""
        chunks = []
        for name in self.plugins.load_order(spec.name)[:-1]:
            chunks.extend(self.plugins.get(name).code)
        return chunks

    def approval_hash(self, spec) -> str:
        """The hash approvals are keyed on: the plugin's code and that of everything it requires.

        Required code runs inside the requiring plugin with its permissions, so an edit to a
        dependency must ask the person again just like an edit to the plugin itself.
        """
        import hashlib

        cached = self._hashes.get((spec.name, spec.code_hash))
        if cached is not None and self._hashes_for is self.plugins:
            return cached
        if self._hashes_for is not self.plugins:
            self._hashes, self._hashes_for = {}, self.plugins
        self._hashes[(spec.name, spec.code_hash)] = value = self._approval_hash(spec)
        return value

    def _approval_hash(self, spec) -> str:
        import hashlib

        names = self.plugins.load_order(spec.name) if spec.name in self.plugins.active else [spec.name]
        if names == [spec.name]:
            return spec.code_hash
        parts = [(self.plugins.get(n) or spec).code_hash for n in names]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def approve(self, name: str, capability: str | None = None) -> list[str]:
        """Grant a plugin's risky capabilities (or one) for its current code; returns them."""
        from .errors import UsageError, ValidationError

        impostor = next((s for s in self.plugins.all if s.name == name and not s.valid), None)
        if name == "builtin" and impostor is None:  # the built-in note tools, called over MCP
            if capability not in (None, "kiln.write"):
                raise UsageError(f"built-in tools can only be granted 'kiln.write', not '{capability}'")
            self.approvals.grant(self.root, "builtin", "kiln.write", "builtin")
            return ["kiln.write"]
        spec = self.plugins.get(name)
        if spec is None:
            broken = next((s for s in self.plugins.all if s.name == name), None)
            if broken is not None and not broken.valid:
                raise ValidationError(f"plugin '{name}' is invalid; fix it before approving",
                                      diagnostics=broken.diagnostics)
            raise UsageError(f"unknown plugin '{name}' (see `cru plugins list`)")
        risky = list(self.permissions_of(spec).risky())
        if capability is not None:
            if capability not in risky:
                raise UsageError(f"plugin '{name}' does not declare a risky capability '{capability}' "
                                 f"(declared: {', '.join(risky) or 'none'})")
            risky = [capability]
        approval_hash = self.approval_hash(spec)
        for cap in risky:
            self.approvals.grant(self.root, name, cap, approval_hash)
        return risky

    def permissions_of(self, spec):
        """The declared permission set of a plugin (built-ins: what their tools declare)."""
        from .capabilities import PermissionSet

        if spec is None:
            return PermissionSet.builtin()
        key = (spec.name, spec.code_hash)
        perms = self._permissions.get(key)
        if perms is None:
            perms = self._permissions[key] = PermissionSet.from_spec(spec)
        return perms

    # -- the capability decision ------------------------------------------------------
    def check_capability(self, ctx, capability: str) -> None:
        """Allow, ask the person (TTY), or raise CapabilityError / ApprovalRequired (exit 3)."""
        from .capabilities import decide, needs_approval

        name = ctx.plugin or "builtin"
        if ctx.plugin is None and not (capability in ("kiln.write", "plugins.write") and ctx.caller == "mcp"):
            return  # built-in tools act for the person at the CLI; agents need approval to write
        key = (name, capability, ctx.code_hash)
        approved = (key in ctx.tree.once or not needs_approval(capability)
                    or self.approvals.is_granted(self.root, name, capability, ctx.code_hash))
        verdict = decide(name, ctx.permissions, capability, approved=approved, test_copy=ctx.test_mode)
        if verdict.allowed:
            return
        if verdict.decision.value == "needs-approval" and self.approver is not None:
            answer = self.approver(name, capability, self._approval_detail(name, capability, ctx))
            if answer == "always":
                self.approvals.grant(self.root, name, capability, ctx.code_hash)
                return
            if answer == "once":
                ctx.tree.once.add(key)  # for this call (and its nested calls) only
                return
            raise CapabilityError(f"plugin '{name}': capability '{capability}' denied by the user")
        verdict.raise_if_refused()

    def _approval_detail(self, name: str, capability: str, ctx) -> str:
        """What the prompt shows besides the name: the scope, and which note asks (a kiln plugin
        may shadow the person's user plugin of the same name)."""
        parts = [", ".join(ctx.permissions.scope(capability))]
        spec = self.plugins.get(name)
        if spec is not None:
            where = spec.note_id if spec.source == "kiln" else str(spec.file or spec.note_id)
            parts.append(f"{spec.source} plugin {where}")
        return "; ".join(p for p in parts if p)

    # -- note access used by host functions ----------------------------------------------
    def find_note_id(self, path: str, writes=None) -> str:
        """Resolve a path or link target to an existing note id (staged writes included)."""
        staged = set(writes.staged_writes()) if writes is not None else set()
        deleted = set(writes.staged_deletes()) if writes is not None else set()
        candidates = [path, path + ".md"] if not path.endswith(".md") else [path]
        for c in candidates:
            c = c.lstrip("/")
            if c in staged or (c in self.index.notes and c not in deleted):
                return c
        resolved = self.index.resolve(path, None)
        if resolved and resolved in self.index.notes and resolved not in deleted:
            return resolved
        raise KilnError(f"note not found: '{path}'")

    def note_view(self, note_id: str, writes=None):
        """The note as the call sees it: a staged write is parsed on the fly."""
        from .note import parse_note

        if writes is not None:
            staged = writes.staged_writes()
            if note_id in staged:
                return parse_note(note_id, staged[note_id])
        note = self.index.get(note_id)
        if note is None:
            raise KilnError(f"note not found: '{note_id}'")
        return note

    def notes_changed(self, note_ids: list[str]) -> None:
        """After a committed call: refresh those notes; reload plugins if a plugin changed."""
        with self._lock:
            before = {n for n in note_ids if (self.index.get(n) and self.index.get(n).is_plugin)}
            self.index.update_paths(note_ids)
            after = {n for n in note_ids if (self.index.get(n) and self.index.get(n).is_plugin)}
            if before or after:
                self.reload_plugins()

    # -- audit --------------------------------------------------------------------------
    def audit(self, ctx, *, tool: str, started: float, outcome: str, error: str | None) -> None:
        """One audit row per call (nested calls included, caller ``plugin``)."""
        self.state.audit.record(
            plugin=ctx.plugin or "builtin", tool=tool, version=ctx.code_hash, caller=ctx.caller,
            started=started, duration_ms=(time.time() - started) * 1000, outcome=outcome, error=error,
            capabilities=[{"capability": u.capability, "function": u.function, "granted": u.granted}
                          for u in ctx.uses],
            commit=self.plugin_commit(ctx.plugin) if ctx.plugin else None,
        )

    def plugin_commit(self, name: str) -> str | None:
        """The git version of a plugin's note for the audit log (``abc1234``, ``+dirty``), or None."""
        spec = self.plugins.get(name)
        if spec is None or spec.file is None:
            return None
        folder = os.path.dirname(os.fspath(spec.file))
        now = time.monotonic()
        known = self._git_index.get(folder)
        if known is None or now - known[0] > GIT_RECHECK_S:  # a `git init` is noticed within seconds
            known = self._git_index[folder] = (now, git_index_of(folder))
        if known[1] is None:
            return None  # not in a git repository: nothing to label
        stamp = version_stamp(spec.file, known[1])  # two stat calls; git runs only when it changed
        cached = self._commits.get(spec.file)
        if cached is None or cached[0] != stamp:
            version = note_version(spec.file)
            cached = self._commits[spec.file] = (stamp, version.label if version else None)
        return cached[1]
