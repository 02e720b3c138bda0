"""The worker-process pool: errors cross as the same class, the parent's wall clock, crashes,
replacement, OS limits set in the child, no inherited descriptors. Real processes throughout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import write_note
from kiln_plugins.errors import ApprovalRequired, LimitExceeded, PluginRuntimeError, ToolArgumentError
from kiln_plugins.kiln import Kiln
from kiln_plugins.worker_wire import error_from_data, error_to_data
from kiln_plugins.workers import CallLimits, WorkerPool, audit_lost_call, limits_for

PLUGIN = """\
---
type: plugin
name: work
permissions: [kiln.read, kiln.write]
limits: {timeout_ms: 30000, memory_mb: 32, instructions: 10000000000}
tools:
  greet:
    description: Greet someone.
    parameters:
      type: object
      properties:
        who: {type: string}
      required: [who]
  slow:
    description: Run until stopped.
    parameters: {type: object}
  scribble:
    description: Write a note (needs kiln.write approval).
    parameters: {type: object}
---
```lua
function greet(args)
  return {text = "hello " .. args.who}
end
function slow(args)
  local n = 0
  while true do n = n + 1 end
end
function scribble(args)
  kiln.write("out.md", "# out")
  return true
end
```
"""


@pytest.fixture
def kiln_root(tmp_path):
    root = tmp_path / "kiln"
    write_note(root, "plugins/work.md", PLUGIN)
    write_note(root, "Home.md", "# Home\n")
    return root


@pytest.fixture
def pool(kiln_root):
    with WorkerPool(kiln_root, size=1) as p:
        yield p


def _wait_for(predicate, what: str, limit_s: float = 60.0):
    """Poll until ``predicate()`` is true (a wait, not a timing assertion)."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


def _call_in_thread(pool, tool, limits):
    box: dict = {}

    def run():
        try:
            box["result"] = pool.call(tool, {}, limits=limits)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def test_call_returns_the_plugin_result(pool):
    assert pool.call("greet", {"who": "ann"}) == {"text": "hello ann"}
    assert pool.call("get_kiln_info", {})["notes"] == 2


def test_errors_come_back_as_the_same_class_and_message(pool, kiln_root):
    with Kiln.open(kiln_root) as kiln:
        with pytest.raises(ToolArgumentError) as local:
            kiln.registry.call("greet", {"who": 3})
    with pytest.raises(ToolArgumentError) as remote:
        pool.call("greet", {"who": 3})
    assert str(remote.value) == str(local.value)
    assert "who" in str(remote.value)
    with pytest.raises(ApprovalRequired) as denied:
        pool.call("scribble", {})
    assert denied.value.capability == "kiln.write" and denied.value.plugin == "work"
    assert "cru plugins approve work" in str(denied.value)
    assert not (kiln_root / "out.md").exists()


def test_limit_error_keeps_its_fields():
    data = error_to_data(LimitExceeded("memory_mb", 32, plugin="p", path="plugins/p.md", line=4))
    back = error_from_data(data)
    assert isinstance(back, LimitExceeded)
    assert (back.limit, back.value, back.plugin) == ("memory_mb", 32, "p")
    assert str(back) == "plugins/p.md:4: plugin 'p' exceeded limit memory_mb = 32"


def test_worker_killed_mid_call_is_a_clean_error_and_is_replaced(pool, kiln_root):
    with Kiln.open(kiln_root) as kiln:
        limits = limits_for(kiln, "slow")
    before = set(pool.pids())
    thread, box = _call_in_thread(pool, "slow", limits)
    victim = _wait_for(pool.busy_pids, "the slow call to start")[0]
    os.kill(victim, signal.SIGKILL)
    thread.join(60)
    assert isinstance(box.get("error"), PluginRuntimeError)
    assert str(box["error"]).startswith("worker crashed during plugin 'work' tool 'slow' (signal SIGKILL)")
    _wait_for(lambda: len(pool.pids()) == pool.size, "a replacement worker")
    assert victim not in pool.pids() and set(pool.pids()) != before
    assert pool.replaced == 1
    assert pool.call("greet", {"who": "again"}) == {"text": "hello again"}


def test_a_crashed_call_is_audited_by_the_parent(kiln_root):
    with Kiln.open(kiln_root) as kiln:
        with WorkerPool(kiln_root, size=1, on_lost_call=audit_lost_call(kiln)) as pool:
            thread, box = _call_in_thread(pool, "slow", limits_for(kiln, "slow"))
            os.kill(_wait_for(pool.busy_pids, "the slow call to start")[0], signal.SIGKILL)
            thread.join(60)
        kiln.state.audit.flush()
        rows = kiln.state.audit.query(plugin="work", limit=10)
    assert [(r["tool"], r["outcome"], r["caller"]) for r in rows] == [("slow", "error", "mcp")]
    assert rows[0]["error"] == str(box["error"])


def test_parent_wall_clock_kills_a_worker_that_stops_answering(pool):
    # SIGSTOP freezes the worker, so nothing inside it can end the call: only the parent can.
    limits = CallLimits(timeout_ms=300, memory_mb=32, plugin="work")
    thread, box = _call_in_thread(pool, "slow", limits)
    victim = _wait_for(pool.busy_pids, "the slow call to start")[0]
    os.kill(victim, signal.SIGSTOP)
    thread.join(60)
    error = box.get("error")
    assert isinstance(error, LimitExceeded) and error.limit == "timeout_ms" and error.value == 300
    assert str(error) == "plugin 'work' exceeded limit timeout_ms = 300"
    _wait_for(lambda: len(pool.pids()) == pool.size and victim not in pool.pids(), "a replacement worker")
    assert pool.call("greet", {"who": "b"}) == {"text": "hello b"}


def _soft_limit(pid: int, label: str) -> str:
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith(label):
                return line[len(label):].split()[0]
    raise AssertionError(label)


def test_os_limits_are_set_in_the_child_during_a_call(pool):
    limits = CallLimits(timeout_ms=30_000, memory_mb=32, plugin="work")
    thread, box = _call_in_thread(pool, "slow", limits)
    pid = _wait_for(pool.busy_pids, "the slow call to start")[0]
    address = _wait_for(lambda: _soft_limit(pid, "Max address space") != "unlimited" and
                        _soft_limit(pid, "Max address space"), "RLIMIT_AS to be set")
    cpu = _soft_limit(pid, "Max cpu time")
    with open(f"/proc/{pid}/statm") as f:
        size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    assert size < int(address) <= size + (32 + 256 + 64) * 1024 * 1024
    assert cpu != "unlimited" and int(cpu) <= 30 + 1 + 60
    os.kill(pid, signal.SIGKILL)
    thread.join(60)
    assert isinstance(box.get("error"), PluginRuntimeError)


def test_rlimit_as_enforced_by_the_os():
    code = ("from kiln_plugins.worker_main import set_call_limits\n"
            "set_call_limits(16, 1000)\n"
            "try:\n    bytearray(2 * 1024 ** 3)\nexcept MemoryError:\n    print('refused')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "refused", out.stderr


def test_rlimit_cpu_ends_a_busy_child():
    code = ("from kiln_plugins.worker_main import set_call_limits\n"
            "set_call_limits(64, 0)\n"
            "while True:\n    pass\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert out.returncode in (-signal.SIGXCPU, -signal.SIGKILL)


def test_workers_inherit_no_descriptors(kiln_root, tmp_path):
    leaked = tmp_path / "parent-only.txt"
    fd = os.open(leaked, os.O_CREAT | os.O_RDWR)
    os.set_inheritable(fd, True)
    try:
        with WorkerPool(kiln_root, size=1) as p:
            pid = p.pids()[0]
            targets = [os.readlink(f"/proc/{pid}/fd/{n}") for n in os.listdir(f"/proc/{pid}/fd")]
    finally:
        os.close(fd)
    assert str(leaked) not in targets
    assert not any(t.endswith("parent-only.txt") for t in targets)


def test_concurrency_is_capped_at_pool_size(kiln_root):
    with WorkerPool(kiln_root, size=2) as pool:
        _capped(pool)


def _capped(pool):
    limits = CallLimits(timeout_ms=30_000, memory_mb=32, plugin="work")
    calls = [_call_in_thread(pool, "slow", limits) for _ in range(3)]
    busy = _wait_for(lambda: len(pool.busy_pids()) == 2 and pool.busy_pids(), "two busy workers")
    assert len(busy) == 2  # the third call waits for a free worker
    for pid in busy:
        os.kill(pid, signal.SIGKILL)
    third = _wait_for(lambda: [p for p in pool.busy_pids() if p not in busy], "the third call to start")
    os.kill(third[0], signal.SIGKILL)
    for thread, box in calls:
        thread.join(60)
        assert isinstance(box.get("error"), PluginRuntimeError)


def test_plugin_logs_go_to_the_worker_stderr_not_the_protocol(tmp_path):
    root = tmp_path / "kiln"
    write_note(root, "plugins/chatty.md", "---\ntype: plugin\nname: chatty\ntools:\n  chat:\n    description: Log.\n"
               "    parameters: {type: object}\n---\n```lua\nfunction chat(args)\n  log.info(\"hi there\")\n"
               "  return 1\nend\n```\n")
    log = tmp_path / "stderr.txt"
    code = ("import sys\nfrom kiln_plugins.workers import WorkerPool\n"
            f"with WorkerPool({str(root)!r}, size=1) as pool:\n    print(pool.call('chat', {{}}))\n")
    with open(log, "w") as err:
        out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=err, text=True, timeout=120)
    assert out.stdout.strip() == "1"
    assert "info [chatty] hi there" in log.read_text()
