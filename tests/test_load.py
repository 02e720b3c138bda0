"""Load and isolation: many concurrent calls of several plugins, counted exactly.

Four plugins each keep their own state. Eight threads call them 1,000 times in all — in one
process through ``kiln.registry.call``, and again through the worker pool (the MCP server's
``process`` isolation). Every tenth call is told to fail after it has staged a state change.
Afterwards (DESIGN §6, §7):

* each plugin's counter equals the number of its calls that succeeded (no lost update, no
  failed call applied), and its per-thread counters add up to the same number;
* no plugin's state holds a key or value of another (each writes its own name and checks it);
* the audit log has one row per call — the right plugin, tool and outcome — no more, no less.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from kiln_plugins.errors import PluginRuntimeError
from kiln_plugins.kiln import Kiln
from tests.plugin_helpers import add_plugin

PLUGINS = ("tally-a", "tally-b", "tally-c", "tally-d")
THREADS = 8

TALLY = """
local ME = "NAME"

function TOOL(args)
  local owner = state.get("owner")
  if owner ~= nil and owner ~= ME then
    error("state of " .. owner .. " seen by " .. ME)
  end
  state.set("owner", ME)
  local n = (state.get("count") or 0) + 1
  state.set("count", n)
  local key = "thread_" .. args.thread
  state.set(key, (state.get(key) or 0) + 1)
  if args.fail then
    error("failing on purpose after staging count " .. n)
  end
  return {plugin = ME, count = n}
end
"""


def tool_of(plugin: str) -> str:
    """The tool name of a tally plugin."""
    return plugin.replace("-", "_")


def make_kiln(root: Path) -> Path:
    """A kiln with the four tally plugins."""
    for name in PLUGINS:
        add_plugin(root, name, TALLY.replace("NAME", name).replace("TOOL", tool_of(name)),
                   permissions=["state"],
                   tools={tool_of(name): {"description": "count", "parameters": {
                       "type": "object", "properties": {"thread": {"type": "integer"},
                                                        "fail": {"type": "boolean"}},
                       "required": ["thread"]}}})
    return root


def hammer(call, total: int) -> tuple[Counter, Counter, list[str]]:
    """``total`` calls from THREADS threads; returns (ok per plugin, failed per plugin, surprises)."""
    ok, failed, surprises = Counter(), Counter(), []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker(thread: int) -> None:
        start.wait()
        for i in range(thread, total, THREADS):
            plugin = PLUGINS[(i // THREADS + thread) % len(PLUGINS)]
            fail = i % 10 == 9
            try:
                result = call(tool_of(plugin), {"thread": thread, "fail": fail})
            except PluginRuntimeError as exc:
                on_purpose = fail and "failing on purpose" in str(exc)
                with lock:
                    if on_purpose:
                        failed.update([plugin])
                    else:
                        surprises.append(f"{plugin}: {exc}")
                continue
            except Exception as exc:  # anything else is a finding
                with lock:
                    surprises.append(f"{plugin}: {type(exc).__name__}: {exc}")
                continue
            with lock:
                if fail or result.get("plugin") != plugin:
                    surprises.append(f"{plugin}: unexpected {result!r}")
                ok.update([plugin])

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok, failed, surprises


def check_books(root: Path, ok: Counter, failed: Counter, caller: str) -> int:
    """State and audit agree exactly with what the callers saw; returns the audit rows checked."""
    with Kiln.open(root) as kiln:
        assert all(ok[p] and failed[p] for p in PLUGINS)  # every plugin was exercised both ways
        assert sorted(kiln.state.plugins()) == sorted(PLUGINS)
        for plugin in PLUGINS:
            keys = kiln.state.keys(plugin)
            assert kiln.state.get(plugin, "owner") == plugin
            assert kiln.state.get(plugin, "count") == ok[plugin]
            per_thread = [kiln.state.get(plugin, k) for k in keys if k.startswith("thread_")]
            assert sum(per_thread) == ok[plugin]
            assert set(keys) <= {"owner", "count", *(f"thread_{t}" for t in range(THREADS))}
        rows = kiln.state.audit.query(limit=100_000)
    rows = [r for r in rows if r["plugin"] in PLUGINS]
    assert Counter((r["plugin"], r["outcome"]) for r in rows) == Counter(
        {**{(p, "ok"): n for p, n in ok.items()}, **{(p, "error"): n for p, n in failed.items()}})
    assert all(r["tool"] == tool_of(r["plugin"]) and r["caller"] == caller for r in rows)
    assert all("failing on purpose" in r["error"] for r in rows if r["outcome"] == "error")
    return len(rows)


def in_process_run(root: Path, total: int) -> int:
    """``total`` calls from 8 threads on one open Kiln."""
    with Kiln.open(make_kiln(root)) as kiln:
        ok, failed, surprises = hammer(lambda tool, args: kiln.registry.call(tool, args, caller="cli"), total)
    assert surprises == []
    assert sum(ok.values()) + sum(failed.values()) == total
    assert sum(failed.values()) == total // 10
    rows = check_books(root, ok, failed, "cli")
    print(f"\nload(in-process): {total} calls, {sum(ok.values())} ok, {sum(failed.values())} failed "
          f"on purpose, {rows} audit rows")
    return rows


def pool_run(root: Path, total: int, size: int = 2) -> int:
    """``total`` calls from 8 threads through a worker pool."""
    from kiln_plugins.workers import WorkerPool

    with WorkerPool(make_kiln(root), size=size) as pool:
        ok, failed, surprises = hammer(lambda tool, args: pool.call(tool, args, caller="mcp"), total)
        assert pool.replaced == 0
    assert surprises == []
    assert sum(ok.values()) + sum(failed.values()) == total
    rows = check_books(root, ok, failed, "mcp")
    print(f"\nload(worker pool, {size} workers): {total} calls, {sum(ok.values())} ok, "
          f"{sum(failed.values())} failed on purpose, {rows} audit rows")
    return rows


def test_a_thousand_calls_from_eight_threads_in_process(tmp_path):
    assert in_process_run(tmp_path, 1000) == 1000


def test_a_thousand_calls_from_eight_threads_through_the_worker_pool(tmp_path):
    assert pool_run(tmp_path, 1000) == 1000


@pytest.mark.stress
def test_ten_thousand_calls_in_process(tmp_path):
    assert in_process_run(tmp_path, 10_000) == 10_000


@pytest.mark.stress
def test_five_thousand_calls_through_four_workers(tmp_path):
    assert pool_run(tmp_path, 5_000, size=4) == 5_000
