"""Runs every ``tests/rune/cases/*.rn``: each calls ``main`` and checks inline expectations.

``// expect: text`` lines are the printed lines in order; ``// expect runtime error: msg``
marks the line that must fail with a message containing ``msg``; ``// expect compile error:
msg`` lines must each be reported as a compile diagnostic on that line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiln_plugins.errors import PluginRuntimeError, RuneCompileError
from kiln_plugins.limits import Limits
from kiln_plugins.model import CodeChunk
from kiln_plugins.rune.unit import RuneUnit

CASES = sorted((Path(__file__).parent / "cases").glob("*.rn"))
EXPECT = re.compile(r"//\s*expect( runtime error| compile error)?:\s?(.*)$")


def expectations(source: str):
    out, runtime, compile_ = [], None, []
    for n, line in enumerate(source.splitlines(), 1):
        m = EXPECT.search(line)
        if not m:
            continue
        kind, text = m.group(1), m.group(2).rstrip()
        if kind is None:
            out.append(text)
        elif kind == " runtime error":
            runtime = (n, text)
        else:
            compile_.append((n, text))
    return out, runtime, compile_


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case(case: Path):
    source = case.read_text()
    want_out, want_runtime, want_compile = expectations(source)
    printed: list[str] = []
    chunk = CodeChunk(source, f"cases/{case.name}")
    try:
        unit = RuneUnit([chunk], {}, Limits(instructions=5_000_000, timeout_ms=10_000),
                        plugin="cases", on_log=lambda level, line: printed.append(line))
    except RuneCompileError as e:
        assert want_compile, f"unexpected compile error: {e.diagnostics}"
        got = [(d.line, d.message) for d in e.diagnostics]
        for line, text in want_compile:
            assert any(gl == line and text in gm for gl, gm in got), (line, text, got)
        return
    assert not want_compile, "expected a compile error"
    if want_runtime is None:
        unit.run_main()
    else:
        with pytest.raises(PluginRuntimeError) as info:
            unit.run_main()
        line, text = want_runtime
        assert info.value.path == chunk.path
        assert info.value.line == line, str(info.value)
        assert text in info.value.message, str(info.value)
    assert printed == want_out
