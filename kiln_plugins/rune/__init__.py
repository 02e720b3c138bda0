"""Rune plugins: a sandboxed implementation of the Rune language (DESIGN §9).

The public face is :class:`RuneUnit` (the same interface as ``LuaUnit``), :func:`compile_chunks`
and the runner functions behind ``cru rune run|test``. Names load lazily so the front end
(``lexer``, ``parser``) can be used without the runtime library.
"""

from __future__ import annotations

__all__ = ["RuneUnit", "compile_chunks", "run_file", "test_files"]

_WHERE = {"RuneUnit": "unit", "compile_chunks": "unit", "run_file": "runner",
          "test_files": "runner"}


def __getattr__(name: str):
    """Import the public names on first use."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'kiln_plugins.rune' has no attribute {name!r}")
    from importlib import import_module
    return getattr(import_module(f"{__name__}.{module}"), name)
