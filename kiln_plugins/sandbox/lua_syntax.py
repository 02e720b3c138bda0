"""Compile-only checking of Lua plugin code: syntax errors with their note lines, nothing run.

``cru plugins validate`` must report a syntax error without executing a plugin's top-level
code; Lua's ``load`` compiles a chunk without running it.
"""

from __future__ import annotations

import re
from typing import Sequence

import lupa.lua54 as lua54

from ..errors import Diagnostic
from ..model import CodeChunk

__all__ = ["check_lua_syntax"]

_PLACE = re.compile(r"^(?P<path>.*?):(?P<line>\d+): (?P<message>.*)$", re.S)


def check_lua_syntax(chunks: Sequence[CodeChunk]) -> list[Diagnostic]:
    """One diagnostic per chunk that does not compile (Lua stops at the first error in a chunk)."""
    lua = lua54.LuaRuntime(encoding=None, register_eval=False, register_builtins=False)
    compile_only = lua.eval(b'function(src, name) local f, err = load(src, name, "t", {}) return err end')
    found = []
    for chunk in chunks:
        padded = "\n" * max(0, chunk.first_line - 1) + chunk.source
        err = compile_only(padded.encode("utf-8"), ("=" + chunk.path).encode("utf-8"))
        if err is None:
            continue
        text = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
        m = _PLACE.match(text)
        if m and m.group("path") == chunk.path:
            found.append(Diagnostic(chunk.path, int(m.group("line")), m.group("message").strip()))
        else:
            found.append(Diagnostic(chunk.path, chunk.first_line, text.strip()))
    return found
