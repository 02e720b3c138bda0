"""A wall-clock watchdog outside the VM: fires when one call outlives its deadline.

The count hook checks the clock between Lua instructions, so ordinary code stops on time by
itself. What it cannot see is one long C call (or code running with hooks disabled); lupa
releases the GIL while Lua runs, so this thread still gets to act. It cannot stop the Lua
call — nothing can, in-process — so it hands the problem to ``on_fire`` (the one-shot CLI
prints the error and ends the process with exit code 4; a worker pool kills the worker).
"""

from __future__ import annotations

import threading
import time
from typing import Callable

__all__ = ["Watchdog"]

_IDLE_EXIT_S = 30.0   # a thread with nothing to watch for this long ends (units are pooled and dropped)


class Watchdog:
    """One daemon thread per owner, armed around each call; started lazily on first use."""

    def __init__(self, name: str):
        self._name = name
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._on_fire: Callable[[], None] | None = None
        self._armed = 0
        self._wake_at: float | None = None   # when the thread will next look; None: only when notified
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, on_fire: Callable[[], None]) -> int:
        """Call ``on_fire`` (from the watchdog thread) unless disarmed within ``seconds``."""
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name=f"watchdog {self._name}", daemon=True)
                self._thread.start()
            self._armed += 1
            self._deadline = time.monotonic() + seconds
            self._on_fire = on_fire
            if self._wake_at is None or self._deadline < self._wake_at:
                self._cond.notify()   # otherwise the thread wakes in time by itself: no switch per call
            return self._armed

    def disarm(self, token: int) -> None:
        """Cancel the arming that returned ``token`` (no-op when it already fired)."""
        with self._cond:
            if self._armed == token:
                self._deadline = None
                self._on_fire = None

    def _watch(self) -> None:
        while True:
            with self._cond:
                if self._deadline is None:
                    self._wake_at = None
                    self._cond.wait(_IDLE_EXIT_S)
                    if self._deadline is None:   # idle: end the thread; arm() starts a new one
                        self._thread = None
                        return
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._wake_at = self._deadline
                    self._cond.wait(remaining)
                    continue
                on_fire, self._deadline, self._on_fire = self._on_fire, None, None
            if on_fire is not None:
                on_fire()
