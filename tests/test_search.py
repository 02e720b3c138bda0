"""Full-text search over the real FTS5 cache: ranking, snippets, filters, hostile queries."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiln_plugins.index import KilnIndex
from kiln_plugins.search import parse_query

SAMPLE = Path(__file__).resolve().parents[1] / "sample_kiln"
SAMPLE_NOTES = (Path(__file__).parent / "fixtures" / "index" / "sample_notes.txt").read_text(
    encoding="utf-8").split("\n")[:-1]


def copy_sample(root: Path) -> Path:
    """Copy the sample kiln's campaign and research notes into ``root``."""
    for note_id in SAMPLE_NOTES:
        (root / note_id).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE / note_id, root / note_id)
    return root


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    root = copy_sample(tmp_path_factory.mktemp("search") / "kiln")
    index = KilnIndex.open(root)
    yield index
    index.close()


def paths(hits):
    return [h.path for h in hits]


def test_title_outranks_body(ix):
    hits = ix.search("saltmarsh")
    assert hits[0].path == "Campaign/Places/Saltmarsh.md"
    assert hits[0].title == "Saltmarsh" and hits[0].score > hits[1].score > 0


def test_snippet_marks_matches(ix):
    (hit,) = ix.search("teleportation")
    assert hit.path == "Research/Concepts/Graph Centrality.md"
    assert "**teleportation**" in hit.snippet


def test_all_words_must_match_then_any(ix):
    both = set(paths(ix.search("smuggling vault")))
    assert both == {"Campaign/NPCs/Captain Vex.md"}
    either = set(paths(ix.search("smuggling zzzunknownword")))
    assert "Campaign/NPCs/Captain Vex.md" in either


def test_frontmatter_values_and_tags_are_searchable(ix):
    assert paths(ix.search("Winograd")) == ["Research/Papers/PageRank.md"]
    assert "Campaign/NPCs/Captain Vex.md" in paths(ix.search("villain"))


def test_prefix_and_stemming(ix):
    assert "Research/Papers/PageRank.md" in paths(ix.search("citat*"))
    assert "Campaign/Places/The Drowned Keep.md" in paths(ix.search("flooding"))  # porter: flood


def test_filters_in_query_and_as_arguments(ix):
    assert set(paths(ix.search("tag:npc"))) == {"Campaign/NPCs/Captain Vex.md",
                                                  "Campaign/NPCs/Old Maren.md"}
    assert set(paths(ix.search("#place"))) == {"Campaign/Places/Saltmarsh.md",
                                                "Campaign/Places/The Drowned Keep.md"}
    # a parent tag matches its nested tags
    assert set(paths(ix.search("graph tag:research"))) >= {"Research/Papers/PageRank.md"}
    in_concepts = ["Research/Concepts/Self-Attention.md", "Research/Concepts/Graph Centrality.md"]
    assert paths(ix.search("attention path:Research/Concepts/")) == in_concepts
    assert paths(ix.search("attention", path="Research/Concepts")) == in_concepts
    assert set(paths(ix.search("type:paper"))) == {"Research/Papers/PageRank.md",
                                                    "Research/Papers/Attention Is All You Need.md"}
    assert paths(ix.search("graph", type="paper", tag="research/ml")) == [
        "Research/Papers/Attention Is All You Need.md"]
    assert paths(ix.search("path:Home.md")) == ["Home.md"]
    assert set(paths(ix.search("", tag="#npc"))) == set(paths(ix.search("tag:npc")))
    assert ix.search("tag:nosuchtag") == [] and ix.search("") == []
    assert len(ix.search("the", limit=2)) == 2


def test_filters_do_not_match_substrings(ix):
    assert ix.search("path:Camp") == []
    assert ix.search("tag:np") == []
    assert ix.search("tag:campaign_") == [] and ix.search("path:%") == []


@pytest.mark.parametrize("query", [
    '"', '""', "'", "*", "**", "a*b", "(", ")", "(saltmarsh", "AND", "OR saltmarsh", "NOT",
    "NEAR(a b)", "saltmarsh -keep", "^saltmarsh", "col:umn", "title:saltmarsh", ":", "+",
    "\x00", "ü\u0301", "🎲", "[[Saltmarsh]]", "tag:", "path:", "{a b}", "a\\b", "%", "_"])
def test_odd_queries_never_raise(ix, query):
    hits = ix.search(query)
    assert isinstance(hits, list)


def test_fts_syntax_is_literal(ix):
    assert "Campaign/Places/Saltmarsh.md" in paths(ix.search("(saltmarsh"))
    assert "Campaign/Places/Saltmarsh.md" in paths(ix.search("[[Saltmarsh]]"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_text_query_returns_a_list(ix, query):
    assert isinstance(ix.search(query, limit=3), list)


def test_parse_query():
    pq = parse_query('tag:a path:x/ type:plugin "two words" it"s pre* #b')
    assert pq.tags == ("a", "b") and pq.paths == ("x/",) and pq.types == ("plugin",)
    assert pq.terms == ('"two words"', '"it""s"', '"pre"*')


def test_search_follows_edits(tmp_path):
    (tmp_path / "a.md").write_text("# A\nthe word is ocelot\n", encoding="utf-8")
    with KilnIndex.open(tmp_path) as ix:
        assert paths(ix.search("ocelot")) == ["a.md"]
        st_ = (tmp_path / "a.md").stat()
        (tmp_path / "a.md").write_text("# A\nthe word is capybara now\n", encoding="utf-8")
        os.utime(tmp_path / "a.md", ns=(st_.st_atime_ns, st_.st_mtime_ns + 2_000_000_000))
        ix.refresh()
        assert ix.search("ocelot") == [] and paths(ix.search("capybara")) == ["a.md"]
        (tmp_path / "a.md").unlink()
        ix.refresh()
        assert ix.search("capybara") == []
