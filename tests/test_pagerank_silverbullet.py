"""PageRank and communities of a real documentation kiln, through a Lua plugin, against networkx."""

from __future__ import annotations

import networkx as nx
import pytest

from kiln_plugins.plugin_tests import throwaway_kiln
from tests.conftest import shared_data
from tests.plugin_helpers import plugin_note

DOCS = shared_data() / "silverbullet-docs"

PROBE = plugin_note("graph-probe", """
function rank(args) return graph.pagerank({damping = args.damping}) end
function groups(args) return graph.communities({min_size = args.min_size}) end
""", tools={"rank": {"description": "pagerank", "parameters": {"type": "object"}},
            "groups": {"description": "communities", "parameters": {"type": "object"}}},
    permissions=["kiln.read"])

pytestmark = pytest.mark.skipif(not DOCS.is_dir(), reason=f"{DOCS} is absent")


@pytest.fixture(scope="module")
def kiln():
    with throwaway_kiln(DOCS, extra_notes={"zz-probe/graph-probe.md": PROBE}) as k:
        yield k


def test_pagerank_through_a_plugin_matches_networkx(kiln):
    ranked = kiln.registry.call("rank", {"damping": 0.85})
    graph = kiln.index.graph
    expected = nx.pagerank(graph, alpha=0.85, tol=1e-6)
    assert graph.number_of_nodes() > 200 and graph.number_of_edges() > 500
    assert len(ranked) == len(expected)
    for row in ranked:
        assert row["score"] == pytest.approx(expected[row["path"]], rel=1e-9, abs=1e-12)
    best = sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [r["path"] for r in ranked[:10]] == [p for p, _ in best]
    assert any(r.get("dangling") for r in ranked), "unresolved targets take part in the ranking"


def test_communities_through_a_plugin_match_networkx(kiln):
    found = kiln.registry.call("groups", {"min_size": 3})
    undirected = kiln.index.graph.to_undirected()
    notes_only = undirected.subgraph(n for n, d in undirected.nodes(data="dangling") if not d)
    expected = [c for c in nx.community.louvain_communities(notes_only, seed=42) if len(c) >= 3]
    assert sorted(sorted(r["path"] for r in g) for g in found) == sorted(sorted(c) for c in expected)
    sizes = [len(g) for g in found]
    assert sizes == sorted(sizes, reverse=True)
    assert nx.community.modularity(notes_only, nx.community.louvain_communities(notes_only, seed=42)) > 0.3
