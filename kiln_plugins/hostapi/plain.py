"""Conversion of host-side values to plain JSON-able Python (what crosses into a sandbox)."""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from ..errors import PluginRuntimeError

__all__ = ["to_plain"]


def to_plain(value: Any, *, _depth: int = 0) -> Any:
    """Dates become ISO strings, tuples/sets lists, keys strings; anything else is refused."""
    if _depth > 200:
        raise PluginRuntimeError("value nested too deeply (or cyclic)")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise PluginRuntimeError(f"{value} is not representable in JSON")
        return value
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_plain(v, _depth=_depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [to_plain(v, _depth=_depth + 1) for v in items]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise PluginRuntimeError(f"a {type(value).__name__} value is not representable in JSON")
