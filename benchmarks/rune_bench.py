"""Rune benchmark: fib(25), a prime sieve to 100,000 and string building, beside Lua and CPython.

Usage: ``python benchmarks/rune_bench.py [--runs N]``.

Each program runs as Rune (compiled by ``kiln_plugins.rune`` under the default sandbox
limits), as sandboxed Lua 5.4 (``LuaUnit`` when it exists, else lupa's lua54 with a count
hook, the same kind of budget) and as plain CPython. Figures are the best CPU time (process
time, so other jobs on a shared machine disturb them less) of ``--runs`` interleaved runs;
the ratios to CPython and to Lua are what carry over between machines.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiln_plugins.limits import Limits  # noqa: E402
from kiln_plugins.model import CodeChunk  # noqa: E402
from kiln_plugins.rune.unit import RuneUnit  # noqa: E402

RUNE = """
fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }

pub fn fib25(args) { fib(25) }

pub fn sieve(args) {
    let n = 100000;
    let marks = [];
    for i in 0..=n { marks.push(true); }
    let count = 0;
    let i = 2;
    while i <= n {
        if marks[i] {
            count += 1;
            let j = i * i;
            while j <= n { marks[j] = false; j += i; }
        }
        i += 1;
    }
    count
}

pub fn strings(args) {
    let s = String::new();
    for i in 0..100000 { s.push_str(`${i % 10}`); }
    s.len()
}
"""

LUA = """
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
function fib25() return fib(25) end
function sieve()
  local n, marks, count = 100000, {}, 0
  for i = 0, n do marks[i] = true end
  local i = 2
  while i <= n do
    if marks[i] then
      count = count + 1
      local j = i * i
      while j <= n do marks[j] = false; j = j + i end
    end
    i = i + 1
  end
  return count
end
function strings()
  local parts = {}
  for i = 0, 99999 do parts[#parts + 1] = tostring(i % 10) end
  return #table.concat(parts)
end
"""


def py_fib(n):
    return n if n < 2 else py_fib(n - 1) + py_fib(n - 2)


def py_sieve():
    n = 100000
    marks = []
    for _ in range(n + 1):  # built element by element, as the Rune and Lua versions do
        marks.append(True)
    count, i = 0, 2
    while i <= n:
        if marks[i]:
            count += 1
            j = i * i
            while j <= n:
                marks[j] = False
                j += i
        i += 1
    return count


def py_strings():
    parts = []
    for i in range(100000):
        parts.append(str(i % 10))
    return len("".join(parts))


def lua_functions():
    """Callables for the three Lua programs, sandboxed with an instruction-count hook."""
    try:
        from kiln_plugins.sandbox.lua_runtime import LuaUnit
        unit = LuaUnit([CodeChunk(LUA, "bench.lua")], {}, Limits(), plugin="bench")
        return "LuaUnit", {name: (lambda n=name: unit.call(n, {})) for name in ("fib25", "sieve", "strings")}
    except Exception:  # LuaUnit missing or different: fall back to a bare hooked runtime
        pass
    from lupa import lua54
    lua = lua54.LuaRuntime(register_eval=False, unpack_returned_tuples=True)
    budget = Limits().instructions
    lua.execute("""
        local budget = ...
        local used = 0
        debug.sethook(function() used = used + 1000
            if used > budget then error("instruction budget exceeded") end end, "", 1000)
    """, budget)
    lua.execute(LUA)
    g = lua.globals()
    return "lupa lua54 + count hook", {name: g[name] for name in ("fib25", "sieve", "strings")}


def best(fns, runs: int) -> list[float]:
    """Best CPU time of each of ``fns``, interleaved run by run so load hits all alike."""
    times = [float("inf")] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            t = time.process_time()
            fn()
            times[i] = min(times[i], time.process_time() - t)
    return times


def main(argv=None) -> int:
    """Run the three programs in the three runtimes and print a table of times and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    opts = ap.parse_args(argv)
    unit = RuneUnit([CodeChunk(RUNE, "bench.rn")], {}, Limits(), plugin="bench",
                    on_log=lambda level, line: None)
    lua_kind, lua = lua_functions()
    programs = {
        "fib(25)": (lambda: unit.call("fib25", {}), lua["fib25"], lambda: py_fib(25), 75025),
        "sieve 100,000": (lambda: unit.call("sieve", {}), lua["sieve"], py_sieve, 9592),
        "string building 100,000": (lambda: unit.call("strings", {}), lua["strings"], py_strings,
                                    100000),
    }
    print(f"Lua: {lua_kind}; best of {opts.runs} runs")
    print("| program | Rune ms | Lua ms | CPython ms | Rune/CPython | Rune/Lua |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (rune, lua_fn, py, want) in programs.items():
        for fn in (rune, lua_fn, py):
            got = fn()
            if got != want:
                raise SystemExit(f"{name}: wrong result {got!r}, expected {want!r}")
        r, l, p = best((rune, lua_fn, py), opts.runs)
        print(f"| {name} | {r * 1000:.1f} | {l * 1000:.1f} | {p * 1000:.1f} | "
              f"{r / p:.2f} | {r / l:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
