"""Per-call resource limits (DESIGN §6): defaults, system maximums, per-plugin requests."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

__all__ = ["Limits", "DEFAULT_LIMITS", "SYSTEM_MAXIMUMS", "LIMIT_NAMES", "resolve_limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """The budget of one tool call. Units are in the field names."""

    instructions: int = 100_000_000
    """VM instructions (Lua count hook / Rune ticks)."""
    timeout_ms: int = 5_000
    """Wall-clock milliseconds, enforced from outside the VM as well."""
    memory_mb: int = 64
    """Memory the VM may allocate."""
    call_depth: int = 1_000
    """Nested calls (Rune; Lua is bounded by its own stack and memory)."""
    output_kb: int = 1_024
    """Size of the JSON result plus log lines."""
    write_mb: int = 10
    """Bytes written to the kiln in one call (one note is at most 10 MB)."""


DEFAULT_LIMITS = Limits()
SYSTEM_MAXIMUMS = Limits(
    instructions=10_000_000_000,
    timeout_ms=300_000,
    memory_mb=1_024,
    call_depth=10_000,
    output_kb=65_536,
    write_mb=1_024,
)
LIMIT_NAMES = tuple(f.name for f in fields(Limits))
MAX_NOTE_BYTES = 10 * 1024 * 1024


def resolve_limits(requested: dict | None, maximums: Limits = SYSTEM_MAXIMUMS,
                   defaults: Limits = DEFAULT_LIMITS) -> Limits:
    """Defaults overlaid with a plugin's ``limits:``; callers validate against ``maximums`` first."""
    if not requested:
        return defaults
    return replace(defaults, **{k: v for k, v in requested.items() if k in LIMIT_NAMES})
