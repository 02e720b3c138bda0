"""Benchmarks of the Lua sandbox: the cost of the instruction budget and of one unit call.

Run: ``.venv/bin/python benchmarks/call_bench.py``. Prints ratios measured in the same run
(absolute times on a shared 2-core machine are noisy; the ratios are what we track). Each
figure is the best of several repetitions.

Sections are data: ``SECTIONS`` lists ``(title, function)``; each function returns rows of
``(label, value)``. The registry-level tool-call overhead (validation, audit, permissions)
belongs in its own section, added next to :func:`unit_call_overhead`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lupa.lua54 as lua54  # noqa: E402

from kiln_plugins.limits import DEFAULT_LIMITS  # noqa: E402
from kiln_plugins.model import CodeChunk  # noqa: E402
from kiln_plugins.sandbox import LuaUnit  # noqa: E402

FIB = "function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end\n"
REPEAT = 7


def best_of(fn, repeat: int = REPEAT) -> float:
    """Smallest CPU time of ``fn()`` in seconds (CPU time, like os.clock in native lua5.4, so
    other jobs on the shared cores distort the figures less than wall time would)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def fib_sandboxed() -> float:
    """fib(27) in a LuaUnit under the default limits (count hook + clock check)."""
    unit = LuaUnit([CodeChunk(FIB + "function bench() return fib(27) end", "bench.md")], {}, DEFAULT_LIMITS,
                   plugin="bench")
    assert unit.call("bench", {}) == 196418
    return best_of(lambda: unit.call("bench", {}))


def fib_plain_lupa() -> float:
    """The same code in lupa's Lua 5.4 with no hook and no sandbox."""
    lua = lua54.LuaRuntime()
    lua.execute(FIB)
    fib = lua.globals().fib
    assert fib(27) == 196418
    return best_of(lambda: fib(27))


def fib_native() -> float | None:
    """The same code in the native ``lua5.4`` binary (timed inside Lua), None when absent."""
    exe = shutil.which("lua5.4")
    if exe is None:
        return None
    script = FIB + ("local best = math.huge\nfor i = 1, %d do local t = os.clock() fib(27) "
                    "best = math.min(best, os.clock() - t) end\nprint(best)" % REPEAT)
    out = subprocess.run([exe, "-e", script], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def instruction_budget() -> list[tuple[str, str]]:
    """fib(27): sandboxed vs plain lupa vs native lua5.4."""
    sandboxed, plain, native = fib_sandboxed(), fib_plain_lupa(), fib_native()
    rows = [("fib(27) sandboxed", f"{sandboxed * 1000:.1f} ms"),
            ("fib(27) lupa lua54, no hook", f"{plain * 1000:.1f} ms"),
            ("ratio sandboxed / lupa", f"{sandboxed / plain:.2f}x")]
    if native is not None:
        rows += [("fib(27) native lua5.4", f"{native * 1000:.1f} ms"),
                 ("ratio sandboxed / native", f"{sandboxed / native:.2f}x")]
    return rows


def unit_call_overhead(n: int = 2000) -> list[tuple[str, str]]:
    """One LuaUnit.call of a trivial function, arguments in and result out (no registry)."""
    unit = LuaUnit([CodeChunk("function echo(a) return {n = a.n, tags = a.tags} end", "bench.md")], {},
                   DEFAULT_LIMITS, plugin="bench")
    args = {"n": 1, "tags": ["a", "b"]}
    per_call = best_of(lambda: [unit.call("echo", args) for _ in range(n)], repeat=3) / n
    build = best_of(lambda: LuaUnit([], {}, DEFAULT_LIMITS, plugin="bench"), repeat=20)
    return [("LuaUnit.call, small args and result", f"{per_call * 1e6:.1f} µs"),
            ("new LuaUnit (fresh runtime + prelude)", f"{build * 1000:.2f} ms")]


def registry_call_overhead(n: int = 3000) -> list[tuple[str, str]]:
    """A sandboxed tool call through ToolRegistry.call — schema validation, permission check,
    transactions and the audit row included — against a bare lupa call of the same function."""
    import os
    import tempfile
    from pathlib import Path

    import lupa.lua54 as lua54

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CRUCIBLE_DATA_DIR"] = str(Path(tmp) / "data")
        os.environ["CRUCIBLE_PLUGIN_PATH"] = ""
        root = Path(tmp) / "kiln"
        (root / "plugins").mkdir(parents=True)
        (root / "plugins" / "echo.md").write_text(
            "---\ntype: plugin\nname: echo\ntools:\n  echo:\n    description: echo\n    parameters:\n"
            "      type: object\n      properties: {n: {type: integer}, tags: {type: array}}\n---\n"
            "```lua\nfunction echo(a) return {n = a.n, tags = a.tags} end\n```\n", encoding="utf-8")
        from kiln_plugins.kiln import Kiln

        with Kiln.open(root) as kiln:
            args = {"n": 1, "tags": ["a", "b"]}
            kiln.registry.call("echo", args)
            registry = best_of(lambda: [kiln.registry.call("echo", args) for _ in range(n)], repeat=3) / n
        rt = lua54.LuaRuntime()
        fn = rt.eval("function(a) return {n = a.n, tags = a.tags} end")
        bare = best_of(lambda: [fn(rt.table_from({"n": 1, "tags": rt.table_from(["a", "b"])}))
                                for _ in range(n)], repeat=3) / n
    return [("ToolRegistry.call (validate, check, run, commit, audit)", f"{registry * 1e6:.1f} µs"),
            ("bare lupa call of the same function", f"{bare * 1e6:.1f} µs"),
            ("overhead per call", f"{(registry - bare) * 1e6:.1f} µs"),
            ("ratio", f"{registry / bare:.0f}x")]


SECTIONS = [
    ("Instruction budget (fib(27))", instruction_budget),
    ("Unit call overhead", unit_call_overhead),
    ("Tool call overhead (Python API)", registry_call_overhead),
]


def main() -> None:
    """Run every section and print a markdown table per section."""
    for title, fn in SECTIONS:
        print(f"\n### {title}\n\n| measure | value |\n|---|---|")
        for label, value in fn():
            print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
