"""MCP benchmark: a trivial plugin tool over ``cru mcp`` on stdio, beside the same tool in-process.

Usage: ``python benchmarks/mcp_bench.py [--calls 500] [--concurrency 32] [--workers 2]``.

A temp kiln holds one Lua plugin whose tool returns its argument. Measured in the same run:

- **in-process**: ``kiln.registry.call`` in a loop (argument validation, sandbox, audit) —
  median and p99 of one call, and calls per second;
- **worker pool, no MCP**: ``WorkerPool.call`` from Python, one at a time — the process hop
  (JSON lines over a pipe) without the protocol;
- **stdio round trip**: the MCP SDK's client calling the tool on a ``cru mcp`` subprocess, one
  call at a time (JSON-RPC over a pipe, the worker pool's pipe, the same registry call in a
  worker) — median and p99;
- **stdio concurrent**: ``--calls`` calls issued ``--concurrency`` at a time through one
  session — calls per second (the pool's size caps how many run at once).

The benchmark's own user config raises the MCP rate limit so the bucket does not pace it, and
every folder it uses is a temp folder (approvals and config never touch the real ones).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PLUGIN = """\
---
type: plugin
name: bench
tools:
  echo:
    description: Return the argument.
    parameters:
      type: object
      properties:
        n: {type: integer}
      required: [n]
---
```lua
function echo(args)
  return args.n
end
```
"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def in_process(root: Path, calls: int) -> dict:
    from kiln_plugins.kiln import Kiln

    with Kiln.open(root) as kiln:
        for i in range(50):  # warm the unit cache and validators
            kiln.registry.call("echo", {"n": i})
        times = []
        start = time.perf_counter()
        for i in range(calls):
            t0 = time.perf_counter()
            assert kiln.registry.call("echo", {"n": i}) == i
            times.append(time.perf_counter() - t0)
        total = time.perf_counter() - start
    return {"median": statistics.median(times), "p99": _percentile(times, 0.99), "per_s": calls / total}


def on_pool(root: Path, calls: int) -> dict:
    from kiln_plugins.workers import WorkerPool

    with WorkerPool(root, size=1) as pool:
        for i in range(50):
            pool.call("echo", {"n": i})
        times = []
        for i in range(calls):
            t0 = time.perf_counter()
            assert pool.call("echo", {"n": i}) == i
            times.append(time.perf_counter() - t0)
    return {"median": statistics.median(times), "p99": _percentile(times, 0.99)}


def over_stdio(root: Path, calls: int, concurrency: int, workers: int) -> dict:
    import anyio
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    cru = str(Path(sys.executable).parent / "cru")
    params = StdioServerParameters(command=cru, args=["--kiln", str(root), "mcp", "--workers", str(workers)],
                                   env=dict(os.environ))
    out: dict = {}

    async def main():
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as s:
                await s.initialize()
                for i in range(20 * workers):
                    await s.call_tool("echo", {"n": i})
                times = []
                for i in range(calls):
                    t0 = time.perf_counter()
                    result = await s.call_tool("echo", {"n": i})
                    times.append(time.perf_counter() - t0)
                    assert not result.is_error and result.content[0].text == str(i)
                out["median"], out["p99"] = statistics.median(times), _percentile(times, 0.99)
                limiter = anyio.Semaphore(concurrency)

                async def one(i):
                    async with limiter:
                        result = await s.call_tool("echo", {"n": i})
                        assert not result.is_error and result.content[0].text == str(i)

                start = time.perf_counter()
                async with anyio.create_task_group() as tg:
                    for i in range(calls):
                        tg.start_soon(one, i)
                out["per_s"] = calls / (time.perf_counter() - start)

    anyio.run(main)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mcp-bench-") as tmp:
        tmp = Path(tmp)
        os.environ["CRUCIBLE_DATA_DIR"] = str(tmp / "data")
        os.environ["CRUCIBLE_CONFIG_DIR"] = str(tmp / "config")
        os.environ["CRUCIBLE_PLUGIN_PATH"] = ""
        (tmp / "config").mkdir()
        (tmp / "config/config.toml").write_text("[mcp]\nrate_per_minute = 100000000\nburst = 1000000\n")
        root = tmp / "kiln"
        (root / "plugins").mkdir(parents=True)
        (root / "plugins/bench.md").write_text(PLUGIN)
        local = in_process(root, args.calls)
        pooled = on_pool(root, args.calls)
        remote = over_stdio(root, args.calls, args.concurrency, args.workers)
    print(f"{args.calls} calls, concurrency {args.concurrency}, {args.workers} workers, {os.cpu_count()} cores")
    print(f"{'path':<22}{'median ms':>10}{'p99 ms':>10}{'calls/s':>10}")
    print(f"{'in-process':<22}{local['median'] * 1e3:>10.3f}{local['p99'] * 1e3:>10.3f}{local['per_s']:>10.0f}")
    print(f"{'worker pool, no MCP':<22}{pooled['median'] * 1e3:>10.3f}{pooled['p99'] * 1e3:>10.3f}"
          f"{1 / pooled['median']:>10.0f}")
    print(f"{'stdio, one at a time':<22}{remote['median'] * 1e3:>10.3f}{remote['p99'] * 1e3:>10.3f}"
          f"{1 / remote['median']:>10.0f}")
    print(f"{'stdio, concurrent':<22}{'':>10}{'':>10}{remote['per_s']:>10.0f}")
    print(f"round trip / in-process (median): {remote['median'] / local['median']:.1f}x; "
          f"concurrent throughput / in-process: {remote['per_s'] / local['per_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
