"""``cru rune run`` / ``cru rune test`` as functions: run ``main`` or every ``#[test]`` fn."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from ..errors import KilnError, LimitExceeded, RuneCompileError
from ..limits import Limits
from ..model import CodeChunk
from . import parser
from .unit import RuneUnit

__all__ = ["run_file", "test_files", "set_aside_unsupported"]


def set_aside_unsupported(source: str) -> tuple[str, list[tuple[str, int, str]]]:
    """Blank top-level items that use unsupported constructs (async, generators…).

    Returns the source with those items replaced by empty lines (line numbers kept) and one
    ``(item name, line, message)`` per item set aside, so a test file with a few async tests
    still runs its other tests and reports the async ones as failed, by name. When any error
    is not an "unsupported construct", the source is returned unchanged and compiling it
    reports every error as usual.
    """
    tree, errors = parser.parse(source)
    if not errors or tree is None or any("not supported" not in e.message for e in errors):
        return source, []
    lines = source.split("\n")
    items = sorted(tree.items, key=lambda it: it.line)
    starts = [it.line for it in items]
    aside: dict[int, tuple[str, int, str]] = {}
    for e in errors:
        owner = max((it for it in items if it.line <= e.line), key=lambda it: it.line, default=None)
        if owner is None:
            return source, []
        if owner.line not in aside:
            aside[owner.line] = (getattr(owner, "name", "item"), owner.line, e.message)
    def first_line(start: int) -> int:  # an item starts at its attributes and doc comments
        while start > 1 and lines[start - 2].lstrip().startswith(("#[", "///")):
            start -= 1
        return start

    for begin in aside:
        end = min((first_line(s) for s in starts if s > begin), default=len(lines) + 1)
        for i in range(first_line(begin) - 1, end - 1):
            lines[i] = ""
    return "\n".join(lines), sorted(aside.values(), key=lambda a: a[1])


def _chunk(path) -> CodeChunk:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RuneCompileError(f"cannot read {p}: {e}", path=str(p)) from None
    return CodeChunk(text.replace("\r\n", "\n"), str(path))


def _report_compile(e: RuneCompileError, out) -> None:
    for d in e.diagnostics or (e,):
        out(str(d))


def run_file(path, *, limits: Limits, host=None, out: Callable[[str], None] = print) -> int:
    """Run ``main`` of a ``.rn`` file; exit code 0 ok, 1 runtime error, 2 compile, 4 limit."""
    try:
        unit = RuneUnit([_chunk(path)], host or {}, limits, plugin=Path(path).stem,
                        on_log=lambda level, line: out(line))
    except RuneCompileError as e:
        _report_compile(e, out)
        return 2
    try:
        unit.run_main()
    except LimitExceeded as e:
        out(str(e))
        return 4
    except KilnError as e:
        out(str(e))
        return e.exit_code
    return 0


def test_files(paths: Iterable, *, limits: Limits, out: Callable[[str], None] = print) -> tuple[int, int]:
    """Run every ``#[test]`` fn of each file; print one line per test and ``N passed, N failed``."""
    passed = failed = 0
    for path in paths:
        try:
            chunk = _chunk(path)
            source, aside = set_aside_unsupported(chunk.source)
            unit = RuneUnit([CodeChunk(source, chunk.path)], {}, limits, plugin=Path(path).stem,
                            on_log=lambda level, line: None)
        except RuneCompileError as e:
            _report_compile(e, out)
            failed += 1
            continue
        for name, line, message in aside:
            failed += 1
            out(f"test {path}::{name} ... FAILED: {path}:{line}: {message}")
        for name, ok, message in unit.run_tests():
            if ok:
                passed += 1
                out(f"test {path}::{name} ... ok")
            else:
                failed += 1
                out(f"test {path}::{name} ... FAILED: {message}")
    out(f"{passed} passed, {failed} failed")
    return passed, failed

