"""Per-plugin token buckets for calls arriving over MCP (DESIGN §11).

A call over the rate does not fail: it reserves the next token and waits for it. The wait
queue is bounded — when ``max_waiting`` calls of one plugin are already waiting, the next one
is refused with a clear error — so a runaway agent is slowed, never allowed to pile up work.
The arithmetic is separate from the waiting (:meth:`TokenBucket.reserve` takes the time), so
it can be tested without sleeping.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Callable

from .config import RateLimit
from .errors import LimitExceeded

__all__ = ["TokenBucket", "RateLimiter", "MAX_WAITING"]

MAX_WAITING = 1_000
"""Calls of one plugin that may wait for a token at once."""


class TokenBucket:
    """``burst`` tokens, refilled at ``per_minute`` a minute; reservations may go into debt."""

    def __init__(self, rate: RateLimit, *, max_waiting: int = MAX_WAITING, now: float = 0.0):
        self.per_second = rate.per_minute / 60.0
        self.burst = float(rate.burst)
        self.max_waiting = max_waiting
        self.tokens = float(rate.burst)
        self.updated = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now

    def waiting(self, now: float) -> int:
        """How many reservations are still waiting for their token at ``now``."""
        self._refill(now)
        return math.ceil(-self.tokens) if self.tokens < 0 else 0

    def reserve(self, now: float, plugin: str | None = None) -> float:
        """Take a token; returns seconds to wait before using it, or raises when the queue is full."""
        self._refill(now)
        if self.tokens < 1 and self.waiting(now) >= self.max_waiting:
            raise LimitExceeded("rate_queue", self.max_waiting, plugin=plugin)
        self.tokens -= 1
        if self.tokens >= 0:
            return 0.0
        if self.per_second <= 0:
            self.tokens += 1
            raise LimitExceeded("rate_per_minute", 0, plugin=plugin)
        return -self.tokens / self.per_second


class RateLimiter:
    """One bucket per plugin (built-in and agent tools share the bucket ``builtin``)."""

    def __init__(self, rate: RateLimit, *, max_waiting: int = MAX_WAITING,
                 clock: Callable[[], float] = time.monotonic):
        self.rate, self.max_waiting, self.clock = rate, max_waiting, clock
        self._buckets: dict[str, TokenBucket] = {}

    def bucket(self, plugin: str | None) -> TokenBucket:
        key = plugin or "builtin"
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, max_waiting=self.max_waiting, now=self.clock())
        return bucket

    async def acquire(self, plugin: str | None) -> float:
        """Wait (asynchronously) until this plugin may run one more call; returns the wait."""
        delay = self.bucket(plugin).reserve(self.clock(), plugin)
        if delay > 0:
            await asyncio.sleep(delay)
        return delay
