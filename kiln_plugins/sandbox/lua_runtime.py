"""``LuaUnit``: one plugin's Lua code, sandboxed on lupa's Lua 5.4 engine, run under limits.

Decisions (DESIGN §6), the contract plugin authors and the other stages rely on:

* **One runtime per unit, reused across calls.** A unit belongs to exactly one plugin (the
  registry never shares a unit between plugins), so nothing — globals, the string metatable,
  library tables — is shared with another plugin. Globals a plugin sets persist between calls
  of the same unit like a module's, but the registry pools units, so plugins must keep state
  in ``state.*``. After any limit trip, memory error or fatal host error the runtime is
  discarded and rebuilt on the next call, so a call can never leave the unit broken or
  half-updated.
* **Limits per call**: instruction budget (count hook on the main thread and on every
  coroutine; sticky after a trip), wall clock (checked by the hook and by a watchdog thread
  for long C calls), memory (``max_memory``), output (result JSON plus ``print`` output).
  Lua stack overflow is an ordinary :class:`PluginRuntimeError` (``stack overflow``): deep
  recursion is bounded by Lua's own stack limit and by the memory limit (whichever comes
  first). Lua reports allocation failures as the string "not enough memory"; a ``pcall`` that
  catches that value ends the call with ``LimitExceeded("memory_mb")``.
* **Values**: arguments and host results enter Lua as tables (``None`` in a list is a hole,
  ``None`` in a dict is an absent key, integers beyond 64 bits become floats); results and
  host-call arguments leave Lua as JSON written by ``lua_export.lua`` (its header lists the
  rules: arrays vs objects, empty table = ``[]``, integer vs float kept, cycles/NaN/inf/
  functions/invalid UTF-8 refused with the path of the bad value).
* **Protected calls**: ``xpcall``'s handler runs after the stack unwinds (so with the budget
  active); ``string.find/match/gmatch/gsub`` bound their worst case before running natively
  and otherwise run the same algorithm in Lua (``lua_patterns.lua``).
* **Errors** name the note and the line in the note; Lua syntax errors are
  :class:`ValidationError`\\ s, runtime errors :class:`PluginRuntimeError`\\ s, failed test
  assertions :class:`TestFailure`\\ s, limits :class:`LimitExceeded`.
"""

from __future__ import annotations

import functools
import json
import time
from importlib import resources
from typing import Any, Callable, Mapping, Sequence

from lupa import lua54

from ..errors import Diagnostic, KilnError, LimitExceeded, PluginRuntimeError, TestFailure, ValidationError
from ..limits import Limits
from ..model import CodeChunk
from .lua_bridge import HostBridge, to_lua
from .lua_places import ChunkNames, Place, locate
from .watchdog import Watchdog

__all__ = ["LuaUnit"]

_TRUSTED = ("prelude", "matcher", "patterns", "export", "asserts")
_MB = 1024 * 1024


@functools.cache
def _source(name: str) -> str:
    """The text of a trusted chunk shipped in this package (``lua_<name>.lua``)."""
    return resources.files(__package__).joinpath(f"lua_{name}.lua").read_text(encoding="utf-8")


def _deny_attributes(obj, name, is_setting):
    raise AttributeError("attribute access is not allowed in the sandbox")


def _clock() -> float:
    """The hook's clock; a Python frame, so a pending Ctrl-C is delivered here (and ends the call)."""
    return time.monotonic()


def _hook_every(instructions: int) -> int:
    """Instructions between two runs of the count hook (the budget's granularity)."""
    return max(1, min(10_000, instructions // 100))


def _grace(timeout_s: float) -> float:
    """How long the watchdog waits past the deadline before acting (the hook usually wins)."""
    return min(2.0, max(0.1, timeout_s / 10))


class LuaUnit:
    """One plugin's compiled Lua code, bound to host functions, run under limits."""

    def __init__(self, chunks: Sequence[CodeChunk], host: Mapping[str, Mapping[str, Callable]],
                 limits: Limits, *, plugin: str,
                 on_log: Callable[[str, str], None] | None = None,
                 on_hard_timeout: Callable[[LimitExceeded], None] | None = None):
        self.chunks = tuple(chunks)
        self.limits = limits
        self.plugin = plugin
        self._host = host
        self._on_log = on_log
        self._on_hard_timeout = on_hard_timeout
        self._watchdog = Watchdog(plugin)
        self._sources = {name: _source(name) for name in _TRUSTED}
        self._names = ChunkNames()
        self._fallback_path = self.chunks[-1].path if self.chunks else None
        self._output_bytes = 0
        self._hard_timed_out = False
        self._runtime = None
        self._build()

    # -- public API -----------------------------------------------------------------------
    def functions(self) -> set[str]:
        """Global functions the plugin's code defines."""
        self._ensure()
        names = self._control.functions()
        return set(names.split("\n")) if names else set()

    def call(self, name: str, args: dict) -> Any:
        """Call the global function ``name(args)``; returns its result as plain JSON-able data."""
        self._ensure()
        lua_args = self._to_lua(args)
        out = self._run(lambda i, s: self._control.call(i, s, name, lua_args, self._output_left()))
        return self._result(out, name)

    def run_test(self, chunk: CodeChunk) -> None:
        """Run one test fence after the plugin's code; raises TestFailure naming note:line."""
        self._ensure()
        f = self._compile(chunk, self._control.test_env())
        self._run(lambda i, s: self._control.run(i, s, f), test=True, where=chunk.path)

    def eval(self, chunk: CodeChunk) -> Any:
        """Run a snippet in the plugin's environment (an expression or statements); its value."""
        self._ensure()
        try:
            f = self._compile(CodeChunk("return " + chunk.source, chunk.path, chunk.first_line, chunk.name))
        except ValidationError:
            f = self._compile(chunk)
        out = self._run(lambda i, s: self._control.eval(i, s, f, self._output_left()), where=chunk.path)
        return self._result(out, None)

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        lua = lua54.LuaRuntime(register_eval=False, register_builtins=False, unpack_returned_tuples=True,
                               attribute_filter=_deny_attributes, max_memory=self.limits.memory_mb * _MB)
        bridge = HostBridge(self._host, self._print)
        bridge.runtime = lua
        sources = lua.table_from({k: v for k, v in self._sources.items() if k != "prelude"})
        control = lua.execute(self._sources["prelude"], bridge.dispatch, _clock,
                              _hook_every(self.limits.instructions), sources, name="=[sandbox]", mode="t")
        control.install(lua.table_from([[m, [list(e) for e in entries]] for m, entries in bridge.modules],
                                       recursive=True))
        self._runtime, self._bridge, self._control = lua, bridge, control
        for chunk in self.chunks:
            f = self._compile(chunk)
            self._run(lambda i, s, f=f: control.run(i, s, f), where=chunk.path)

    def _ensure(self) -> None:
        if self._runtime is None:
            self._build()

    def _discard(self) -> None:
        self._runtime = self._bridge = self._control = None

    def _compile(self, chunk: CodeChunk, env=None):
        name = self._names.name_for(chunk.path)
        padded = "\n" * max(0, chunk.first_line - 1) + chunk.source
        try:
            ok, value = self._control.compile(padded, "=" + name, env)
        except lua54.LuaMemoryError:
            self._discard()
            raise LimitExceeded("memory_mb", self.limits.memory_mb, plugin=self.plugin, path=chunk.path) from None
        if ok:
            return value
        place = locate(self._names, value, None, chunk.path)
        line = place.line or chunk.first_line
        raise ValidationError(place.message, path=place.path, line=line,
                              diagnostics=(Diagnostic(place.path or chunk.path, line, place.message),))

    # -- running ----------------------------------------------------------------------------
    def _run(self, invoke: Callable[[int, float], Any], *, test: bool = False, where: str | None = None) -> tuple:
        """Run one budgeted entry point; returns its success tuple or raises the right error."""
        timeout_s = self.limits.timeout_ms / 1000
        self._output_bytes = 0
        self._hard_timed_out = False
        self._bridge.fatal = None
        token = self._watchdog.arm(timeout_s + _grace(timeout_s), self._hard_timeout)
        try:
            out = invoke(self.limits.instructions, timeout_s)
        except lua54.LuaMemoryError:
            self._discard()
            raise LimitExceeded("memory_mb", self.limits.memory_mb, plugin=self.plugin) from None
        except lua54.LuaError as exc:  # only raised outside the protected call: internal
            self._discard()
            raise PluginRuntimeError(f"internal sandbox error: {exc}", path=self._fallback_path) from None
        finally:
            self._watchdog.disarm(token)
        out = out if isinstance(out, tuple) else (out,)
        if self._hard_timed_out:
            self._discard()
            raise LimitExceeded("timeout_ms", self.limits.timeout_ms, plugin=self.plugin)
        if out[0] is True:
            return out
        self._raise(out, test, where or self._fallback_path)

    def _raise(self, out: tuple, test: bool, where: str | None):
        kind, message, frames = (tuple(out[1:]) + (None, None, None))[:3]
        if kind == "missing":
            raise PluginRuntimeError(f"plugin '{self.plugin}' defines no function '{message}'",
                                     path=self._fallback_path)
        place = locate(self._names, message, frames, where)
        if kind == "interrupted":
            self._discard()
            raise KeyboardInterrupt
        if kind == "fatal":
            fatal, self._bridge.fatal = self._bridge.fatal, None
            self._discard()
            if isinstance(fatal, LimitExceeded) and fatal.value is None:
                fatal = LimitExceeded(fatal.limit, self.limits.memory_mb, plugin=self.plugin)
            if isinstance(fatal, KilnError) and fatal.path is None and place.path:
                fatal.path, fatal.line = place.path, place.line
            raise fatal if fatal is not None else PluginRuntimeError("host call failed", path=place.path)
        if kind in ("instructions", "timeout_ms", "memory_mb", "output_kb"):
            self._discard()
            raise self._with_trace(LimitExceeded(kind, getattr(self.limits, kind), plugin=self.plugin,
                                                 path=place.path, line=place.line), place)
        if kind == "failure":
            source, line, text = (message or "").split("\t", 2)
            path = self._names.path_of(source[1:]) or place.path
            raise self._with_trace(TestFailure(text, path=path, line=int(line)), place)
        cls = TestFailure if test else PluginRuntimeError
        raise self._with_trace(cls(place.message, path=place.path, line=place.line), place)

    @staticmethod
    def _with_trace(exc: KilnError, place: Place) -> KilnError:
        exc.lua_traceback = place.traceback
        return exc

    def _result(self, out: tuple, name: str | None) -> Any:
        text = out[1] if len(out) > 1 else None
        if text is not None:
            return json.loads(text)
        problem, source, line = (tuple(out[2:]) + (None, None, None))[:3]
        path = self._names.path_of((source or "=")[1:]) or self._fallback_path
        who = f"function '{name}'" if name else "the snippet"
        raise PluginRuntimeError(f"cannot return the result of {who}: {problem}", path=path, line=line or 0)

    def _to_lua(self, value: Any) -> Any:
        try:
            return to_lua(self._runtime, value)
        except lua54.LuaMemoryError:
            self._discard()
            raise LimitExceeded("memory_mb", self.limits.memory_mb, plugin=self.plugin) from None

    # -- output and the watchdog --------------------------------------------------------------
    def _output_left(self) -> int:
        return max(0, self.limits.output_kb * 1024 - self._output_bytes)

    def _print(self, text: str) -> None:
        self._output_bytes += len(text.encode("utf-8", "replace")) + 1
        if self._output_bytes > self.limits.output_kb * 1024:
            raise LimitExceeded("output_kb", self.limits.output_kb, plugin=self.plugin)
        if self._on_log is not None:
            self._on_log("info", text)

    def _hard_timeout(self) -> None:
        self._hard_timed_out = True
        if self._on_hard_timeout is not None:
            self._on_hard_timeout(LimitExceeded("timeout_ms", self.limits.timeout_ms, plugin=self.plugin))
