"""Argument checks shared by the ``graph.*`` and ``std.*`` host functions.

Plugin code hands us plain values from Lua or Rune, where an empty table may arrive as ``[]``
and ``2.0`` may stand for ``2``. Every check names the function and the argument, and uses the
guest languages' type words (nil, boolean, number, string, table), so the one-line error reads
well next to the plugin's own line: ``graph.bfs: depth must be an integer >= 0, got -1``.
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError

__all__ = ["type_word", "options", "int_arg", "number_arg", "str_arg", "bool_arg", "table_arg"]


def type_word(value: Any) -> str:
    """The guest-language name of a value's type, for error messages."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (dict, list, tuple)):
        return "table"
    return type(value).__name__


def _shown(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    return f"a {type_word(value)}"


def options(value: Any, fn: str, allowed: dict[str, Any]) -> dict[str, Any]:
    """``value`` (an options table or nil) merged over ``allowed``'s defaults; unknown keys refused."""
    if value is None or value == [] or value == {}:
        return dict(allowed)
    if not isinstance(value, dict):
        raise UsageError(f"{fn}: options must be a table, got {_shown(value)}")
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise UsageError(f"{fn}: unknown option '{unknown[0]}' (allowed: {', '.join(allowed)})")
    merged = dict(allowed)
    merged.update({k: v for k, v in value.items() if v is not None})
    return merged


def int_arg(value: Any, fn: str, name: str, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    """An integer (an integral float is accepted) within the bounds."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    ok = isinstance(value, int) and not isinstance(value, bool)
    if ok and minimum is not None and value < minimum:
        ok = False
    if ok and maximum is not None and value > maximum:
        ok = False
    if not ok:
        bounds = (f" >= {minimum}" if minimum is not None else "") + \
                 (f" <= {maximum}" if maximum is not None else "")
        raise UsageError(f"{fn}: {name} must be an integer{bounds}, got {_shown(value)}")
    return value


def number_arg(value: Any, fn: str, name: str, *, above: float | None = None,
               below: float | None = None) -> float:
    """A finite number strictly between ``above`` and ``below`` when given."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
        and value not in (float("inf"), float("-inf"))
    if ok and above is not None and not value > above:
        ok = False
    if ok and below is not None and not value < below:
        ok = False
    if not ok:
        bounds = " and ".join(p for p in ((f"> {above}" if above is not None else ""),
                                          (f"< {below}" if below is not None else "")) if p)
        raise UsageError(f"{fn}: {name} must be a number{' ' + bounds if bounds else ''}, "
                         f"got {_shown(value)}")
    return float(value)


def str_arg(value: Any, fn: str, name: str, *, choices: tuple[str, ...] = ()) -> str:
    """A string, optionally one of ``choices``."""
    if not isinstance(value, str):
        raise UsageError(f"{fn}: {name} must be a string, got {_shown(value)}")
    if choices and value not in choices:
        raise UsageError(f"{fn}: {name} must be one of {', '.join(choices)}, got {_shown(value)}")
    return value


def bool_arg(value: Any, fn: str, name: str) -> bool:
    """A boolean."""
    if not isinstance(value, bool):
        raise UsageError(f"{fn}: {name} must be true or false, got {_shown(value)}")
    return value


def table_arg(value: Any, fn: str, name: str, *, kind: str = "any") -> Any:
    """A table: ``kind`` ``list`` (an empty dict counts as an empty list), ``map`` or ``any``."""
    if kind == "list":
        if value == {}:
            return []
        if isinstance(value, (list, tuple)):
            return list(value)
        raise UsageError(f"{fn}: {name} must be a list, got {_shown(value)}")
    if kind == "map":
        if value == []:
            return {}
        if isinstance(value, dict):
            return value
        raise UsageError(f"{fn}: {name} must be a table with keys, got {_shown(value)}")
    if not isinstance(value, (dict, list, tuple)):
        raise UsageError(f"{fn}: {name} must be a table, got {_shown(value)}")
    return value
