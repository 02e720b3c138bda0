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


# ---------------------------------------------------------------- property: checked i64

from hypothesis import given, settings, strategies as st  # noqa: E402

I64 = (-2 ** 63, 2 ** 63 - 1)
EDGE = st.sampled_from([0, 1, -1, 2, -2, 7, -7, I64[0], I64[1], I64[0] + 1, I64[1] - 1,
                        2 ** 31, -(2 ** 31), 3037000499, 3037000500])
INTS = st.one_of(EDGE, st.integers(*I64))


class Overflow(Exception):
    pass


def reference(op, a, b):
    """Rune's checked i64 semantics, independently of the implementation under test."""
    if op in ("/", "%"):
        if b == 0:
            raise Overflow("division by zero")
        q = abs(a) // abs(b)
        q = q if (a >= 0) == (b >= 0) else -q
        r = q if op == "/" else a - b * q
    else:
        r = {"+": a + b, "-": a - b, "*": a * b}[op]
    if not I64[0] <= r <= I64[1]:
        raise Overflow("integer overflow")
    return r


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("+-*/%"), INTS, INTS), min_size=1, max_size=8),
       st.booleans())
def test_generated_arithmetic_matches_checked_i64(cases, through_vars):
    lines, want = [], []
    for i, (op, a, b) in enumerate(cases):
        la = f"({a})" if a < 0 else str(a)
        lb = f"({b})" if b < 0 else str(b)
        # Variables exercise the inline fast paths; literals exercise constant operands.
        expr = f"{{ let a = {la}; let b = {lb}; a {op} b }}" if through_vars else f"{la} {op} {lb}"
        lines.append(f"pub fn c{i}(args) {{ {expr} }}")
        try:
            want.append(reference(op, a, b))
        except Overflow as e:
            want.append(e)
    unit = RuneUnit([CodeChunk("\n".join(lines), "prop.rn")], {}, Limits(), plugin="prop")
    for i, expected in enumerate(want):
        if isinstance(expected, Overflow):
            with pytest.raises(PluginRuntimeError) as info:
                unit.call(f"c{i}", {})
            assert str(expected) in info.value.message
            assert info.value.line == i + 1
        else:
            assert unit.call(f"c{i}", {}) == expected
