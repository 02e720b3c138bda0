"""``cru rune run`` / ``cru rune test`` as functions: run ``main`` or every ``#[test]`` fn."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from ..errors import KilnError, LimitExceeded, RuneCompileError
from ..limits import Limits
from ..model import CodeChunk
from .unit import RuneUnit

__all__ = ["run_file", "test_files"]


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
            unit = RuneUnit([_chunk(path)], {}, limits, plugin=Path(path).stem,
                            on_log=lambda level, line: None)
        except RuneCompileError as e:
            _report_compile(e, out)
            failed += 1
            continue
        for name, ok, message in unit.run_tests():
            if ok:
                passed += 1
                out(f"test {path}::{name} ... ok")
            else:
                failed += 1
                out(f"test {path}::{name} ... FAILED: {message}")
    out(f"{passed} passed, {failed} failed")
    return passed, failed

