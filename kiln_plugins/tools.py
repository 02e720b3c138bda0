"""The one ToolRegistry: built-in and plugin tools, argument validation, the call pipeline.

The CLI and the MCP server are thin adapters over :meth:`ToolRegistry.call`; nothing about
calling a tool lives anywhere else (DESIGN §2).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import jsonschema

from .builtin_tools import BUILTIN_TOOLS, BuiltinTool
from .context import CallContext, CallTree
from .errors import KilnError, LimitExceeded, ToolArgumentError, UsageError
from .fast_schema import compile_checker
from .hostapi.catalog import HOST_FUNCTIONS
from .hostapi.registry import bind_all
from .limits import DEFAULT_LIMITS

if TYPE_CHECKING:  # pragma: no cover
    from .kiln import Kiln

__all__ = ["Tool", "ToolRegistry"]

WRITE_CAPS = {"kiln.write", "plugins.write"}


@dataclass(frozen=True, slots=True)
class Tool:
    """A callable tool as people and agents see it."""

    name: str
    """Unique tool name."""
    description: str
    """One-paragraph description."""
    input_schema: dict
    """JSON Schema of the arguments object."""
    plugin: str | None
    """Defining plugin; None for built-in tools."""
    capabilities: tuple[str, ...]
    """Capabilities the tool may use (a plugin's declared permissions)."""
    annotations: dict
    """MCP annotations derived from the capabilities."""
    builtin: BuiltinTool | None = field(default=None, repr=False)
    """The implementation of a built-in tool."""

    def to_dict(self) -> dict:
        """The ``tools list --json`` shape (DESIGN §10)."""
        return {"name": self.name, "description": self.description, "plugin": self.plugin,
                "input_schema": self.input_schema, "annotations": self.annotations}


def annotations_for(capabilities: tuple[str, ...], *, destructive: bool | None = None) -> dict:
    """``readOnlyHint`` when nothing can write; ``destructiveHint`` when it may delete/overwrite.

    ``tools.call`` reaches other tools, which write or go online with their own approvals: a
    tool holding it is annotated as able to do whatever a callee can (clients auto-run
    read-only tools).
    """
    caps = set(capabilities)
    relays = "tools.call" in caps
    writes = bool(WRITE_CAPS & caps) or relays
    return {
        "readOnlyHint": not writes,
        "destructiveHint": writes if destructive is None else destructive,
        "openWorldHint": "net" in caps or relays,
    }


class _Slot:
    """Stands in for the current CallContext so one compiled unit serves many calls."""

    __slots__ = ("current",)

    def __getattr__(self, name):
        return getattr(self.current, name)

    def require(self, capability, function):
        return self.current.require(capability, function)


class ToolRegistry:
    """Every tool of an open kiln, and the one way to call them."""

    def __init__(self, kiln: "Kiln"):
        self.kiln = kiln
        self._lock = threading.Lock()
        self._units: dict[tuple[str, str], list[tuple[Any, _Slot]]] = {}
        self._validators: dict[tuple[str, str], Any] = {}
        self.rebuild()

    # -- the catalogue ------------------------------------------------------------------
    def rebuild(self) -> None:
        """Recompute the tool list from the built-ins and the active plugins."""
        tools: dict[str, Tool] = {}
        for b in BUILTIN_TOOLS:
            tools[b.name] = Tool(b.name, b.description, b.parameters, None, (b.capability,),
                                 annotations_for((b.capability,), destructive=b.destructive), b)
        self.conflicts: list[str] = []
        for spec in sorted(self.kiln.plugins.active.values(), key=lambda s: s.name):
            caps = tuple(p.name for p in spec.permissions)
            for t in spec.tools:
                if t.name in tools:
                    owner = tools[t.name].plugin or "built-in"
                    self.conflicts.append(f"{spec.note_id}:{t.line}: tool '{t.name}' is already defined by {owner}; skipped")
                    continue
                tools[t.name] = Tool(t.name, t.description, t.parameters, spec.name, caps, annotations_for(caps))
        self._tools = tools
        # Units hold their required plugins' code too: key them by the hash that covers it, so an
        # edited dependency never keeps running from a pooled unit (nor runs unapproved code).
        live = {(s.name, self.kiln.approval_hash(s)) for s in self.kiln.plugins.active.values()}
        with self._lock:
            self._units = {k: v for k, v in self._units.items() if k in live}

    def tools(self) -> list[Tool]:
        """Every tool, built-ins first, then by name."""
        return sorted(self._tools.values(), key=lambda t: (t.plugin is not None, t.name))

    def get(self, name: str) -> Tool:
        """The tool called ``name`` or a UsageError listing close names."""
        tool = self._tools.get(name)
        if tool is None:
            import difflib
            close = difflib.get_close_matches(name, self._tools, n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise UsageError(f"unknown tool '{name}'{hint}")
        return tool

    # -- validation ---------------------------------------------------------------------
    def validate_args(self, tool: Tool, args: Any) -> None:
        """Check ``args`` against the tool's schema; the message names the bad field."""
        key = (tool.name, repr(tool.input_schema)) if tool.plugin is None else (tool.name, self._hash(tool))
        cached = self._validators.get(key)
        if cached is None:
            cls = jsonschema.validators.validator_for(tool.input_schema, jsonschema.Draft202012Validator)
            cached = self._validators[key] = (compile_checker(tool.input_schema), cls(tool.input_schema))
        fast, validator = cached
        if not isinstance(args, dict):
            raise ToolArgumentError(f"{tool.name}: arguments must be an object, got {type(args).__name__}")
        if (fast is not None and fast(args)) or validator.is_valid(args):
            return
        error = jsonschema.exceptions.best_match(validator.iter_errors(args))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(arguments)"
            raise ToolArgumentError(f"{tool.name}: invalid argument {where}: {error.message}")

    def _hash(self, tool: Tool) -> str:
        spec = self.kiln.plugins.active.get(tool.plugin)
        return spec.code_hash if spec else ""

    # -- calling ------------------------------------------------------------------------
    def call(self, name: str, args: Any = None, *, caller: str = "cli", parent: CallContext | None = None,
             test_mode: bool = False) -> Any:
        """Validate, run under the tool's permissions and limits, commit or roll back, audit."""
        tool = self.get(name)
        args = {} if args is None else args
        self.validate_args(tool, args)
        spec = self.kiln.plugins.active.get(tool.plugin) if tool.plugin else None
        tree = parent.tree if parent is not None else CallTree(
            self.kiln, write_mb=spec.limits.write_mb if spec else None, plugin=tool.plugin)
        if tool.builtin is not None and parent is not None:
            # A built-in tool has no powers of its own: called from a plugin it acts as that
            # plugin, so tools.call("create_note") needs the caller's declared, approved kiln.write.
            plugin, permissions, code_hash, limits = (parent.plugin, parent.permissions,
                                                      parent.code_hash, parent.limits)
        else:
            plugin, permissions = tool.plugin or None, self.kiln.permissions_of(spec)
            code_hash = self.kiln.approval_hash(spec) if spec else "builtin"
            limits = spec.limits if spec else DEFAULT_LIMITS
        ctx = CallContext(
            kiln=self.kiln, tree=tree, plugin=plugin, permissions=permissions,
            code_hash=code_hash, limits=limits,
            caller=caller, chain=(*(parent.chain if parent else ()), name),
            test_mode=test_mode or bool(parent and parent.test_mode), on_log=self.kiln.on_log,
        )
        started = time.time()
        outcome, error = "ok", None
        try:
            if tool.builtin is not None:
                ctx.require(tool.builtin.capability, tool.name)
                result = tool.builtin.impl(ctx, args)
            else:
                result = self._call_plugin(spec, tool.name, args, ctx)
            if parent is None:
                written = tree.commit()
                if written:
                    self.kiln.notes_changed(written)
            return result
        except BaseException as exc:
            outcome = ("limit" if isinstance(exc, LimitExceeded) else
                       "denied" if getattr(exc, "exit_code", 0) == 3 else "error")
            error = str(exc) or type(exc).__name__
            if parent is None:
                tree.rollback(exc)
            raise
        finally:
            self.kiln.audit(ctx, tool=name, started=started, outcome=outcome, error=error)

    def _call_plugin(self, spec, tool_name: str, args: dict, ctx: CallContext) -> Any:
        key = (spec.name, self.kiln.approval_hash(spec))  # once: a reload mid-call must not re-key
        unit, slot = self._acquire(spec, key)
        slot.current = ctx
        try:
            return unit.call(tool_name, args)
        finally:
            slot.current = None
            self._release(spec, key, unit, slot)

    def new_unit(self, spec, ctx_like, *, extra_chunks=()) -> Any:
        """Compile ``spec`` (required plugins' code first) bound to ``ctx_like``."""
        runtime = self.kiln.runtime_for(spec.language)
        chunks = [*self.kiln.required_code(spec), *spec.code, *extra_chunks]
        host = bind_all(HOST_FUNCTIONS, ctx_like)
        return runtime(chunks, host, spec.limits, plugin=spec.name,
                       on_log=lambda level, message: ctx_like.log(level, message),
                       on_hard_timeout=self.kiln.on_hard_timeout)

    def _acquire(self, spec, key):
        with self._lock:
            idle = self._units.get(key)
            if idle:
                return idle.pop()
        slot = _Slot()
        return self.new_unit(spec, slot), slot

    def _release(self, spec, key, unit, slot) -> None:
        with self._lock:
            if key in self._units or spec.name in self.kiln.plugins.active:
                idle = self._units.setdefault(key, [])
                if len(idle) < 4:
                    idle.append((unit, slot))

    # -- snippets (cru eval) ------------------------------------------------------------
    def eval_snippet(self, language: str, code: str, permissions: list[str] | None = None,
                     *, caller: str = "cli") -> Any:
        """Run a snippet in the sandbox as the pseudo-plugin ``eval`` (default ``[kiln.read]``)."""
        import hashlib

        from .capabilities import PermissionSet
        from .model import CodeChunk

        perms = PermissionSet.parse(permissions or ["kiln.read"], where="--permissions")
        code_hash = hashlib.sha256(f"{language}\0{code}\0{sorted(permissions or [])}".encode()).hexdigest()
        tree = CallTree(self.kiln, write_mb=DEFAULT_LIMITS.write_mb, plugin="eval")  # write_mb holds here too
        ctx = CallContext(kiln=self.kiln, tree=tree, plugin="eval", permissions=perms, code_hash=code_hash,
                          limits=DEFAULT_LIMITS, caller=caller, chain=("eval",), on_log=self.kiln.on_log)
        started = time.time()
        outcome, error = "ok", None
        try:
            runtime = self.kiln.runtime_for(language)
            unit = runtime([], bind_all(HOST_FUNCTIONS, ctx), DEFAULT_LIMITS, plugin="eval",
                           on_log=ctx.log, on_hard_timeout=self.kiln.on_hard_timeout)
            result = unit.eval(CodeChunk(code, "<eval>", 1))
            written = tree.commit()
            if written:
                self.kiln.notes_changed(written)
            return result
        except BaseException as exc:
            outcome = "limit" if isinstance(exc, LimitExceeded) else "error"
            error = str(exc)
            tree.rollback(exc)
            raise
        finally:
            self.kiln.audit(ctx, tool="eval", started=started, outcome=outcome, error=error)
