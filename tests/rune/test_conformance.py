"""Rune's own test scripts (``crates/rune/tests/*.rn`` of rune-rs/rune) as the yardstick.

Reads them from the checkout named by ``$RUNE_CHECKOUT`` (skipped when unset); nothing from
that repository is copied here. Top-level items that use unsupported constructs (async) are
blanked out before compiling, keeping line numbers. Each file must pass in full, except the
known gaps listed in ``KNOWN_FAILURES``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiln_plugins.limits import Limits
from kiln_plugins.model import CodeChunk
from kiln_plugins.rune import parser
from kiln_plugins.rune.runner import set_aside_unsupported
from kiln_plugins.rune.unit import RuneUnit

CORE = ("literals int_ops bitwise_ops float ifs flow_control loops continue blocks for_loops "
        "assign lazy_and_or function_pointers tuples types char pat matching typed_tuple "
        "variants operator_is option result try instance linked_list closures iter range "
        "const reordering modules_inline modules_vis use imports").split()
CHECKOUT = os.environ.get("RUNE_CHECKOUT")
KNOWN_FAILURES: dict[str, set[str]] = {}


def without_unsupported(source: str) -> str:
    """Blank the top-level items whose parse errors are all 'not supported' constructs."""
    return set_aside_unsupported(source)[0]


def run_file(name: str):
    """``(passed, failed_names)`` for one conformance file."""
    path = Path(CHECKOUT) / "crates" / "rune" / "tests" / f"{name}.rn"
    source = without_unsupported(path.read_text())
    unit = RuneUnit([CodeChunk(source, f"{name}.rn")], {}, Limits(timeout_ms=30_000),
                    plugin=name, on_log=lambda level, line: None)
    results = unit.run_tests()
    failed = [n for n, ok, _ in results if not ok]
    return len(results) - len(failed), failed, results


@pytest.mark.skipif(not CHECKOUT, reason="RUNE_CHECKOUT is not set")
@pytest.mark.parametrize("name", CORE)
def test_conformance(name: str):
    passed, failed, results = run_file(name)
    unexpected = set(failed) - KNOWN_FAILURES.get(name, set())
    assert not unexpected, [(n, m) for n, ok, m in results if n in unexpected]


@pytest.mark.skipif(not CHECKOUT, reason="RUNE_CHECKOUT is not set")
def test_every_script_generates_valid_python():
    """All 48 scripts (not only the core) parse, resolve and generate compilable Python."""
    from kiln_plugins.rune import codegen
    for path in sorted((Path(CHECKOUT) / "crates" / "rune" / "tests").glob("*.rn")):
        source = without_unsupported(path.read_text())
        tree, errors = parser.parse(source)
        if errors:  # only files whose unsupported parts are not whole items (generators)
            assert all("not supported" in e.message for e in errors), (path.name, errors[:3])
            continue
        program = codegen.generate([(tree, path.name, 1, source)])
        compile(program.source, path.name, "exec")
