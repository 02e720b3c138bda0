"""Process isolation (DESIGN §6): a pool of worker processes that run tool calls.

Each worker is a fresh interpreter (``subprocess`` with ``close_fds``: no fork of this threaded
process, no inherited descriptors) that opens the same kiln and runs ``registry.call`` for one
request at a time; OS limits are set in the child per call (:mod:`kiln_plugins.worker_main`).
The parent owns the wall clock: a worker that overruns ``timeout_ms`` plus a grace period is
killed and replaced and the call ends with ``LimitExceeded("timeout_ms")``; a worker that dies
mid-call ends it with a clean ``PluginRuntimeError`` and is replaced. Errors come back as data
and are re-raised here as the same KilnError class with the same message. At most ``size``
calls run at once; further callers wait for a free worker.
"""

from __future__ import annotations

import itertools
import json
import queue
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import KilnError, LimitExceeded, PluginRuntimeError
from .limits import DEFAULT_LIMITS
from .worker_wire import error_from_data

__all__ = ["WorkerPool", "InProcessRunner", "CallLimits", "limits_for", "open_runner", "audit_lost_call",
           "ISOLATION_MODES",
           "GRACE_MS", "START_TIMEOUT_S"]

GRACE_MS = 2_000
"""Wall-clock allowance above ``timeout_ms`` before the parent kills a worker."""
START_TIMEOUT_S = 120.0
"""How long a new worker may take to open the kiln."""


@dataclass(frozen=True, slots=True)
class CallLimits:
    """The limits the parent needs to supervise one call."""

    timeout_ms: int = DEFAULT_LIMITS.timeout_ms
    """Wall clock of the call (the parent adds ``GRACE_MS``)."""
    memory_mb: int = DEFAULT_LIMITS.memory_mb
    """Memory of the call (the worker adds headroom for RLIMIT_AS)."""
    plugin: str | None = None
    """Plugin named in a limit error."""


_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


class _Process:
    """One worker process and its pipes."""

    def __init__(self, root: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiln_plugins.worker_main", str(Path(root).resolve())],
            # ``python -m`` puts its working folder first on sys.path: started from inside a cloned
            # kiln, that kiln's yaml.py or lupa/ would be imported — arbitrary code. The folder
            # holding this package is the one place that must win anyway.
            cwd=_PACKAGE_PARENT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None,
            close_fds=True, text=True, encoding="utf-8", bufsize=1,
            start_new_session=True,  # a ^C in the terminal reaches the server, not every worker
        )
        self.pid = self.proc.pid
        hello = self._read_line(time.monotonic() + START_TIMEOUT_S)
        if hello is None or not hello.get("ready"):
            self.kill()
            detail = error_from_data(hello["error"]) if hello and hello.get("error") else "no answer"
            raise KilnError(f"worker process failed to start: {detail}")

    def _read_line(self, deadline: float) -> dict | None:
        """The next answer line, or None on EOF; raises TimeoutError at ``deadline``."""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sel.select(remaining):
                raise TimeoutError
        line = self.proc.stdout.readline()
        return json.loads(line) if line else None

    def request(self, message: dict, deadline: float) -> dict | None:
        """Send one request and wait for its answer (None when the process died)."""
        try:
            self.proc.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        return self._read_line(deadline)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> int | None:
        """SIGKILL (works on a stopped process too) and reap; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            return self.proc.wait(timeout=10)
        finally:
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass

    def stop(self) -> None:
        """Close stdin so the worker ends by itself; kill it if it does not."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class WorkerPool:
    """``size`` worker processes on the kiln at ``root``; :meth:`call` runs a tool on one."""

    def __init__(self, root: str | Path, *, size: int = 2,
                 on_lost_call: Callable[[dict, KilnError, float], None] | None = None):
        """``on_lost_call(request, error, started)`` records calls whose worker never audited them."""
        if size < 1:
            raise KilnError("worker pool size must be at least 1")
        self.root = Path(root).resolve()
        self.size = size
        self.on_lost_call = on_lost_call
        self.generation = 0
        self.replaced = 0
        self._ids = itertools.count(1)
        self._idle: queue.Queue[_Process | None] = queue.Queue()
        self._busy: dict[int, _Process] = {}
        self._lock = threading.Lock()
        self._closed = False
        starters = [threading.Thread(target=self._start_one) for _ in range(size)]
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        if any(p is None for p in list(self._idle.queue)):
            self.close()
            raise KilnError(f"worker pool: only {self._idle.qsize()} of {size} workers started")

    def _start_one(self) -> None:
        """Start a worker and make it available; a failure leaves a None the next call retries."""
        try:
            proc = _Process(self.root)
            if self._closed:  # the pool closed while this one started
                proc.stop()
                return
            self._idle.put(proc)
        except KilnError as exc:
            print(f"cru: {exc}", file=sys.stderr)
            self._idle.put(None)

    # -- public -------------------------------------------------------------------------
    def reload(self) -> int:
        """Tell every worker to re-read the kiln before its next call; returns the generation."""
        with self._lock:
            self.generation += 1
            return self.generation

    def pids(self) -> list[int]:
        """Process ids of the live workers (idle and busy)."""
        with self._lock:
            busy = [p.pid for p in self._busy.values()]
        return sorted(busy + [p.pid for p in list(self._idle.queue) if p is not None])

    def busy_pids(self) -> list[int]:
        """Process ids of the workers running a call right now."""
        with self._lock:
            return sorted(p.pid for p in self._busy.values())

    def call(self, tool: str, args: Any = None, *, caller: str = "mcp", limits: CallLimits = CallLimits()) -> Any:
        """Run the tool on a free worker; re-raises the worker's error as the same KilnError class."""
        return self._run({"op": "call", "tool": tool, "args": args, "caller": caller}, limits, tool)

    def agent(self, tool: str, args: dict, *, client: str, limits: CallLimits = CallLimits(timeout_ms=120_000)) -> Any:
        """Run an agent tool (:mod:`kiln_plugins.agent_tools`) on a free worker."""
        return self._run({"op": "agent", "tool": tool, "args": args, "client": client}, limits, tool)

    def close(self) -> None:
        """Stop every worker (idle ones at once, busy ones when their call returns)."""
        self._closed = True
        while True:
            try:
                proc = self._idle.get_nowait()
            except queue.Empty:
                break
            if proc is not None:
                proc.stop()
        with self._lock:
            busy = list(self._busy.values())
        for proc in busy:
            proc.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- one call -----------------------------------------------------------------------
    def _run(self, message: dict, limits: CallLimits, tool: str) -> Any:
        if self._closed:
            raise KilnError("worker pool is closed")
        proc = self._idle.get()
        if proc is None or not proc.alive():
            try:
                proc = self._replace(proc)
            except KilnError as error:  # the call never ran, but it was asked for: audit it
                if self.on_lost_call is not None:
                    self.on_lost_call(message, error, time.time())
                raise
        call_id = next(self._ids)
        message = {**message, "id": call_id, "generation": self.generation,
                   "timeout_ms": limits.timeout_ms, "memory_mb": limits.memory_mb, "plugin": limits.plugin}
        with self._lock:
            self._busy[call_id] = proc
        answer: dict | None = None
        failure: KilnError | None = None
        started = time.time()
        try:
            try:
                answer = proc.request(message, time.monotonic() + (limits.timeout_ms + GRACE_MS) / 1000)
            except TimeoutError:
                proc.kill()
                failure = LimitExceeded("timeout_ms", limits.timeout_ms, plugin=limits.plugin)
            if answer is None and failure is None:
                status = proc.kill()
                failure = self._death(status, tool, limits)
            elif answer is not None and answer.get("retire"):
                proc.stop()
        finally:
            with self._lock:
                self._busy.pop(call_id, None)
            if proc.alive() or self._closed:
                self._idle.put(proc)
            else:
                self.replaced += 1
                threading.Thread(target=self._start_one, daemon=True).start()
        if failure is not None or (answer and answer.get("unaudited")):
            error = failure or error_from_data(answer.get("error") or {})
            if self.on_lost_call is not None:
                self.on_lost_call(message, error, started)
            raise error
        if answer.get("id") != call_id:
            raise PluginRuntimeError(f"worker answered request {answer.get('id')} instead of {call_id}")
        if not answer.get("ok"):
            raise error_from_data(answer.get("error") or {})
        return answer.get("result")

    def _replace(self, dead: _Process | None) -> _Process:
        """A fresh worker in place of one that died or was killed."""
        if dead is not None:
            dead.kill()
            self.replaced += 1
        try:
            return _Process(self.root)
        except KilnError:
            self._idle.put(None)  # keep the pool's size: the next caller tries again
            raise

    @staticmethod
    def _death(status: int | None, tool: str, limits: CallLimits) -> KilnError:
        """The error of a call whose worker died: CPU limit → timeout_ms, anything else → crash."""
        if status == -signal.SIGXCPU:
            return LimitExceeded("timeout_ms", limits.timeout_ms, plugin=limits.plugin)
        how = f"signal {signal.Signals(-status).name}" if status and status < 0 else f"exit status {status}"
        who = f"plugin '{limits.plugin}' " if limits.plugin else ""
        return PluginRuntimeError(f"worker crashed during {who}tool '{tool}' ({how}); the pool replaced it")


def limits_for(kiln, tool_name: str) -> CallLimits:
    """The supervision limits of a registry tool (its plugin's limits; defaults for built-ins)."""
    tool = kiln.registry.get(tool_name)
    spec = kiln.plugins.active.get(tool.plugin) if tool.plugin else None
    limits = spec.limits if spec else DEFAULT_LIMITS
    return CallLimits(timeout_ms=limits.timeout_ms, memory_mb=limits.memory_mb, plugin=tool.plugin)



class InProcessRunner:
    """The ``in-process`` isolation mode behind the same surface as :class:`WorkerPool`.

    Calls run on the caller's thread against the given Kiln — no OS limits, and a hard
    timeout inside a C call ends the whole process. Meant for debugging and measurement.
    """

    def __init__(self, kiln, *, size: int = 1):
        self.kiln = kiln
        self.size = size
        self.generation = 0

    def call(self, tool: str, args: Any = None, *, caller: str = "mcp", limits: CallLimits = CallLimits()) -> Any:
        """Run the tool in this process."""
        return self.kiln.registry.call(tool, args, caller=caller)

    def agent(self, tool: str, args: dict, *, client: str, limits: CallLimits = CallLimits()) -> Any:
        """Run an agent tool in this process."""
        from .agent_tools import run_agent_tool

        return run_agent_tool(self.kiln, tool, args, client=client)

    def reload(self) -> int:
        """Nothing to tell: the caller reloaded this very kiln."""
        self.generation += 1
        return self.generation

    def close(self) -> None:
        """Nothing to stop."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


ISOLATION_MODES = ("process", "in-process")
"""DESIGN §6: ``process`` (a worker pool; what the MCP server uses) or ``in-process``."""


def audit_lost_call(kiln) -> Callable[[dict, KilnError, float], None]:
    """An ``on_lost_call`` that writes the audit row a killed or crashed worker could not write."""

    def record(request: dict, error: KilnError, started: float) -> None:
        outcome = "limit" if isinstance(error, LimitExceeded) else "error"
        kiln.state.audit.record(plugin=request.get("plugin") or "builtin", tool=request.get("tool", "?"),
                                caller=request.get("caller", "mcp"), started=started,
                                duration_ms=(time.time() - started) * 1000, outcome=outcome, error=str(error))

    return record


def open_runner(kiln, isolation: str = "process", *, size: int = 2):
    """A WorkerPool (``process``) or an InProcessRunner (``in-process``) for ``kiln``."""
    if isolation == "process":
        return WorkerPool(kiln.root, size=size, on_lost_call=audit_lost_call(kiln))
    if isolation == "in-process":
        return InProcessRunner(kiln, size=size)
    raise KilnError(f"unknown isolation mode '{isolation}' (known: {', '.join(ISOLATION_MODES)})")
