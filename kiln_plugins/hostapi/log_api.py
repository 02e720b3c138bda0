"""``log.*``: messages shown to the person (stderr) and counted against ``output_kb``."""

from __future__ import annotations

from .registry import HostFunction, Param


def _logger(level):
    def log(ctx, *parts):
        ctx.log(level, " ".join(str(p) for p in parts))
        return None
    return log


FUNCTIONS = tuple(
    HostFunction("log", level, f"Log a message at level {level}.", (Param("message", {"type": "string"}),),
                 "nil", None, _logger(level), example=f'log.{level}("hello")')
    for level in ("info", "warn", "error")
)
