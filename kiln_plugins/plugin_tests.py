"""Running a plugin's test fences in the sandbox against a throwaway copy of the kiln.

The copy is a real folder (notes copied, no ``.crucible`` and no ``.git``), indexed afresh,
with its own empty state store: tests can write notes and state freely and the person's
kiln is never touched (DESIGN §7). ``net`` and ``fs.read`` still need real approval.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .context import CallContext, CallTree
from .errors import KilnError, ValidationError

__all__ = ["TestResult", "throwaway_kiln", "run_plugin_tests"]


@dataclass(frozen=True, slots=True)
class TestResult:
    """The outcome of one test."""

    __test__ = False

    plugin: str
    """Plugin name."""
    name: str
    """``test 1`` for a fence, the function name for a Rune ``#[test]`` fn."""
    line: int
    """Note line where the test starts."""
    passed: bool
    """True when it ran to the end without error."""
    message: str = ""
    """The one-line error when it failed."""
    duration_ms: float = 0.0
    """How long it took."""


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n.startswith(".")}


class throwaway_kiln:
    """Context manager: a copy of ``root`` in a temp folder, opened as a Kiln in test mode."""

    def __init__(self, root: Path, *, extra_notes: dict[str, str] | None = None, **options):
        self.root, self.extra, self.options = Path(root), extra_notes or {}, options

    def __enter__(self):
        from .kiln import Kiln

        self._tmp = tempfile.TemporaryDirectory(prefix="cru-test-")
        copy = Path(self._tmp.name) / "kiln"
        if self.root.is_dir():
            shutil.copytree(self.root, copy, ignore=_ignore, symlinks=True)
        else:
            copy.mkdir()
        from .kiln_writer import check_note_id

        for note_id, text in self.extra.items():
            check_note_id(note_id)  # an extra note is a note id, never a way out of the copy
            target = copy / note_id
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        # Approvals of the original kiln never count here (the copy has its own root): test
        # fences are not part of the code an approval covers, so an edited test — or an agent's
        # note under test with an approved plugin's code — must not borrow its net access.
        self.kiln = Kiln.open(copy, caller="test", **self.options)
        return self.kiln

    def __exit__(self, *exc):
        self.kiln.close()
        self._tmp.cleanup()


def _test_cases(unit, spec, chunk) -> Iterator[tuple[str, int, Callable[[], None]]]:
    """One (name, line, run) per test: a whole fence, or each ``#[test]`` fn of a Rune fence."""
    listing = getattr(unit, "test_functions", None)
    functions = listing(chunk) if (listing and spec.language == "rune") else []
    if functions:
        for fn_name, should_panic, line in functions:
            yield fn_name, line, (lambda n=fn_name, p=should_panic: unit.run_test_function(chunk, n, should_panic=p))
    else:
        yield chunk.name or "test", chunk.first_line, (lambda: unit.run_test(chunk))


def run_plugin_tests(kiln, spec) -> list[TestResult]:
    """Run every test of ``spec`` inside ``kiln`` (already a throwaway copy), fresh unit per test."""
    if not spec.valid:
        raise ValidationError(f"plugin '{spec.name}' is invalid", diagnostics=spec.diagnostics,
                              path=spec.note_id, line=spec.diagnostics[0].line if spec.diagnostics else 0)
    results: list[TestResult] = []
    for problem in kiln.check_code(spec):  # code that does not compile fails even with no tests
        results.append(TestResult(spec.name, "compile", problem.line, False, str(problem)))
    if results:
        return results
    for chunk in spec.tests:
        tree = CallTree(kiln)
        ctx = CallContext(kiln=kiln, tree=tree, plugin=spec.name, permissions=kiln.permissions_of(spec),
                          code_hash=kiln.approval_hash(spec), limits=spec.limits, caller="test",
                          chain=(f"{spec.name}:{chunk.name}",), test_mode=True, on_log=kiln.on_log)
        try:
            unit = kiln.registry.new_unit(spec, ctx)
            cases = list(_test_cases(unit, spec, chunk))
        except KilnError as exc:
            results.append(TestResult(spec.name, chunk.name or "test", chunk.first_line, False, str(exc)))
            tree.rollback(exc)
            continue
        for name, line, run in cases:
            t0 = time.perf_counter()
            try:
                run()
                results.append(TestResult(spec.name, name, line, True, "", (time.perf_counter() - t0) * 1000))
            except KilnError as exc:
                results.append(TestResult(spec.name, name, line, False, str(exc), (time.perf_counter() - t0) * 1000))
        tree.rollback(KilnError("test finished"))
    return results
