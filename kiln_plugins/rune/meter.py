"""Resource accounting for native Rune methods: instruction ticks, call depth, memory.

Generated code counts its own ticks (at calls and loop back-edges); native methods that loop
over large data or grow data call :func:`current` and charge the active ``Meter``, so a
one-line ``v.sort()`` on a huge vector cannot bypass the budget.

Memory is an approximation of what Rune's allocator limit catches: bytes added to a
container in place (``push``, ``push_str``, ``extend``, ``insert``, ``+=`` on a String) are
charged and never refunded, and a single fresh value larger than the whole limit
(``"x".repeat(n)``, a huge ``collect``) is refused. Churn of short-lived values is not
counted; the worker process's RLIMIT_AS is the backstop for that.
"""

from __future__ import annotations

import threading
import time

from ..errors import LimitExceeded
from ..limits import Limits

__all__ = ["Meter", "current", "WORD"]

_CLOCK_EVERY = 10_000  # ticks between wall-clock checks
WORD = 8  # bytes charged for one element slot of a vector/map/set
_local = threading.local()


class Meter:
    """Instruction, depth and memory counters for one run of a unit."""

    __slots__ = ("limits", "plugin", "ticks", "depth", "allocated", "charge", "deadline",
                 "next_clock")

    def __init__(self, limits: Limits, plugin: str | None = None):
        self.limits = limits
        self.plugin = plugin
        self.ticks = 0
        self.depth = 0
        self.allocated = 0
        self.charge = None  # optional callable(n): route ticks into the unit's own budget
        self.deadline = time.monotonic() + limits.timeout_ms / 1000
        self.next_clock = _CLOCK_EVERY

    def tick(self, n: int = 1) -> None:
        """Spend ``n`` instructions; LimitExceeded("instructions") when the budget is gone."""
        if self.charge is not None:
            self.charge(n)
            return
        self.ticks += n
        if self.ticks > self.limits.instructions:
            raise LimitExceeded("instructions", self.limits.instructions, plugin=self.plugin)
        if self.ticks >= self.next_clock:
            self.next_clock = self.ticks + _CLOCK_EVERY
            if time.monotonic() > self.deadline:
                raise LimitExceeded("timeout_ms", self.limits.timeout_ms, plugin=self.plugin)

    def enter(self) -> None:
        """One call deeper; LimitExceeded("call_depth") past the limit."""
        self.depth += 1
        if self.depth > self.limits.call_depth:
            self.depth -= 1
            raise LimitExceeded("call_depth", self.limits.call_depth, plugin=self.plugin)

    def leave(self) -> None:
        """One call shallower."""
        self.depth -= 1

    def alloc(self, nbytes: int) -> None:
        """Charge ``nbytes`` of in-place growth; LimitExceeded("memory_mb") over the limit."""
        self.allocated += nbytes
        if self.allocated > self.limits.memory_mb * 1024 * 1024:
            raise LimitExceeded("memory_mb", self.limits.memory_mb, plugin=self.plugin)

    def fresh(self, nbytes: int) -> None:
        """Refuse one new value of ``nbytes`` larger than the whole memory limit."""
        if nbytes > self.limits.memory_mb * 1024 * 1024 - self.allocated:
            raise LimitExceeded("memory_mb", self.limits.memory_mb, plugin=self.plugin)

    def activate(self):
        """Make this the meter of the current thread; returns a token for :meth:`deactivate`."""
        previous = getattr(_local, "meter", None)
        _local.meter = self
        return previous

    def deactivate(self, token) -> None:
        """Restore the meter that was active before :meth:`activate` returned ``token``."""
        _local.meter = token


_UNLIMITED = Meter(Limits(instructions=1 << 62, memory_mb=1 << 40, call_depth=1 << 30,
                          timeout_ms=1 << 50))


def current() -> Meter:
    """The active meter of this thread (an unlimited one outside any run)."""
    m = getattr(_local, "meter", None)
    return _UNLIMITED if m is None else m
