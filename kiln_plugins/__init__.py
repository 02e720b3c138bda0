"""kiln-plugins: sandboxed Lua and Rune plugins that live as notes in a markdown kiln.

The package face: open a kiln and call its tools.

>>> from kiln_plugins import Kiln
>>> with Kiln.open("sample_kiln") as kiln:                      # doctest: +SKIP
...     kiln.registry.call("roll_dice", {"notation": "2d6+1", "seed": 1})

Names are imported on first use (PEP 562), so ``cru --help`` does not pay for networkx.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Kiln": "kiln", "KilnIndex": "index", "ToolRegistry": "tools", "Tool": "tools",
    "PluginSpec": "plugin_spec", "ToolSpec": "plugin_spec", "load_spec": "plugin_spec",
    "PluginSet": "discovery", "discover": "discovery", "parse_note": "note", "read_note": "note",
    "Note": "model", "Link": "model", "Fence": "model", "Heading": "model", "CodeChunk": "model",
    "Limits": "limits", "DEFAULT_LIMITS": "limits", "SYSTEM_MAXIMUMS": "limits",
    **{name: "errors" for name in ("Diagnostic", "KilnError", "UsageError", "ValidationError",
                                   "RuneCompileError", "PluginRuntimeError", "TestFailure",
                                   "ToolArgumentError", "CapabilityError", "ApprovalRequired",
                                   "LimitExceeded")},
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kiln_plugins' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
