"""``graph.*``: read-only algorithms over the kiln's link graph (capability ``kiln.read``)."""

from __future__ import annotations

from ..errors import KilnError, UsageError
from .registry import HostFunction, Param


def neighbors(ctx, path, opts=None):
    opts = opts or {}
    depth = opts.get("depth", 1)
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 0:
        raise UsageError(f"graph.neighbors: depth must be a non-negative integer, got {depth!r}")
    direction = opts.get("direction", "both")
    if direction not in ("out", "in", "both"):
        raise UsageError(f"graph.neighbors: direction must be out, in or both, got {direction!r}")
    start = ctx.note_id(path)
    g = ctx.index.graph
    seen = {start: 0}
    frontier = [start]
    for d in range(1, depth + 1):
        nxt = []
        for n in frontier:
            adj = []
            if direction in ("out", "both"):
                adj.extend(g.successors(n))
            if direction in ("in", "both"):
                adj.extend(g.predecessors(n))
            for m in adj:
                if m not in seen:
                    seen[m] = d
                    nxt.append(m)
        frontier = nxt
    del seen[start]
    return [{"path": n, "title": ctx.title(n), "depth": d} for n, d in sorted(seen.items(), key=lambda x: (x[1], x[0]))]


FUNCTIONS = (
    HostFunction("graph", "neighbors", "Notes within `depth` links of a note, following links out, in or both ways.",
                 (Param("path", {"type": "string"}),
                  Param("opts", {"type": "object"}, "{depth=1, direction='both'}", required=False)),
                 "[{path, title, depth}] by depth then path", "kiln.read", neighbors,
                 example='local near = graph.neighbors("Welcome.md", {depth = 2})'),
)
