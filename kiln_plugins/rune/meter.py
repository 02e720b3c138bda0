"""Resource accounting for native Rune methods: instruction ticks, call depth, memory.

Generated code counts its own ticks (at calls and loop back-edges); native methods that loop
over large data or grow data call :func:`current` and charge the active ``Meter``, so a
one-line ``v.sort()`` on a huge vector cannot bypass the budget.

Memory approximates Rune's allocator limit without hooking Python's allocator. Growth
(``push``, ``push_str``, ``extend``, ``insert``, ``+=`` on a String, big new values) is
*charged* cheaply; a container whose own size passes the limit trips it at once, and every
time the charges reach a checkpoint (1 MB, or an eighth of the limit) the meter measures what
the run really holds: the larger of the process's resident-set growth and its growth in live
Python allocations (``sys.getallocatedblocks``) since the run started. Values built and
dropped in a loop are therefore not counted again and again, while a vector that keeps
growing trips ``memory_mb``. A single new value larger than the limit (``"x".repeat(n)``) is
refused before it is built. Both measures are per process, so allocations of other threads
during the run count too; the worker process's RLIMIT_AS is the hard backstop.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from ..errors import LimitExceeded
from ..limits import Limits

__all__ = ["Meter", "current", "WORD"]

_CLOCK_EVERY = 10_000  # ticks between wall-clock checks
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
BLOCK = 32  # bytes counted per live Python allocation (the smallest objects are 28-32)


def resident_bytes() -> int | None:
    """This process's resident set size, or None where /proc is unavailable."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None

WORD = 8  # bytes charged for one element slot of a vector/map/set
_local = threading.local()


class Meter:
    """Instruction, depth and memory counters for one run of a unit."""

    __slots__ = ("limits", "plugin", "ticks", "depth", "allocated", "charge", "deadline",
                 "next_clock", "limit_bytes", "pending", "checkpoint", "baseline",
                 "blocks")

    def __init__(self, limits: Limits, plugin: str | None = None):
        self.limits = limits
        self.plugin = plugin
        self.ticks = 0
        self.depth = 0
        self.allocated = 0
        self.charge = None  # optional callable(n): route ticks into the unit's own budget
        self.deadline = time.monotonic() + limits.timeout_ms / 1000
        self.next_clock = _CLOCK_EVERY
        self.limit_bytes = limits.memory_mb * 1024 * 1024
        self.pending = 0  # bytes charged since the last measurement
        self.checkpoint = max(64 * 1024, min(1 << 20, self.limit_bytes // 8))
        self.baseline = resident_bytes()
        self.blocks = sys.getallocatedblocks()

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

    def alloc(self, nbytes: int, holder: int = 0) -> None:
        """Charge ``nbytes`` of growth of a container now ``holder`` bytes big."""
        if holder > self.limit_bytes:
            self._exceeded()
        self.pending += nbytes
        if self.pending >= self.checkpoint or self.allocated + nbytes > self.limit_bytes:
            self.measure()

    def fresh(self, nbytes: int) -> None:
        """Charge one new value of ``nbytes``, refusing it outright if it exceeds the limit."""
        if nbytes > self.limit_bytes - self.allocated:
            self._exceeded()
        if nbytes >= self.checkpoint:
            self.alloc(nbytes)

    def measure(self) -> None:
        """Measure what the run holds now (see the module docstring) and check the limit.

        Fast paths may add their charges to ``allocated`` directly and call :meth:`alloc`
        once it would pass the limit: the measurement then replaces the running sum.
        """
        self.pending = 0
        held = (sys.getallocatedblocks() - self.blocks) * BLOCK
        if self.baseline is not None:
            now = resident_bytes()
            if now is not None:
                held = max(held, now - self.baseline)
        self.allocated = max(0, held)
        if self.allocated > self.limit_bytes:
            self._exceeded()

    def _exceeded(self):
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
