"""``RuneUnit``: compile Rune chunks once, then call functions, run tests and evaluate.

The same interface as the Lua runtime's ``LuaUnit``. Generated code runs with empty
``__builtins__`` and only the names of :class:`unit_runtime.Runtime`; every runtime error,
panic and limit is mapped to the note line of the generated line that raised it.
"""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Callable, Mapping, Sequence

from ..errors import (Diagnostic, KilnError, LimitExceeded, PluginRuntimeError,
                      RuneCompileError, TestFailure)
from ..limits import Limits
from ..model import CodeChunk
from . import codegen, parser
from .unit_runtime import Runtime, from_rune, to_rune

__all__ = ["RuneUnit", "compile_chunks"]

_UNIT_IDS = iter(range(1, 1 << 62))
_FRAME_MARGIN = 6  # frames between _run and the first generated frame, plus slack
_COMPILE_FRAMES = 20_000  # Python frames the parser and code generator may use


def _frame_depth() -> int:
    """Number of Python frames on the current stack."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def compile_chunks(chunks: Sequence[CodeChunk], host_modules=()) -> codegen.Program:
    """Parse and generate ``chunks``; raises RuneCompileError listing every error."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, _COMPILE_FRAMES))  # recursive descent over deep nesting
    try:
        return _compile_chunks(chunks, host_modules)
    finally:
        sys.setrecursionlimit(old)


def _compile_chunks(chunks: Sequence[CodeChunk], host_modules) -> codegen.Program:
    files, diags = [], []
    for ch in chunks:
        tree, errors = parser.parse(ch.source)
        for e in errors:
            diags.append(Diagnostic(ch.path, e.line + ch.first_line - 1, e.message, e.col))
        if tree is not None:
            files.append((tree, ch.path, ch.first_line, ch.source))
    if not diags:
        try:
            return codegen.generate(files, host_modules)
        except codegen.CompileErrors as many:
            for e in many.errors:
                diags.append(Diagnostic(e.path or (chunks[0].path if chunks else ""), e.line,
                                        e.message, e.col))
        except RecursionError:
            diags.append(Diagnostic(chunks[0].path, chunks[0].first_line,
                                    "program nested too deeply to compile"))
    first = diags[0]
    raise RuneCompileError(first.message, diagnostics=tuple(diags), path=first.path,
                           line=first.line, col=first.col)


class RuneUnit:
    """A compiled set of Rune chunks with its host bindings and limits."""

    def __init__(self, chunks: Sequence[CodeChunk], host: Mapping[str, Mapping[str, Callable]],
                 limits: Limits, *, plugin: str, on_log=None, on_hard_timeout=None):
        self.chunks = list(chunks)
        self.limits = limits
        self.plugin = plugin
        self.on_log = on_log
        self.on_hard_timeout = on_hard_timeout
        self.host = {m: dict(fns) for m, fns in (host or {}).items()}
        self.output_bytes = 0
        self.program = compile_chunks(self.chunks, tuple(self.host))
        self.filename = f"<rune-unit-{next(_UNIT_IDS)}>"
        try:
            code = compile(self.program.source, self.filename, "exec")
        except (SyntaxError, RecursionError, MemoryError) as e:
            # Python's own nesting limits (generated expressions nest like the Rune ones).
            line = getattr(e, "lineno", None)
            path, note_line = (self.program.linemap[line - 1] if line and
                               line <= len(self.program.linemap) else (self._path(), 0))
            raise RuneCompileError("expression nested too deeply to compile",
                                   path=path or self._path(), line=note_line) from None
        self.runtime = Runtime(self.program, self.host, limits, plugin, self._log)
        self.globals = self.runtime.namespace()
        exec(code, self.globals)  # defines functions only; nothing runs yet

    # ------------------------------------------------------------ public API
    def functions(self) -> set[str]:
        """Names of the public top-level functions."""
        return set(self.program.pub_fns)

    def call(self, name: str, args: dict):
        """Call public fn ``name`` with ``args`` (a dict: by parameter order) -> plain value."""
        entry = self.program.pub_fns.get(name)
        if entry is None:
            raise PluginRuntimeError(f"no public function `{name}`", path=self._path())
        pyname, nparams = entry
        if nparams > 1:
            raise PluginRuntimeError(f"tool function `{name}` must take one parameter (args)",
                                     path=self._path())
        argv = [to_rune(dict(args or {}))] if nparams == 1 else []
        result = self._run(self.globals[pyname], argv)
        try:
            return self._plain(result)
        except PluginRuntimeError as exc:
            if exc.path is None:  # a tool returning Err(e): say whose tool and where
                raise PluginRuntimeError(f"{name} returned {exc.message}", path=self._path()) from None
            raise

    def eval(self, chunk: CodeChunk):
        """Compile ``chunk`` together with this unit's code and run its statements."""
        unit = RuneUnit(self.chunks + [chunk], self.host, self.limits, plugin=self.plugin,
                        on_log=self.on_log, on_hard_timeout=self.on_hard_timeout)
        idx = len(unit.chunks) - 1
        body = unit.program.chunk_bodies.get(idx)
        if body is None:
            return None
        return unit._plain(unit._run(unit.globals[body], []))

    def test_functions(self, chunk: CodeChunk) -> list[tuple[str, bool, int]]:
        """``(name, should_panic, line)`` of every ``#[test]`` fn defined in ``chunk``."""
        unit, idx = self._unit_for(chunk)
        return [(n, sp, line) for i, n, _, sp, line in unit.program.tests if i == idx]

    def run_test(self, chunk: CodeChunk) -> None:
        """Run a test fence's statements after the code; raises TestFailure naming note:line."""
        unit, idx = self._unit_for(chunk)
        body = unit.program.chunk_bodies.get(idx)
        if body is not None:
            unit._check(chunk.name or "test", unit.globals[body], False, chunk)
        for i, name, pyname, should_panic, _ in unit.program.tests:
            if i == idx:
                unit._check(name, unit.globals[pyname], should_panic, chunk)

    def run_test_function(self, chunk: CodeChunk, name: str, *, should_panic: bool = False) -> None:
        """Run ``#[test]`` fn ``name`` of ``chunk``; raises TestFailure when it fails."""
        unit, idx = self._unit_for(chunk)
        for i, tname, pyname, _, _ in unit.program.tests:
            if i == idx and tname == name:
                unit._check(name, unit.globals[pyname], should_panic, chunk)
                return
        raise TestFailure(f"no test function `{name}`", path=chunk.path, line=chunk.first_line)

    def run_tests(self) -> list[tuple[str, bool, str]]:
        """Run every ``#[test]`` fn of the unit; ``(name, ok, message)`` each."""
        return [self._outcome(name, self.globals[py], sp)
                for _, name, py, sp, _ in self.program.tests]

    def run_main(self):
        """Call ``main`` (pub or not) and return its plain result."""
        for sym_name, py in self._all_fns().items():
            if sym_name == "main":
                return self._plain(self._run(self.globals[py], []))
        raise PluginRuntimeError("no `main` function", path=self._path())

    # ------------------------------------------------------------ internals
    def _all_fns(self) -> dict:
        return {rn: py for py, rn in self.program.fn_names.items()}

    def _unit_for(self, chunk: CodeChunk):
        """This unit when it holds ``chunk``, else one compiled with ``chunk`` appended."""
        if chunk in self.chunks:
            return self, self.chunks.index(chunk)
        unit = RuneUnit(self.chunks + [chunk], self.host, self.limits, plugin=self.plugin,
                        on_log=self.on_log, on_hard_timeout=self.on_hard_timeout)
        return unit, len(unit.chunks) - 1

    def _check(self, name: str, fn, should_panic: bool, chunk: CodeChunk) -> None:
        _, ok, message = self._outcome(name, fn, should_panic)
        if not ok:
            err = self._last_error
            if err is not None and err.path:
                raise TestFailure(f"{name}: {err.message}", path=err.path, line=err.line)
            raise TestFailure(f"{name}: {message}", path=chunk.path, line=self._test_line(name, chunk))

    def _test_line(self, name: str, chunk: CodeChunk) -> int:
        for _, tname, _, _, line in self.program.tests:
            if tname == name:
                return line
        return chunk.first_line

    def _path(self) -> str:
        return self.chunks[0].path if self.chunks else ""

    def _log(self, line: str) -> None:
        self.output_bytes += len(line.encode("utf-8", "replace")) + 1
        if self.output_bytes > self.limits.output_kb * 1024:
            raise LimitExceeded("output_kb", self.limits.output_kb, plugin=self.plugin)
        if self.on_log is not None:
            self.on_log("info", line)

    _last_error = None

    def _outcome(self, name: str, fn, should_panic: bool) -> tuple[str, bool, str]:
        self._last_error = None
        try:
            result = self._run(fn, [])
        except LimitExceeded as e:
            self._last_error = e
            return name, False, str(e)
        except PluginRuntimeError as e:
            if should_panic:
                return name, True, ""
            self._last_error = e
            return name, False, str(e)
        if should_panic:
            return name, False, "test did not panic"
        failed = self.runtime.test_failure(result)
        if failed:
            return name, False, failed
        return name, True, ""

    def _plain(self, value):
        try:
            return from_rune(value)
        except KilnError:
            raise
        except Exception as e:  # a value that cannot leave Rune
            raise PluginRuntimeError(str(e), path=self._path()) from None

    def _run(self, fn, args):
        """Run ``fn(*args)`` under the limits, mapping errors to note places."""
        rt = self.runtime
        rt.start()
        old_limit = sys.getrecursionlimit()
        # Each Rune call is one Python frame (a few through methods), so the frame limit
        # bounds the call depth; RecursionError becomes LimitExceeded("call_depth").
        sys.setrecursionlimit(_frame_depth() + self.limits.call_depth + _FRAME_MARGIN)
        done = threading.Event()
        watchdog = None
        if self.on_hard_timeout is not None:
            watchdog = threading.Thread(target=self._watch, args=(done,), daemon=True)
            watchdog.start()
        try:
            return fn(*args)
        except KilnError as e:
            self._place(e, e.__traceback__)
            raise
        except RecursionError as e:
            raise LimitExceeded("call_depth", self.limits.call_depth, plugin=self.plugin,
                                **self._where(e.__traceback__)) from None
        except MemoryError as e:
            raise LimitExceeded("memory_mb", self.limits.memory_mb, plugin=self.plugin,
                                **self._where(e.__traceback__)) from None
        except Exception as e:
            message = rt.message_of(e)
            raise PluginRuntimeError(message, **self._where(e.__traceback__)) from None
        finally:
            done.set()
            rt.stop()
            sys.setrecursionlimit(old_limit)

    def _watch(self, done: threading.Event) -> None:
        if not done.wait(self.limits.timeout_ms / 1000 + 1.0):
            self.on_hard_timeout(LimitExceeded("timeout_ms", self.limits.timeout_ms,
                                               plugin=self.plugin))

    def _where(self, tb) -> dict:
        line = None
        for frame, lineno in traceback.walk_tb(tb):
            if frame.f_code.co_filename == self.filename:
                line = lineno
        if line is None or line > len(self.program.linemap):
            return {"path": self._path()}
        path, note_line = self.program.linemap[line - 1]
        return {"path": path or self._path(), "line": note_line}

    def _place(self, e: KilnError, tb) -> None:
        if e.path is None or e.line == 0:
            where = self._where(tb)
            if e.path is None:
                e.path = where.get("path")
            if not e.line:
                e.line = where.get("line", 0)
