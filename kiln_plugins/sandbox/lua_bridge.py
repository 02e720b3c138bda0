"""The one door between plugin Lua code and Python host functions.

Lua calls ``dispatch(id, json_args)``; the answer is always a pair ``(status, value)`` so no
Python exception object ever reaches Lua:

* ``0, value`` — success; ``value`` is a Lua table/scalar built from plain Python data;
* ``1, message`` — an ordinary host error (a :class:`KilnError` such as "note not found"),
  raised in Lua as a plain string that ``pcall`` may catch;
* ``2, nil`` — fatal: a :class:`CapabilityError`, a :class:`LimitExceeded` or an unexpected
  Python exception. The exception is kept here and re-raised in Python once the call has
  unwound; inside Lua the call's budget is tripped, so no ``pcall`` can swallow it.

Arguments arrive as JSON text written by the sandbox's exporter (same conversion rules as tool
results); results go in via :func:`to_lua`, which refuses anything that is not plain data.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from lupa import lua54

from ..errors import CapabilityError, KilnError, LimitExceeded, PluginRuntimeError

__all__ = ["HostBridge", "to_lua"]

_PLAIN_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any, depth: int = 0) -> Any:
    """A copy holding only plain data; integers beyond 64 bits become floats."""
    if depth > 200:
        raise PluginRuntimeError("value nested too deeply (or cyclic)")
    if isinstance(value, int) and not isinstance(value, bool):
        return value if lua54.LUA_MININTEGER <= value <= lua54.LUA_MAXINTEGER else float(value)
    if isinstance(value, _PLAIN_SCALARS):
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise PluginRuntimeError(f"a {type(k).__name__} key cannot be passed to Lua")
            out[k] = _plain(v, depth + 1)
        return out
    if isinstance(value, list):
        return [_plain(v, depth + 1) for v in value]
    raise PluginRuntimeError(f"a {type(value).__name__} value cannot be passed to Lua")


def to_lua(runtime, value: Any) -> Any:
    """Plain Python data as a Lua value: dicts and lists become tables (None in a list is a hole)."""
    value = _plain(value)
    if isinstance(value, (dict, list)):
        return runtime.table_from(value, recursive=True)
    return value


class HostBridge:
    """Host callables by id for one runtime; remembers the fatal exception of the current call."""

    def __init__(self, host: Mapping[str, Mapping[str, Callable]], on_print: Callable[[str], None]):
        self.modules: list[tuple[str, list[tuple[str, int]]]] = []
        self._table: list[tuple[str, Callable]] = [("print", on_print)]
        for module in sorted(host):
            entries = []
            for name in sorted(host[module]):
                entries.append((name, len(self._table)))
                self._table.append((f"{module}.{name}", host[module][name]))
            self.modules.append((module, entries))
        self.runtime = None
        self.fatal: BaseException | None = None

    def dispatch(self, fid: int, payload: Any) -> tuple[int, Any]:
        """Called from Lua only; never raises."""
        try:
            qualified, fn = self._table[fid]
            if fid == 0:
                fn(payload)
                return 0, None
            args = json.loads(payload)
            while args and args[-1] is None:
                args.pop()
            result = fn(*args)
            return 0, to_lua(self.runtime, result)
        except (CapabilityError, LimitExceeded) as exc:
            return self._fatal(exc)
        except KilnError as exc:
            return 1, str(exc)
        except (TypeError, ValueError) as exc:
            return 1, f"bad arguments to '{qualified}': {exc}"
        except lua54.LuaMemoryError:
            return self._fatal(LimitExceeded("memory_mb", None))
        except BaseException as exc:  # noqa: BLE001 - kept and re-raised by the runtime
            return self._fatal(exc)

    def _fatal(self, exc: BaseException) -> tuple[int, None]:
        if self.fatal is None:
            self.fatal = exc
        return 2, None
