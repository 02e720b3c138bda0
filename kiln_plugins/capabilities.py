"""The capability table (DESIGN §7) as data, permission sets, scope checks and the decision.

The one question a call asks is :func:`decide`: given what the plugin declared, whether the
person approved its current code, and the mode, is a capability *allowed*, does it *need
approval* (with the command that approves it), or was it never *declared*?
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Iterable

from .errors import ApprovalRequired, CapabilityError, UsageError

__all__ = ["Capability", "CAPABILITIES", "CAPABILITY_TABLE", "DEFAULT_PERMISSIONS", "Grant",
           "PermissionSet", "Decision", "Verdict", "decide", "needs_approval", "approve_command",
           "capability", "under_folder"]


@dataclass(frozen=True, slots=True)
class Capability:
    """One row of the capability table."""

    name: str
    """``kiln.read``, ``net`` …"""
    grants: str
    """What holding it allows, in words."""
    needs_approval: bool
    """True when the person must approve it for the plugin's current code."""
    scope: str | None = None
    """What a scoped capability lists (``hosts`` for net, ``paths`` for fs.read); None otherwise."""


CAPABILITIES: tuple[Capability, ...] = (
    Capability("kiln.read", "read, list, search notes and the link graph", False),
    Capability("state", "this plugin's own key-value state", False),
    Capability("tools.call", "call other tools (they run with their own permissions)", False),
    Capability("kiln.write", "create, update, delete notes inside the kiln", True),
    Capability("net", "http.get/http.post to the listed hosts only", True, "hosts"),
    Capability("fs.read", "read files under the listed folders outside the kiln", True, "paths"),
    Capability("plugins.write", "create or change plugin notes", True),
)
CAPABILITY_TABLE: dict[str, Capability] = {c.name: c for c in CAPABILITIES}
DEFAULT_PERMISSIONS = ("kiln.read",)
# Modes in which these capabilities need no approval: a throwaway copy of the kiln.
_TEST_COPY_FREE = frozenset({"kiln.write", "state"})


def capability(name: str) -> Capability:
    """The table row for ``name``; UsageError naming the known ones otherwise."""
    try:
        return CAPABILITY_TABLE[name]
    except KeyError:
        raise UsageError(f"unknown capability '{name}' (known: {', '.join(CAPABILITY_TABLE)})") from None


def needs_approval(name: str) -> bool:
    """Whether using ``name`` needs the person's approval (unknown names: yes)."""
    row = CAPABILITY_TABLE.get(name)
    return True if row is None else row.needs_approval


def approve_command(plugin: str, name: str) -> str:
    """The command that approves ``name`` for ``plugin``'s current code."""
    return f"cru plugins approve {plugin} --capability {name}"


@dataclass(frozen=True, slots=True)
class Grant:
    """One declared capability with its scope (hosts for net, folders for fs.read)."""

    capability: str
    """Capability name."""
    scope: tuple[str, ...] = ()
    """Declared hosts or folders; empty for unscoped capabilities."""

    def allows_host(self, host: str) -> bool:
        """True when ``host`` is listed (case-insensitive; ``*.example.org`` covers subdomains)."""
        host = host.lower().rstrip(".")
        if not host:
            return False
        for entry in self.scope:
            entry = entry.lower().rstrip(".")
            if entry.startswith("*."):
                if host.endswith(entry[1:]) and host != entry[2:]:
                    return True
            elif host == entry:
                return True
        return False

    def allows_url(self, url: str) -> bool:
        """True for an http(s) URL without credentials whose host is listed."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.username or parts.password:
            return False
        return self.allows_host(parts.hostname or "")

    def allows_path(self, path: str | os.PathLike) -> bool:
        """True when ``path``, symlinks resolved, lies under a listed absolute (or ``~``) folder."""
        target = os.path.expanduser(os.fspath(path))
        for entry in self.scope:
            folder = os.path.expanduser(entry)
            if not os.path.isabs(folder):
                continue  # relative folders have no meaning outside the kiln: they grant nothing
            if under_folder(target, folder):
                return True
        return False


@dataclass(frozen=True, slots=True)
class PermissionSet:
    """What a plugin declared in ``permissions:``."""

    grants: tuple[Grant, ...] = ()
    """One grant per declared capability (scopes of repeated entries merged)."""

    @classmethod
    def parse(cls, entries: Iterable[Any] | None, *, where: str = "permissions") -> "PermissionSet":
        """Parse ``["kiln.read", {"net": ["h"]}]`` (or ``"a,b"``); UsageError names the bad entry."""
        if entries is None:
            entries = DEFAULT_PERMISSIONS
        if isinstance(entries, str):
            entries = [e.strip() for e in entries.split(",") if e.strip()]
        scopes: dict[str, list[str]] = {}
        for item in entries:
            if isinstance(item, str):
                name, scope = item, None
            elif isinstance(item, dict) and len(item) == 1:
                (name, scope), = item.items()
            else:
                raise UsageError(f"{where}: a permission must be a name or {{net: [...]}}, got {item!r}")
            row = CAPABILITY_TABLE.get(name)
            if row is None:
                raise UsageError(f"{where}: unknown permission '{name}' (known: {', '.join(CAPABILITY_TABLE)})")
            if row.scope and not (isinstance(scope, list) and scope and all(isinstance(s, str) and s for s in scope)):
                raise UsageError(f"{where}: permission '{name}' needs a non-empty list of {row.scope}: "
                                 f"{{{name}: [...]}}")
            if not row.scope and scope is not None:
                raise UsageError(f"{where}: permission '{name}' takes no list")
            merged = scopes.setdefault(name, [])
            merged.extend(s for s in scope or () if s not in merged)
        return cls(tuple(Grant(name, tuple(scope)) for name, scope in scopes.items()))

    @classmethod
    def from_spec(cls, spec) -> "PermissionSet":
        """The permissions of a ``PluginSpec`` (already validated by the manifest)."""
        merged: dict[str, list[str]] = {}
        for p in spec.permissions:
            scope = merged.setdefault(p.name, [])
            scope.extend(s for s in p.scope if s not in scope)
        return cls(tuple(Grant(name, tuple(scope)) for name, scope in merged.items()))

    @classmethod
    def builtin(cls) -> "PermissionSet":
        """Built-in tools: every unscoped capability (their own checks decide the rest)."""
        return cls(tuple(Grant(c.name) for c in CAPABILITIES if c.scope is None))

    def declares(self, name: str) -> bool:
        """Whether ``name`` was declared."""
        return any(g.capability == name for g in self.grants)

    def grant(self, name: str) -> Grant | None:
        """The grant for ``name``, or None."""
        return next((g for g in self.grants if g.capability == name), None)

    def scope(self, name: str) -> tuple[str, ...]:
        """Declared scope of ``name`` (empty when undeclared or unscoped)."""
        g = self.grant(name)
        return g.scope if g else ()

    def names(self) -> tuple[str, ...]:
        """Declared capability names, in declaration order."""
        return tuple(g.capability for g in self.grants)

    def risky(self) -> tuple[str, ...]:
        """Declared capabilities that need approval (what ``cru plugins approve`` grants)."""
        return tuple(n for n in self.names() if needs_approval(n))

    def to_json(self) -> list:
        """As written in a manifest."""
        return [{g.capability: list(g.scope)} if g.scope else g.capability for g in self.grants]


class Decision(str, Enum):
    """Outcome of :func:`decide`."""

    ALLOWED = "allowed"
    NEEDS_APPROVAL = "needs-approval"
    UNDECLARED = "undeclared"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision for one capability, with the message and approving command when refused."""

    decision: Decision
    """allowed | needs-approval | undeclared."""
    plugin: str
    """Plugin name."""
    capability: str
    """Capability asked for."""
    message: str = ""
    """One-line reason when not allowed."""
    command: str = ""
    """``cru plugins approve NAME --capability C`` when approval is needed."""

    @property
    def allowed(self) -> bool:
        """True when the capability may be used now."""
        return self.decision is Decision.ALLOWED

    def raise_if_refused(self) -> None:
        """Raise CapabilityError (undeclared) or ApprovalRequired (needs approval)."""
        if self.decision is Decision.UNDECLARED:
            raise CapabilityError(self.message)
        if self.decision is Decision.NEEDS_APPROVAL:
            raise ApprovalRequired(self.message, plugin=self.plugin, capability=self.capability,
                                   command=self.command)


def decide(plugin: str, permissions: PermissionSet, name: str, *, approved: bool,
           test_copy: bool = False) -> Verdict:
    """Decide one capability use: declared? then approval unless not needed or a test copy."""
    if not permissions.declares(name):
        return Verdict(Decision.UNDECLARED, plugin, name,
                       f"plugin '{plugin}' used capability '{name}' without declaring it in its permissions")
    if not needs_approval(name) or approved or (test_copy and name in _TEST_COPY_FREE):
        return Verdict(Decision.ALLOWED, plugin, name)
    command = approve_command(plugin, name)
    return Verdict(Decision.NEEDS_APPROVAL, plugin, name,
                   f"plugin '{plugin}' needs approval for '{name}': run `{command}`", command)


def under_folder(path: str | Path, folder: str | Path) -> bool:
    """True when ``path`` (symlinks resolved) is ``folder`` or inside it."""
    target, base = os.path.realpath(path), os.path.realpath(folder)
    try:
        return os.path.commonpath([base, target]) == base
    except ValueError:
        return False
