"""``graph.*``: read-only algorithms over the kiln's link graph (capability ``kiln.read``).

The graph is ``KilnIndex.graph``: note ids as nodes (unresolved link targets are nodes too,
``dangling=True``), one edge per linking pair. Every note in a result is a reference
``{path, title}`` (plus ``dangling = true`` for an unresolved target), so both languages get the
same shape. Expensive results (PageRank, communities) are memoised per index version by
:mod:`kiln_plugins.graph_cache`. Traversals keep a visited set, so cycles end.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Callable

import networkx as nx

from ..errors import KilnError, UsageError
from ..graph_cache import graph_cache, pagerank_scores
from .registry import HostFunction, Param
from .std_args import bool_arg, int_arg, number_arg, options, str_arg, table_arg

__all__ = ["FUNCTIONS", "note_ref", "note_filter"]

DIRECTIONS = ("out", "in", "both")
COMMUNITY_SEED = 42
"""Louvain is randomised; a fixed seed makes ``graph.communities`` deterministic."""


def note_ref(ctx, node: str, **extra) -> dict:
    """``{path, title}`` for a graph node; unresolved targets carry ``dangling = true``."""
    return _ref(ctx.index, ctx.index.graph, node, extra)


def _ref(index, graph: nx.DiGraph, node: str, extra: dict) -> dict:
    ref = {"path": node, "title": index.title(node) or node.rsplit("/", 1)[-1].removesuffix(".md")}
    if graph.nodes[node].get("dangling"):
        ref["dangling"] = True
    ref.update(extra)
    return ref


def _tag_set(note) -> set[str]:
    tags = {t.lower().lstrip("#") for t in note.tags}
    return tags | {t.split("/")[0] for t in tags}  # a nested tag a/b also answers to a


def _where_holds(frontmatter: dict, where: dict) -> bool:
    """AND across keys, OR within a wanted list; a list-valued property matches any item."""
    for key, wanted in where.items():
        have = frontmatter.get(key)
        have_list = have if isinstance(have, list) else [have]
        wanted_list = wanted if isinstance(wanted, list) else [wanted]
        if not any(h is not None and str(h) == str(w) for h in have_list for w in wanted_list):
            return False
    return True


def note_filter(ctx, spec: Any, fn: str) -> Callable[[str], bool] | None:
    """A predicate over node ids from ``{tag, where, folder}``; None when ``spec`` is empty."""
    f = options(spec, f"{fn}: filter", {"tag": None, "where": None, "folder": None})
    if f["tag"] is None and f["where"] is None and f["folder"] is None:
        return None
    raw_tags = f["tag"] if isinstance(f["tag"], list) else ([] if f["tag"] is None else [f["tag"]])
    tags = {str_arg(t, fn, "filter.tag").lower().lstrip("#") for t in raw_tags}
    where = table_arg(f["where"], fn, "filter.where", kind="map") if f["where"] is not None else {}
    folder = str_arg(f["folder"], fn, "filter.folder").strip("/") if f["folder"] is not None else ""
    graph = ctx.index.graph

    def accept(node: str) -> bool:
        if graph.nodes[node].get("dangling"):
            return False
        if folder and not node.startswith(folder + "/"):
            return False
        if not tags and not where:
            return True
        note = ctx.index.get(node)
        if note is None:
            return False
        if tags and not tags & _tag_set(note):
            return False
        return _where_holds(note.frontmatter, where)

    return accept


def _adjacent(graph: nx.DiGraph, node: str, direction: str) -> list[str]:
    found = []
    if direction in ("out", "both"):
        found.extend(graph.successors(node))
    if direction in ("in", "both"):
        found.extend(graph.predecessors(node))
    return sorted(set(found))


def _walk_options(ctx, opts, fn: str, default_direction: str, default_depth: int | None = None):
    o = options(opts, fn, {"depth": default_depth, "direction": default_direction, "filter": None})
    depth = None if o["depth"] is None else int_arg(o["depth"], fn, "depth", minimum=0)
    direction = str_arg(o["direction"], fn, "direction", choices=DIRECTIONS)
    return depth, direction, note_filter(ctx, o["filter"], fn)


def _in_graph(ctx, path, fn: str) -> str:
    """The note id of ``path``, which must already be a node of the link graph."""
    note_id = ctx.note_id(path)
    if note_id not in ctx.index.graph:
        raise KilnError(f"{fn}: note '{note_id}' is not in the link graph yet "
                        "(written in this call? the graph follows committed notes)")
    return note_id


def _breadth_first(ctx, start, depth, direction, accept, fn: str) -> dict[str, int]:
    origin = _in_graph(ctx, start, fn)
    graph = ctx.index.graph
    seen = {origin: 0}
    queue = deque([origin])
    while queue:
        node = queue.popleft()
        if depth is not None and seen[node] >= depth:
            continue
        for nxt in _adjacent(graph, node, direction):
            if nxt not in seen and (accept is None or accept(nxt)):
                seen[nxt] = seen[node] + 1
                queue.append(nxt)
    return seen


def neighbors(ctx, path, opts=None):
    """graph.neighbors: notes within depth links, breadth-first, without the start."""
    walk = _walk_options(ctx, opts, "graph.neighbors", "both", 1)
    seen = _breadth_first(ctx, path, *walk, "graph.neighbors")
    return [note_ref(ctx, n, depth=d) for n, d in seen.items() if d > 0]


def bfs(ctx, start, opts=None):
    """graph.bfs: breadth-first walk from a note, the start first."""
    seen = _breadth_first(ctx, start, *_walk_options(ctx, opts, "graph.bfs", "out"), "graph.bfs")
    return [note_ref(ctx, n, depth=d) for n, d in seen.items()]


def dfs(ctx, start, opts=None):
    """graph.dfs: depth-first pre-order walk, neighbours in path order."""
    depth, direction, accept = _walk_options(ctx, opts, "graph.dfs", "out")
    origin = _in_graph(ctx, start, "graph.dfs")
    graph = ctx.index.graph
    order: list[tuple[str, int]] = []
    seen: set[str] = set()
    stack = [(origin, 0)]
    while stack:
        node, d = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append((node, d))
        if depth is not None and d >= depth:
            continue
        for nxt in reversed(_adjacent(graph, node, direction)):
            if nxt not in seen and (accept is None or accept(nxt)):
                stack.append((nxt, d + 1))
    return [note_ref(ctx, n, depth=d) for n, d in order]


def shortest_path(ctx, a, b, opts=None):
    """graph.shortest_path: references from a to b, or None when unconnected."""
    o = options(opts, "graph.shortest_path", {"directed": False})
    directed = bool_arg(o["directed"], "graph.shortest_path", "directed")
    source, target = _in_graph(ctx, a, "graph.shortest_path"), _in_graph(ctx, b, "graph.shortest_path")
    cache = graph_cache(ctx.index)
    graph = cache.graph if directed else cache.undirected()
    try:
        path = nx.shortest_path(graph, source, target)
    except nx.NetworkXNoPath:
        return None
    return [note_ref(ctx, n) for n in path]


def _tag_subgraph(ctx, graph: nx.DiGraph, tag: str | None, folder: str | None, fn: str):
    if tag is None and folder is None:
        return graph
    accept = note_filter(ctx, {"tag": tag, "folder": folder}, fn)
    return graph.subgraph([n for n in graph if accept(n)])


def pagerank(ctx, opts=None):
    """graph.pagerank: references with scores, highest first (memoised per index version)."""
    fn = "graph.pagerank"
    o = options(opts, fn, {"damping": 0.85, "tolerance": 1e-6, "tag": None, "limit": None})
    damping = number_arg(o["damping"], fn, "damping", above=0.0, below=1.0)
    tolerance = number_arg(o["tolerance"], fn, "tolerance", above=0.0)
    limit = None if o["limit"] is None else int_arg(o["limit"], fn, "limit", minimum=1)
    tag = None if o["tag"] is None else str_arg(o["tag"], fn, "tag")

    def compute(graph: nx.DiGraph):
        sub = _tag_subgraph(ctx, graph, tag, None, fn)
        if sub.number_of_nodes() == 0:
            return []
        try:
            scores = pagerank_scores(sub, alpha=damping, tol=tolerance, max_iter=1000)
        except nx.PowerIterationFailedConvergence:
            raise UsageError(f"{fn}: did not converge to tolerance {tolerance} in 1000 "
                             "iterations; use a larger tolerance") from None
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [_ref(ctx.index, graph, n, {"score": score}) for n, score in ranked]

    ranked = graph_cache(ctx.index).memo(("pagerank", damping, tolerance, tag), compute)
    return [dict(r) for r in ranked[:limit]]  # copies: the memo outlives this call


def _ordered_groups(groups) -> list[list[str]]:
    """Largest first, then by first note id; members sorted."""
    return sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))


def communities(ctx, opts=None):
    """graph.communities: Louvain groups of the undirected graph, largest first."""
    fn = "graph.communities"
    o = options(opts, fn, {"min_size": 1, "resolution": 1.0, "dangling": False})
    min_size = int_arg(o["min_size"], fn, "min_size", minimum=1)
    resolution = number_arg(o["resolution"], fn, "resolution", above=0.0)
    with_dangling = bool_arg(o["dangling"], fn, "dangling")
    cache = graph_cache(ctx.index)

    def compute(_graph):
        undirected = cache.undirected()
        if not with_dangling:
            undirected = undirected.subgraph(n for n, d in undirected.nodes(data="dangling") if not d)
        found = nx.community.louvain_communities(undirected, resolution=resolution, seed=COMMUNITY_SEED)
        return _ordered_groups(found)

    groups = cache.memo(("communities", resolution, with_dangling), compute)
    return [[note_ref(ctx, n) for n in g] for g in groups if len(g) >= min_size]


def components(ctx, opts=None):
    """graph.components: weakly (or strongly) connected groups, largest first."""
    fn = "graph.components"
    o = options(opts, fn, {"strong": False, "dangling": False, "min_size": 1})
    strong = bool_arg(o["strong"], fn, "strong")
    with_dangling = bool_arg(o["dangling"], fn, "dangling")
    min_size = int_arg(o["min_size"], fn, "min_size", minimum=1)

    def compute(graph: nx.DiGraph):
        if not with_dangling:
            graph = graph.subgraph(n for n, d in graph.nodes(data="dangling") if not d)
        found = nx.strongly_connected_components(graph) if strong else nx.weakly_connected_components(graph)
        return _ordered_groups(found)

    groups = graph_cache(ctx.index).memo(("components", strong, with_dangling), compute)
    return [[note_ref(ctx, n) for n in g] for g in groups if len(g) >= min_size]


def subgraph(ctx, opts=None):
    """graph.subgraph: the notes matching tag/folder/where and the links among them."""
    fn = "graph.subgraph"
    o = options(opts, fn, {"tag": None, "folder": None, "where": None})
    if o["tag"] is None and o["folder"] is None and o["where"] is None:
        raise UsageError(f"{fn}: give at least one of tag, folder or where")
    accept = note_filter(ctx, o, fn)
    graph = ctx.index.graph
    nodes = sorted(n for n in graph if accept(n))
    sub = graph.subgraph(nodes)
    edges = sorted(sub.edges(data="count"))
    return {"nodes": [note_ref(ctx, n) for n in nodes],
            "edges": [{"from": s, "to": t, "count": c or 1} for s, t, c in edges]}


PATH = {"type": "string"}
OPTS = {"type": "object"}
WALK_DOC = "{depth, direction='out'|'in'|'both', filter={tag, where, folder}}"


def _fn(name: str, doc: str, params: tuple, returns: str, impl, example: str, rune_example: str):
    return HostFunction("graph", name, doc, params, returns, "kiln.read", impl,
                        example=example, rune_example=rune_example)


FUNCTIONS = (
    _fn("neighbors", "Notes within `depth` links of a note (default 1), following links out, in or "
        "both ways (default both).",
        (Param("path", PATH, "note id or link target"),
         Param("opts", OPTS, "{depth=1, direction='both', filter}", required=False)),
        "[{path, title, depth}] in breadth-first order", neighbors,
        'local near = graph.neighbors("Home.md", {depth = 2})\nassert(type(near) == "table")',
        'let near = graph::neighbors("Home.md", #{depth: 2});\nassert!(near.len() >= 0);'),
    _fn("bfs", "Breadth-first walk from a note. Cycle-safe; notes failing `filter` are neither "
        "listed nor walked through. The start comes first with depth 0.",
        (Param("start", PATH), Param("opts", OPTS, WALK_DOC, required=False)),
        "[{path, title, depth}] in visit order", bfs,
        'local seen = graph.bfs("Home.md", {depth = 1})\nassert(seen[1].path == "Home.md")',
        'let seen = graph::bfs("Home.md", #{depth: 1});\nassert_eq!(seen[0]["path"], "Home.md");'),
    _fn("dfs", "Depth-first (pre-order) walk from a note, neighbours in path order. Cycle-safe; "
        "`filter` as for bfs.",
        (Param("start", PATH), Param("opts", OPTS, WALK_DOC, required=False)),
        "[{path, title, depth}] in visit order", dfs,
        'local seen = graph.dfs("Home.md", {direction = "out"})\nassert(seen[1].depth == 0)',
        'let seen = graph::dfs("Home.md", #{direction: "out"});\nassert_eq!(seen[0]["depth"], 0);'),
    _fn("shortest_path", "Shortest chain of links from a to b, following links either way unless "
        "`directed` is true.",
        (Param("a", PATH), Param("b", PATH), Param("opts", OPTS, "{directed=false}", required=False)),
        "[{path, title}] from a to b, or nil when no chain exists", shortest_path,
        'local p = graph.shortest_path("Home.md", "Home.md")\nassert(#p == 1)',
        'let p = graph::shortest_path("Home.md", "Home.md");\nassert_eq!(p.len(), 1);'),
    _fn("pagerank", "PageRank over the directed link graph, unresolved targets included. `tag` "
        "restricts the graph to notes with that tag first. Unweighted, like networkx's default.",
        (Param("opts", OPTS, "{damping=0.85, tolerance=1e-6, tag, limit}", required=False),),
        "[{path, title, score}] by score, highest first (ties by path)", pagerank,
        'local top = graph.pagerank({limit = 3})\nassert(#top <= 3)',
        'let top = graph::pagerank(#{limit: 3});\nassert!(top.len() <= 3);'),
    _fn("communities", "Modularity-based communities (Louvain, fixed seed: deterministic) of the "
        "undirected link graph; unresolved targets left out unless `dangling`.",
        (Param("opts", OPTS, "{min_size=1, resolution=1.0, dangling=false}", required=False),),
        "[[{path, title}]] largest first", communities,
        'local groups = graph.communities({min_size = 2})\nfor _, g in ipairs(groups) do assert(#g >= 2) end',
        'let groups = graph::communities(#{min_size: 2});\nfor g in groups { assert!(g.len() >= 2); }'),
    _fn("components", "Connected components (weak by default, `strong` for strongly connected); "
        "unresolved targets left out unless `dangling`.",
        (Param("opts", OPTS, "{strong=false, dangling=false, min_size=1}", required=False),),
        "[[{path, title}]] largest first", components,
        'local parts = graph.components()\nassert(#parts >= 1)',
        'let parts = graph::components();\nassert!(parts.len() >= 1);'),
    _fn("subgraph", "The notes with a tag, under a folder and/or matching frontmatter `where`, and "
        "the links among them.",
        (Param("opts", OPTS, "{tag, folder, where} (at least one)"),),
        "{nodes = [{path, title}], edges = [{from, to, count}]}", subgraph,
        'local sg = graph.subgraph({folder = "Campaign"})\nassert(type(sg.nodes) == "table")',
        'let sg = graph::subgraph(#{folder: "Campaign"});\nassert!(sg["nodes"].len() >= 0);'),
)
