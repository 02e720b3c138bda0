"""Plugins calling plugins with ``tools.call``: the callee runs under its own permissions and
limits, a cycle is an error naming it, depth is bounded — in-process and on the worker pool."""

from __future__ import annotations

import pytest

from tests.conftest import write_note
from kiln_plugins.context import MAX_TOOL_DEPTH
from kiln_plugins.errors import ApprovalRequired, CapabilityError, KilnError, LimitExceeded
from kiln_plugins.kiln import Kiln
from kiln_plugins.workers import WorkerPool


def plugin(name: str, permissions: str, tools: dict[str, str], code: str, limits: str = "") -> str:
    tool_yaml = "".join(f"  {t}:\n    description: {d}\n    parameters: {{type: object}}\n" for t, d in tools.items())
    return (f"---\ntype: plugin\nname: {name}\npermissions: [{permissions}]\n{limits}tools:\n{tool_yaml}---\n"
            f"```lua\n{code}\n```\n")


@pytest.fixture
def kiln_root(tmp_path):
    root = tmp_path / "kiln"
    write_note(root, "Home.md", "# Home\n")
    write_note(root, "plugins/caller.md", plugin(
        "caller", "kiln.read, tools.call",
        {"ask_counter": "Call the counter.", "ask_writer": "Call the writer.", "ask_burner": "Call the burner."},
        'function ask_counter(args) return {via = "caller", got = tools.call("bump", {})} end\n'
        'function ask_writer(args) return tools.call("scribble", {}) end\n'
        'function ask_burner(args) return tools.call("burn", {}) end'))
    write_note(root, "plugins/counter.md", plugin(
        "counter", "kiln.read, state", {"bump": "Count calls in state."},
        'function bump(args)\n  local n = (state.get("n") or 0) + 1\n  state.set("n", n)\n  return n\nend'))
    write_note(root, "plugins/writer.md", plugin(
        "writer", "kiln.read, kiln.write", {"scribble": "Write a note."},
        'function scribble(args) kiln.write("written.md", "# written") return "ok" end'))
    write_note(root, "plugins/burner.md", plugin(
        "burner", "kiln.read", {"burn": "Loop."}, "function burn(args) while true do end end",
        limits="limits: {instructions: 100000}\n"))
    write_note(root, "plugins/lonely.md", plugin(
        "lonely", "kiln.read", {"reach_out": "Try tools.call without the capability."},
        'function reach_out(args) return tools.call("bump", {}) end'))
    write_note(root, "plugins/ping.md", plugin(
        "ping", "tools.call", {"ping": "Calls pong."}, 'function ping(args) return tools.call("pong", {}) end'))
    write_note(root, "plugins/pong.md", plugin(
        "pong", "tools.call", {"pong": "Calls ping."}, 'function pong(args) return tools.call("ping", {}) end'))
    for i in range(MAX_TOOL_DEPTH + 2):
        body = (f'return tools.call("hop{i + 1}", {{}})' if i <= MAX_TOOL_DEPTH else 'return "bottom"')
        write_note(root, f"plugins/hop{i}.md", plugin(f"hop{i}", "tools.call", {f"hop{i}": "Next hop."},
                                                      f"function hop{i}(args) {body} end"))
    return root


def test_callee_runs_under_its_own_permissions(kiln_root):
    with Kiln.open(kiln_root) as kiln:
        assert kiln.registry.call("ask_counter", {}) == {"via": "caller", "got": 1}
        assert kiln.registry.call("ask_counter", {})["got"] == 2  # the counter's own state, committed
        with pytest.raises(CapabilityError) as refused:
            kiln.registry.call("reach_out", {})
        assert "tools.call" in str(refused.value) and "lonely" in str(refused.value)


def test_callee_approval_is_its_own_and_a_failed_tree_writes_nothing(kiln_root):
    with Kiln.open(kiln_root) as kiln:
        with pytest.raises(ApprovalRequired) as denied:
            kiln.registry.call("ask_writer", {})
        assert denied.value.plugin == "writer" and denied.value.capability == "kiln.write"
        assert not (kiln_root / "written.md").exists()
        spec = kiln.plugins.get("writer")
        kiln.approvals.grant(kiln.root, "writer", "kiln.write", spec.code_hash)
        assert kiln.registry.call("ask_writer", {}) == "ok"
    assert (kiln_root / "written.md").read_text() == "# written"


def test_callee_limits_are_its_own(kiln_root):
    with Kiln.open(kiln_root) as kiln:
        with pytest.raises(LimitExceeded) as hit:
            kiln.registry.call("ask_burner", {})
    assert hit.value.plugin == "burner" and hit.value.limit == "instructions" and hit.value.value == 100000


def test_cycle_is_an_error_naming_it(kiln_root):
    with Kiln.open(kiln_root) as kiln:
        with pytest.raises(KilnError) as cycle:
            kiln.registry.call("ping", {})
    assert "tool call cycle: ping -> pong -> ping" in str(cycle.value)


def test_depth_is_bounded(kiln_root):
    with Kiln.open(kiln_root) as kiln:
        with pytest.raises(LimitExceeded) as deep:
            kiln.registry.call("hop0", {})
        assert deep.value.limit == "tool_call_depth" and deep.value.value == MAX_TOOL_DEPTH
        assert kiln.registry.call(f"hop{MAX_TOOL_DEPTH - 1}", {}) == "bottom"  # a shorter chain is fine


def test_composition_on_the_worker_pool(kiln_root):
    with WorkerPool(kiln_root, size=1) as pool:
        assert pool.call("ask_counter", {}) == {"via": "caller", "got": 1}
        with pytest.raises(KilnError) as cycle:
            pool.call("ping", {})
        assert "tool call cycle: ping -> pong -> ping" in str(cycle.value)
        with pytest.raises(ApprovalRequired) as denied:
            pool.call("ask_writer", {})
        assert denied.value.plugin == "writer"
