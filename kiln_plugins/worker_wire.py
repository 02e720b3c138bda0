"""The wire between the worker pool and its worker processes: JSON lines, errors as data.

A request is one JSON object per line on the worker's stdin; the answer is one JSON object per
line on the worker's private copy of its original stdout. A :class:`KilnError` crosses as data
and is rebuilt in the parent as the same class with the same one-line message and place.
"""

from __future__ import annotations

from typing import Any

from . import errors
from .errors import Diagnostic, KilnError, PluginRuntimeError

__all__ = ["error_to_data", "error_from_data"]


def error_to_data(exc: BaseException) -> dict:
    """A JSON-safe description of ``exc`` that :func:`error_from_data` turns back into it."""
    if not isinstance(exc, KilnError):
        return {"class": "PluginRuntimeError", "message": f"internal error: {type(exc).__name__}: {exc}"}
    data: dict[str, Any] = {"class": type(exc).__name__, "message": exc.message, "path": exc.path,
                            "line": exc.line, "col": exc.col}
    for attr in ("limit", "value", "plugin", "capability", "command"):
        if hasattr(exc, attr):
            data[attr] = getattr(exc, attr)
    diagnostics = getattr(exc, "diagnostics", None)
    if diagnostics:
        data["diagnostics"] = [[d.path, d.line, d.message, d.col, d.severity] for d in diagnostics]
    return data


def error_from_data(data: dict) -> KilnError:
    """Rebuild the KilnError described by ``data`` (unknown classes become PluginRuntimeError)."""
    cls = getattr(errors, str(data.get("class")), None)
    if not (isinstance(cls, type) and issubclass(cls, KilnError)):
        cls = PluginRuntimeError
    place = {"path": data.get("path"), "line": data.get("line") or 0, "col": data.get("col") or 0}
    message = str(data.get("message", ""))
    if issubclass(cls, errors.LimitExceeded):
        exc = cls(data.get("limit", "?"), data.get("value"), plugin=data.get("plugin"), **place)
        exc.message = message  # the worker's words, exactly
        exc.args = (message,)
        return exc
    if issubclass(cls, errors.ApprovalRequired):
        return cls(message, plugin=data.get("plugin", ""), capability=data.get("capability", ""),
                   command=data.get("command", ""), **place)
    if issubclass(cls, errors.ValidationError):
        diags = tuple(Diagnostic(p, ln, m, c, s) for p, ln, m, c, s in data.get("diagnostics", ()))
        return cls(message, diagnostics=diags, **place)
    return cls(message, **place)
