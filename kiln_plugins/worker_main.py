"""A worker process of the pool: opens the kiln once, then answers one request at a time.

Run as ``python -m kiln_plugins.worker_main ROOT`` by :mod:`kiln_plugins.workers`, never by a
person. The OS limits of a call are set here, in the child, before the call runs: address space
(``RLIMIT_AS``) is the process's current size plus the plugin's ``memory_mb`` plus headroom,
and CPU seconds (``RLIMIT_CPU``) are the CPU time used so far plus the call's timeout plus a
grace second. Only soft limits are lowered so the next call can set its own.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time
from typing import Any, TextIO

HEADROOM_MB = 256
"""Address space allowed above the plugin's ``memory_mb`` (interpreter, SQLite, JSON)."""
CPU_GRACE_S = 1
"""CPU seconds allowed above the call's ``timeout_ms``; the parent's wall clock acts first."""
_MIB = 1024 * 1024


def _address_space_bytes() -> int:
    """Current virtual size of this process."""
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def set_call_limits(memory_mb: int, timeout_ms: int) -> None:
    """Lower the soft RLIMIT_AS and RLIMIT_CPU for the call about to run."""
    limit = _address_space_bytes() + (memory_mb + HEADROOM_MB) * _MIB
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = math.ceil(usage.ru_utime + usage.ru_stime + timeout_ms / 1000) + CPU_GRACE_S
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu if hard == resource.RLIM_INFINITY else min(cpu, hard), hard))


def lift_call_limits() -> None:
    """Back to the hard limits between calls (reloading plugins must not fail on a stale limit)."""
    for which in (resource.RLIMIT_AS, resource.RLIMIT_CPU):
        hard = resource.getrlimit(which)[1]
        resource.setrlimit(which, (hard, hard))


def _log_to_stderr(level: str, message: str) -> None:
    """Plugin log lines go to the server's stderr (an MCP client's server log), never to stdout."""
    sys.stderr.write(f"cru worker {os.getpid()}: {level} {message}\n")
    sys.stderr.flush()


class Worker:
    """The state of one worker process: its kiln and the plugin generation it has loaded."""

    def __init__(self, root: str, out: TextIO):
        from .kiln import Kiln

        self.out = out
        self.current: Any = None
        self.kiln = Kiln.open(root, caller="mcp", on_hard_timeout=self._hard_timeout, on_log=_log_to_stderr)
        self.generation = 0

    def _hard_timeout(self, exc: BaseException) -> None:
        """The in-process watchdog fired inside a C call: answer, then end this process."""
        from .worker_wire import error_to_data

        if self.current is not None:
            # "unaudited": the call never returned here, so the parent writes its audit row.
            self.send({"id": self.current, "ok": False, "error": error_to_data(exc), "retire": True,
                       "unaudited": True})
        os._exit(4)

    def send(self, message: dict) -> None:
        """One answer line to the parent (values JSON lacks are written as text, as the CLI prints them)."""
        self.out.write(json.dumps(message, ensure_ascii=False, default=str) + "\n")
        self.out.flush()

    def sync(self, generation: int) -> None:
        """Re-read changed notes and re-discover plugins when the parent reloaded."""
        if generation > self.generation:
            self.kiln.index.refresh()
            self.kiln.reload_plugins()
            self.generation = generation

    def handle(self, request: dict) -> dict:
        """Run one request; never raises."""
        from .errors import LimitExceeded
        from .worker_wire import error_to_data

        self.current = request.get("id")
        retire = False
        try:
            self.sync(int(request.get("generation", 0)))
            set_call_limits(int(request.get("memory_mb", 64)), int(request.get("timeout_ms", 5000)))
            try:
                if request.get("op") == "agent":
                    from .agent_tools import run_agent_tool

                    result = run_agent_tool(self.kiln, request["tool"], request.get("args") or {},
                                            client=request.get("client") or "mcp")
                else:
                    result = self.kiln.registry.call(request["tool"], request.get("args"),
                                                     caller=request.get("caller", "mcp"))
                answer = {"id": self.current, "ok": True, "result": result}
            finally:
                lift_call_limits()
        except MemoryError:
            retire = True  # the heap may be in any state; the pool starts a fresh worker
            error = LimitExceeded("memory_mb", request.get("memory_mb"), plugin=request.get("plugin"))
            answer = {"id": self.current, "ok": False, "error": error_to_data(error)}
        except Exception as exc:  # noqa: BLE001 - every failure is an answer, never a dead pipe
            answer = {"id": self.current, "ok": False, "error": error_to_data(exc)}
        if retire:
            answer["retire"] = True
        self.current = None
        return answer


def main(argv: list[str] | None = None) -> int:
    """Serve requests from stdin until it closes."""
    argv = sys.argv[1:] if argv is None else argv
    # The original stdout is the pipe to the parent: keep a private copy and point fd 1 at
    # stderr so nothing printed by accident can corrupt the protocol (or an MCP stdio stream).
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        worker = Worker(argv[0], out)
    except Exception as exc:  # noqa: BLE001
        from .worker_wire import error_to_data

        out.write(json.dumps({"ready": False, "error": error_to_data(exc)}) + "\n")
        out.flush()
        return 1
    worker.send({"ready": True, "pid": os.getpid(), "started": time.time()})
    for line in sys.stdin:
        if not line.strip():
            continue
        answer = worker.handle(json.loads(line))
        worker.kiln.state.audit.flush()  # audit rows reach state.db before the parent hears back
        worker.send(answer)
        if answer.get("retire"):
            break
    worker.kiln.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
