"""graph.* host functions on a real kiln folder, checked against networkx called directly."""

from __future__ import annotations

import networkx as nx
import pytest

from kiln_plugins.capabilities import PermissionSet
from kiln_plugins.context import CallContext, CallTree
from kiln_plugins.errors import CapabilityError, KilnError, UsageError
from kiln_plugins.graph_cache import graph_cache
from kiln_plugins.hostapi.catalog import by_name
from kiln_plugins.kiln import Kiln
from kiln_plugins.limits import DEFAULT_LIMITS
from tests.conftest import write_note

NOTES = {
    "A.md": "---\nstatus: active\n---\n#hub links [[B]] and [[C]]\n",
    "B.md": "to [[C]] and [[Missing]]\n",
    "C.md": "back to [[A]]\n",
    "sub/D.md": "#far to [[E]]\n",
    "sub/E.md": "---\ntags: [far]\n---\nleaf\n",
    "F.md": "alone\n",
}


@pytest.fixture
def kiln(tmp_path):
    for note_id, text in NOTES.items():
        write_note(tmp_path, note_id, text)
    k = Kiln.open(tmp_path)
    yield k
    k.close()


def host(kiln, permissions=("kiln.read",)):
    """``call("graph.bfs", ...)`` through the real binding (capability check included)."""
    ctx = CallContext(kiln=kiln, tree=CallTree(kiln), plugin="t", permissions=PermissionSet.parse(list(permissions)),
                      code_hash="h", limits=DEFAULT_LIMITS)
    table = by_name()
    return lambda name, *args: table[name].bind(ctx)(*args)


def paths(refs):
    return [r["path"] for r in refs]


def test_neighbors_both_ways_by_depth(kiln):
    call = host(kiln)
    assert [(r["path"], r["depth"]) for r in call("graph.neighbors", "A")] == [("B.md", 1), ("C.md", 1)]
    two = call("graph.neighbors", "A", {"depth": 2})
    assert ("Missing.md", 2) in [(r["path"], r["depth"]) for r in two]
    assert call("graph.neighbors", "C", {"direction": "in"})[0]["path"] == "A.md"


def test_bfs_is_cycle_safe_and_marks_dangling_targets(kiln):
    out = host(kiln)("graph.bfs", "A.md")
    assert [(r["path"], r["depth"]) for r in out] == [("A.md", 0), ("B.md", 1), ("C.md", 1), ("Missing.md", 2)]
    assert out[3]["dangling"] is True and "dangling" not in out[0]
    assert out[1]["title"] == "B"


def test_bfs_depth_limit_and_zero(kiln):
    call = host(kiln)
    assert paths(call("graph.bfs", "A", {"depth": 0})) == ["A.md"]
    assert paths(call("graph.bfs", "A", {"depth": 1.0})) == ["A.md", "B.md", "C.md"]


def test_dfs_preorder_in_path_order(kiln):
    out = host(kiln)("graph.dfs", "A")
    assert [(r["path"], r["depth"]) for r in out] == [("A.md", 0), ("B.md", 1), ("C.md", 2), ("Missing.md", 2)]
    back = host(kiln)("graph.dfs", "A", {"direction": "in"})
    assert paths(back) == ["A.md", "C.md", "B.md"]


def test_walk_filters_by_tag_where_and_folder(kiln):
    call = host(kiln)
    assert paths(call("graph.bfs", "D", {"filter": {"tag": "far"}})) == ["sub/D.md", "sub/E.md"]
    assert paths(call("graph.bfs", "A", {"filter": {"tag": "hub"}})) == ["A.md"]
    assert paths(call("graph.bfs", "C", {"filter": {"where": {"status": ["active", "done"]}}})) == ["C.md", "A.md"]
    assert paths(call("graph.dfs", "D", {"filter": {"folder": "sub"}})) == ["sub/D.md", "sub/E.md"]


def test_shortest_path_directed_undirected_and_none(kiln):
    call = host(kiln)
    assert paths(call("graph.shortest_path", "C", "B")) == ["C.md", "B.md"]
    assert paths(call("graph.shortest_path", "C", "B", {"directed": True})) == ["C.md", "A.md", "B.md"]
    assert call("graph.shortest_path", "A", "sub/E") is None
    assert paths(call("graph.shortest_path", "A", "A")) == ["A.md"]


def test_pagerank_matches_networkx_and_is_sorted(kiln):
    ranked = host(kiln)("graph.pagerank")
    expected = nx.pagerank(kiln.index.graph, alpha=0.85, tol=1e-6)
    assert {r["path"] for r in ranked} == set(expected)
    for r in ranked:
        assert r["score"] == pytest.approx(expected[r["path"]], abs=1e-9)
    scores = [r["score"] for r in ranked]
    assert scores == sorted(scores, reverse=True)
    assert sum(scores) == pytest.approx(1.0)
    assert any(r.get("dangling") for r in ranked if r["path"] == "Missing.md")
    assert len(host(kiln)("graph.pagerank", {"limit": 2, "damping": 0.5})) == 2


def test_pagerank_tag_restricts_the_graph(kiln):
    ranked = host(kiln)("graph.pagerank", {"tag": "far"})
    assert paths(ranked) == ["sub/E.md", "sub/D.md"]
    assert host(kiln)("graph.pagerank", {"tag": "no-such-tag"}) == []


def test_results_are_built_once_per_index_version(kiln, tmp_path):
    call = host(kiln)
    cache = graph_cache(kiln.index)
    call("graph.pagerank")
    computed = cache.computed
    call("graph.pagerank")
    call("graph.pagerank", {"limit": 1})
    assert cache.computed == computed
    write_note(tmp_path, "F.md", "now links [[A]]\n")
    kiln.index.update_paths(["F.md"])
    ranked = call("graph.pagerank")
    assert cache.computed == computed + 1
    assert "F.md" in [e[0] for e in kiln.index.graph.in_edges("A.md")]
    assert ranked[0]["path"] in {"A.md", "C.md", "B.md"}


def test_communities_match_louvain_with_fixed_seed(kiln):
    groups = host(kiln)("graph.communities")
    g = kiln.index.graph.to_undirected()
    g = g.subgraph(n for n, d in g.nodes(data="dangling") if not d)
    expected = nx.community.louvain_communities(g, seed=42)
    assert sorted(sorted(paths(x)) for x in groups) == sorted(sorted(c) for c in expected)
    assert groups == host(kiln)("graph.communities")
    assert all(len(x) >= 2 for x in host(kiln)("graph.communities", {"min_size": 2}))


def test_components_weak_and_strong(kiln):
    call = host(kiln)
    assert [paths(c) for c in call("graph.components")] == [["A.md", "B.md", "C.md"], ["sub/D.md", "sub/E.md"], ["F.md"]]
    with_dangling = call("graph.components", {"dangling": True})
    assert paths(with_dangling[0]) == ["A.md", "B.md", "C.md", "Missing.md"]
    assert [paths(c) for c in call("graph.components", {"strong": True, "min_size": 2})] == [["A.md", "B.md", "C.md"]]


def test_subgraph_by_folder_and_tag(kiln):
    call = host(kiln)
    sg = call("graph.subgraph", {"folder": "sub"})
    assert paths(sg["nodes"]) == ["sub/D.md", "sub/E.md"]
    assert sg["edges"] == [{"from": "sub/D.md", "to": "sub/E.md", "count": 1}]
    assert paths(call("graph.subgraph", {"tag": "hub"})["nodes"]) == ["A.md"]


@pytest.mark.parametrize("name, args, message", [
    ("graph.bfs", ("Nope",), "note not found: 'Nope'"),
    ("graph.neighbors", ("A", {"depth": -1}), "graph.neighbors: depth must be an integer >= 0, got -1"),
    ("graph.dfs", ("A", {"depth": 1.5}), "graph.dfs: depth must be an integer >= 0, got 1.5"),
    ("graph.bfs", ("A", {"direction": "up"}), "graph.bfs: direction must be one of out, in, both, got 'up'"),
    ("graph.bfs", ("A", {"dept": 2}), "graph.bfs: unknown option 'dept' (allowed: depth, direction, filter)"),
    ("graph.bfs", ("A", {"filter": {"tags": "x"}}), "graph.bfs: filter: unknown option 'tags'"),
    ("graph.bfs", ("A", "deep"), "graph.bfs: options must be a table, got 'deep'"),
    ("graph.shortest_path", ("A", 3), "note path must be a non-empty string, got 3"),
    ("graph.shortest_path", ("A", "B", {"directed": "yes"}), "directed must be true or false"),
    ("graph.pagerank", ({"damping": 1.5},), "graph.pagerank: damping must be a number > 0.0 and < 1.0, got 1.5"),
    ("graph.pagerank", ({"tolerance": 0},), "tolerance must be a number > 0.0"),
    ("graph.communities", ({"min_size": 0},), "graph.communities: min_size must be an integer >= 1, got 0"),
    ("graph.subgraph", ({},), "graph.subgraph: give at least one of tag, folder or where"),
])
def test_bad_input_is_one_clear_line(kiln, name, args, message):
    with pytest.raises(KilnError) as info:
        host(kiln)(name, *args)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, (UsageError, KilnError))


def test_graph_needs_kiln_read(kiln):
    with pytest.raises(CapabilityError):
        host(kiln, permissions=("state",))("graph.pagerank")


def test_fast_pagerank_equals_networkx_on_random_graphs():
    import random

    from kiln_plugins.graph_cache import pagerank_scores

    rng = random.Random(3)
    for n, m in ((1, 0), (2, 1), (50, 200), (300, 900)):
        g = nx.DiGraph()
        g.add_nodes_from(f"n{i}" for i in range(n))
        g.add_edges_from((f"n{rng.randrange(n)}", f"n{rng.randrange(n)}") for _ in range(m))  # self-loops too
        for alpha in (0.5, 0.85):
            expected = nx.pagerank(g, alpha=alpha, tol=1e-8)
            got = pagerank_scores(g, alpha=alpha, tol=1e-8)
            assert got.keys() == expected.keys()
            assert max(abs(got[k] - expected[k]) for k in got) < 1e-12
    assert pagerank_scores(nx.DiGraph()) == {}
    with pytest.raises(nx.PowerIterationFailedConvergence):
        pagerank_scores(nx.path_graph(30, create_using=nx.DiGraph), tol=1e-30, max_iter=3)


def test_a_note_written_in_this_call_is_not_in_the_graph_yet(kiln):
    ctx = CallContext(kiln=kiln, tree=CallTree(kiln), plugin="t", permissions=PermissionSet.parse(["kiln.read"]),
                      code_hash="h", limits=DEFAULT_LIMITS)
    ctx.writes.write("New.md", "links [[A]]\n")
    with pytest.raises(KilnError, match="graph.bfs: note 'New.md' is not in the link graph yet"):
        by_name()["graph.bfs"].bind(ctx)("New.md")
    ctx.tree.rollback(RuntimeError("done"))
