"""The index over a real note collection: SilverBullet's docs (225 notes, MIT), read in place.

The expected counts were verified by hand with methods independent of this code:

* notes: ``find . -name '*.md' | wc -l`` -> 225 (no dot-folders, no symlinks in the tree).
* wikilinks and embeds outside code: an awk script that skips the frontmatter, fenced blocks
  (tracking the opening run of backticks/tildes) and inline code spans, then counts
  ``\\[\\[[^][]+\\]\\]`` per line, gives 1323; diffing its per-file counts with ours left five
  links in three files (Baked Sections.md:14, Frontmatter.md:23, Getting Started.md:50 and 53),
  all inside indented code blocks (read by eye), which the awk script does not model: 1318.
  No markdown link in the collection points at a local ``.md`` file (grep ``](…\\.md``: URLs only).
* tags: a second awk script collecting frontmatter ``tags:`` (string, inline list or block
  list) and inline ``#tags`` outside code, per note, lower-cased: 36 distinct tags on 177
  (note, tag) pairs; 43 notes tagged ``glossary``; equal to ours tag by tag.
* ``CONFIG.md`` and ``API/config.md`` differ only in case and folder; ``ADR.md`` and the
  folder ``ADR/`` share a name (``ls``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiln_plugins.index import KilnIndex


def _data_dir() -> Path:
    env = os.environ.get("KILN_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return base / "silverbullet-docs"


DOCS = _data_dir()
pytestmark = pytest.mark.skipif(not DOCS.is_dir(), reason=f"{DOCS} not present")


@pytest.fixture(scope="module")
def ix():
    index = KilnIndex.open(DOCS, persist=False)  # the shared folder is read-only: no cache file
    yield index
    index.close()


def test_note_count(ix):
    assert len(ix.notes) == 225


def test_link_count(ix):
    links = [l for i in ix.notes for l in ix.notes[i].links]
    assert sum(l.kind in ("wikilink", "embed") for l in links) == 1318
    assert sum(l.kind == "markdown" for l in links) == 0


def test_tag_counts(ix):
    tags = ix.tags()
    assert len(tags) == 36 and sum(tags.values()) == 177
    assert tags["glossary"] == 43


def test_no_crash_and_no_diagnostics(ix):
    assert ix.diagnostics == []
    assert ix.graph.number_of_nodes() >= 225


def test_case_clash_and_note_folder_clash_resolve(ix):
    assert ix.resolve("CONFIG", "Space.md") == "CONFIG.md"
    assert ix.resolve("config", "Space.md") == "CONFIG.md"  # case-insensitive path beats stems
    assert ix.resolve("API/config", None) == "API/config.md"
    assert ix.resolve("ADR", None) == "ADR.md"
    assert "CONFIG.md" in ix.outlinks("Space.md")


def test_query_syntax_is_text(ix):
    note = ix.notes["Library/Code Link.md"]
    assert all(not l.target.startswith("from p = index") for l in note.links)
    assert ix.search("${query[[ from", limit=3) is not None
