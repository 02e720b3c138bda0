"""Every standard-library note's own ``lua test`` / ``rune test`` fences, run as CI runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiln_plugins.discovery import default_system_dir
from kiln_plugins.plugin_tests import run_plugin_tests, throwaway_kiln
from tests.conftest import REPO, SAMPLE_KILN

STDLIB = REPO / "stdlib"
NOTES = sorted(p.name for p in STDLIB.glob("*.md"))


def test_the_system_folder_is_this_stdlib():
    assert default_system_dir().resolve() == STDLIB.resolve()
    assert {"std-collections.md", "std-fsm.md", "std-dag.md"} <= set(NOTES)


@pytest.fixture(scope="module")
def kiln():
    with throwaway_kiln(SAMPLE_KILN) as k:
        yield k


@pytest.mark.parametrize("note", NOTES)
def test_stdlib_note_is_valid_and_its_tests_pass(kiln, note):
    specs = [s for s in kiln.plugins.all if s.source == "system" and s.file and Path(s.file).name == note]
    assert len(specs) == 1, f"{note} is not a plugin note of the system folder"
    spec = specs[0]
    assert spec.valid, [str(d) for d in spec.diagnostics]
    assert spec.tests, f"{note} has no test fences"
    results = run_plugin_tests(kiln, spec)
    failures = [f"{r.name} (line {r.line}): {r.message}" for r in results if not r.passed]
    assert not failures, failures
    assert len(results) >= len(spec.tests)


def test_cru_plugins_test_runs_a_stdlib_note(tmp_path, capsys):
    from kiln_plugins.cli import main

    assert main(["--kiln", str(tmp_path), "plugins", "test", "std-fsm"]) == 0
    out = capsys.readouterr().out
    assert "PASS std-fsm" in out and "0 failed" in out


TRAFFIC = """
local light = std.fsm.define({name = "light", initial = "red", states = {"red", "green", "amber"},
  transitions = {{from = "red", event = "next", to = "green"}, {from = "green", event = "next", to = "amber"},
                 {from = "amber", event = "next", to = "red"}}})

function step(args)
  local inst = light:resume("light") or light:new()
  for _ = 1, args.times do inst:fire("next") end
  inst:save("light")
  local q = std.pqueue.new()
  q:push("later", 2)
  q:push("sooner", 1)
  return {state = inst.state, first = q:pop()}
end
"""

RUNE_FLOW = """
pub fn plan(args) {
    let flow = Workflow::define(#{tasks: #{
        a: #{run: |i| 2},
        b: #{deps: ["a"], run: |i| i["a"] * 21},
    }}).unwrap();
    let q = PriorityQueue::new();
    q.push("x", 1);
    let report = flow.run();
    #{status: report["status"], b: report["tasks"]["b"]["result"], popped: q.pop().unwrap()}
}
"""


def test_kiln_plugins_use_stdlib_notes_through_requires(tmp_path):
    from kiln_plugins.kiln import Kiln
    from tests.plugin_helpers import add_plugin

    add_plugin(tmp_path, "traffic", TRAFFIC, permissions=["state"],
               extra={"requires": ["std-fsm", "std-collections"]},
               tools={"step": {"description": "advance", "parameters": {"type": "object"}}})
    add_plugin(tmp_path, "planner", RUNE_FLOW, language="rune",
               extra={"requires": ["std-dag-rune>=1.0", "std-collections-rune"]},
               tools={"plan": {"description": "plan", "parameters": {"type": "object"}}})
    with Kiln.open(tmp_path) as kiln:
        assert kiln.registry.call("step", {"times": 1}) == {"state": "green", "first": "sooner"}
        assert kiln.registry.call("step", {"times": 2})["state"] == "red"  # resumed from state
        assert kiln.registry.call("plan", {}) == {"status": "ok", "b": 42, "popped": "x"}
