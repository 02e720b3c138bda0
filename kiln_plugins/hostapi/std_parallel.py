"""``std.parallel_map``: one tool called with many argument tables, on a few threads at once.

Each call is an ordinary nested ``tools.call`` (its own sandbox unit, permissions, limits and
audit row) that joins the caller's transaction, so the whole map commits or rolls back with the
calling tool. Lua and Rune release or never hold the interpreter while they run a unit, so two
workers give real overlap on two cores. The state transaction of the called tool's plugin is
opened before the workers start, so they share it instead of racing to open it.
"""

from __future__ import annotations

from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from ..errors import KilnError, UsageError
from .registry import HostFunction, Param
from .std_args import int_arg, options, str_arg, table_arg, type_word

__all__ = ["FUNCTIONS", "MAX_WORKERS"]

MAX_WORKERS = 32


def parallel_map(ctx, tool, list_of_args, opts=None):
    """std.parallel_map: one tool called per argument table, results in order."""
    fn = "std.parallel_map"
    tool = str_arg(tool, fn, "tool")
    items = table_arg(list_of_args, fn, "list_of_args", kind="list")
    o = options(opts, fn, {"workers": 2, "errors": "raise"})
    workers = int_arg(o["workers"], fn, "workers", minimum=1, maximum=MAX_WORKERS)
    collect = str_arg(o["errors"], fn, "errors", choices=("raise", "collect")) == "collect"
    calls = []
    for i, args in enumerate(items, 1):
        if args == [] or args is None:
            args = {}
        if not isinstance(args, dict):
            raise UsageError(f"{fn}: item {i} must be a table of arguments, got {type_word(args)}")
        calls.append(args)
    target = ctx.kiln.registry.get(tool)
    if target.plugin and "state" in target.capabilities:
        ctx.tree.state_for(target.plugin)
    if not calls:
        return []
    tree = ctx.tree
    with tree.parallel_lock:
        nested = tree.parallel_maps > 0
        tree.parallel_maps += 1
    try:
        # A map inside a map's call runs its calls one at a time: nesting k maps of 32 workers
        # would otherwise keep 32**k units (each up to memory_mb) alive at once.
        return _map(ctx, tool, calls, 1 if nested else workers, collect)
    finally:
        with tree.parallel_lock:
            tree.parallel_maps -= 1


def _map(ctx, tool: str, calls: list, workers: int, collect: bool) -> list:
    def one(args):
        if not collect:
            return ctx.call_tool(tool, args)
        try:
            return {"ok": True, "result": ctx.call_tool(tool, args)}
        except KilnError as exc:
            return {"ok": False, "error": str(exc)}

    if workers == 1:
        return [one(args) for args in calls]
    with ThreadPoolExecutor(max_workers=min(workers, len(calls)), thread_name_prefix="parallel-map") as pool:
        futures = [pool.submit(one, args) for args in calls]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        if pending:  # a call failed: stop the rest, report the first failure in list order
            for f in pending:
                f.cancel()
            wait(pending)
        for f in futures:
            if f.done() and not f.cancelled() and f.exception() is not None:
                raise f.exception()
        return [f.result() for f in futures]


FUNCTIONS = (
    HostFunction("std", "parallel_map", "Call one tool once per argument table, `workers` calls at a "
                 "time; results in input order. The first failure (in list order) ends the map "
                 "unless `errors = 'collect'`, which returns {ok, result | error} per call.",
                 (Param("tool", {"type": "string"}), Param("list_of_args", {"type": "array"}),
                  Param("opts", {"type": "object"}, "{workers=2, errors='raise'|'collect'}", required=False)),
                 "[result] (or [{ok, result, error}] when collecting)", "tools.call", parallel_map,
                 example='local rs = std.parallel_map("get_kiln_info", {{}, {}}, {workers = 2})\nassert(#rs == 2)',
                 rune_example='let rs = std::parallel_map("get_kiln_info", [#{}, #{}], #{workers: 2});\nassert_eq!(rs.len(), 2);'),
)
