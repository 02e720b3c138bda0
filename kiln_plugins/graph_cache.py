"""Results derived from a kiln's link graph, computed once per index version.

``KilnIndex.graph`` is itself rebuilt (or patched in place) only when ``index.version`` moves;
the algorithms on top of it (PageRank, communities, the undirected view) are memoised here under
the same version, so a plugin calling ``graph.pagerank`` in every tool call pays for it once.
The memo hangs off the index object through a weak reference: it dies with the index and no
test has to reset it.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Callable, Hashable

import networkx as nx

__all__ = ["GraphCache", "graph_cache", "pagerank_scores"]


class GraphCache:
    """Memo of graph computations for one index, dropped whenever ``index.version`` changes."""

    def __init__(self, index: Any):
        self._index = weakref.ref(index)
        self._version: int | None = None
        self._memo: dict[Hashable, Any] = {}
        self._lock = threading.RLock()
        self.computed = 0
        """How many memo entries were computed (tests use it to see a cache hit)."""

    @property
    def graph(self) -> nx.DiGraph:
        """The index's link graph (dangling targets are nodes with ``dangling=True``)."""
        return self._index().graph

    def memo(self, key: Hashable, compute: Callable[[nx.DiGraph], Any]) -> Any:
        """``compute(graph)`` once per index version and ``key``; later calls reuse it."""
        index = self._index()
        with self._lock:
            graph = index.graph
            if self._version != index.version:
                self._memo.clear()
                self._version = index.version
            if key not in self._memo:
                self._memo[key] = compute(graph)
                self.computed += 1
            return self._memo[key]

    def undirected(self) -> nx.Graph:
        """The graph with link direction ignored (a copy, memoised per version)."""
        return self.memo(("undirected",), lambda g: g.to_undirected())


def pagerank_scores(graph: nx.DiGraph, alpha: float = 0.85, tol: float = 1e-6,
                    max_iter: int = 1000) -> dict[str, float]:
    """networkx's unweighted PageRank (same power iteration, same stopping rule), faster.

    ``nx.pagerank`` spends most of its time in ``to_scipy_sparse_array`` reading edge
    attributes one by one; here the transition matrix comes straight from integer edge arrays.
    Dangling nodes (no out-links) spread their rank uniformly, as in networkx. Raises
    ``nx.PowerIterationFailedConvergence`` like networkx does.
    """
    import numpy as np
    import scipy.sparse

    nodes = list(graph)
    n = len(nodes)
    if n == 0:
        return {}
    position = {node: i for i, node in enumerate(nodes)}
    edges = graph.edges()
    rows = np.fromiter((position[u] for u, _ in edges), dtype=np.int64, count=len(edges))
    cols = np.fromiter((position[v] for _, v in edges), dtype=np.int64, count=len(edges))
    out_degree = np.bincount(rows, minlength=n).astype(float)
    weights = 1.0 / out_degree[rows]
    transition = scipy.sparse.csr_array((weights, (rows, cols)), shape=(n, n))
    dangling = np.where(out_degree == 0)[0]
    uniform = np.repeat(1.0 / n, n)
    x = uniform
    for _ in range(max_iter):
        last = x
        x = alpha * (x @ transition + x[dangling].sum() * uniform) + (1 - alpha) * uniform
        if np.absolute(x - last).sum() < n * tol:
            return dict(zip(nodes, map(float, x)))
    raise nx.PowerIterationFailedConvergence(max_iter)


_CACHES: "weakref.WeakKeyDictionary[Any, GraphCache]" = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def graph_cache(index: Any) -> GraphCache:
    """The :class:`GraphCache` of ``index`` (created on first use, freed with the index)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(index)
        if cache is None:
            cache = GraphCache(index)
            _CACHES[index] = cache
        return cache
