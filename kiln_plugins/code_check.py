"""Does a plugin's code compile? Checked without running anything (``cru plugins validate``).

Dispatch by language is data, like the runtimes table in ``kiln.py``.
"""

from __future__ import annotations

from typing import Sequence

from .errors import Diagnostic, RuneCompileError
from .model import CodeChunk

__all__ = ["check_code"]


def _lua(chunks: Sequence[CodeChunk]) -> list[Diagnostic]:
    from .sandbox.lua_syntax import check_lua_syntax

    return check_lua_syntax(chunks)


def _rune(chunks: Sequence[CodeChunk]) -> list[Diagnostic]:
    from .hostapi.catalog import HOST_FUNCTIONS
    from .rune.unit import compile_chunks

    try:
        compile_chunks(chunks, tuple({f.module for f in HOST_FUNCTIONS}))
    except RuneCompileError as exc:
        return list(exc.diagnostics) or [Diagnostic(exc.path or "", exc.line, exc.message)]
    return []


CHECKERS = {"lua": _lua, "rune": _rune}


def check_code(spec, required: Sequence[CodeChunk] = ()) -> list[Diagnostic]:
    """Compile errors of ``spec``'s code (required code first), each at its note line."""
    checker = CHECKERS.get(spec.language)
    if checker is None or not spec.code:
        return []
    return checker([*required, *spec.code])
