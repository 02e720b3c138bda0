"""Wikilink and inline-tag extraction: fixture cases from data files, plus property tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kiln_plugins.model import Link
from kiln_plugins.tags import find_tags, frontmatter_tags, merge_tags
from kiln_plugins.wikilinks import block_ranges, code_line_ranges, extract_links, mask_code

FIXTURES = Path(__file__).parent / "fixtures" / "index"
LINK_CASES = yaml.safe_load((FIXTURES / "links.yaml").read_text(encoding="utf-8"))
TAG_CASES = yaml.safe_load((FIXTURES / "tags.yaml").read_text(encoding="utf-8"))


def show(link: Link) -> str:
    """The fixture notation of a link."""
    s = f"{link.line}:{link.col} {link.kind} [{link.target}]"
    if link.alias is not None:
        s += f" |{link.alias}"
    if link.heading is not None:
        s += f" #{link.heading}"
    if link.block is not None:
        s += f" ^{link.block}"
    return s


@pytest.mark.parametrize("case", LINK_CASES, ids=[c["name"] for c in LINK_CASES])
def test_link_fixture(case):
    assert [show(l) for l in extract_links(case["text"])] == case["links"]


@pytest.mark.parametrize("case", TAG_CASES, ids=[c["name"] for c in TAG_CASES])
def test_tag_fixture(case):
    text = case["text"]
    assert find_tags(mask_code(text, *block_ranges(text))) == case["tags"]


def test_first_line_offsets_lines():
    assert [l.line for l in extract_links("[[a]]\n[[b]]", first_line=10)] == [10, 11]


def test_frontmatter_tags_forms():
    assert frontmatter_tags("a, b  #c") == ["a", "b", "c"]
    assert frontmatter_tags(["x", "#y/z", 3, None, True]) == ["x", "y/z", "3"]
    assert frontmatter_tags(None) == []
    assert merge_tags(["A", "b"], ["a", "c"]) == ("A", "b", "c")


# --- properties -------------------------------------------------------------------------------

PIECES = st.sampled_from(["[[", "]]", "[", "]", "(", ")", "x.md", "!", "#", "|", "^", "`", "``",
                          "```", "~~~", "\n", "\n\n", "    ", "\t", "a", "b c", "-", ">", "${",
                          "query", "%20", "é", "\\", "*"])
TEXT = st.lists(PIECES, max_size=40).map("".join)
NO_CODE_MARKERS = TEXT.map(lambda s: s.replace("`", "").replace("~", "").replace("\n", " "))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_extractor_never_raises_and_reports_real_places(text):
    lines = text.split("\n")
    for link in extract_links(text):
        assert 1 <= link.line <= len(lines)
        line = lines[link.line - 1]
        assert line[link.col - 1] in "[!"


@settings(max_examples=200, deadline=None)
@given(NO_CODE_MARKERS, NO_CODE_MARKERS, TEXT)
def test_no_link_inside_a_fence(before, code, after):
    # ``before`` holds no fence marker of its own, or the fence below would close one
    # (the full-parse property below covers arbitrary text)
    text = f"{before}\n\n```\n{code}\n```\n\n{after}"
    fence_line = before.count("\n") + 3
    fenced = [l for l in extract_links(text) if fence_line <= l.line <= fence_line + 2]
    assert fenced == []


@settings(max_examples=200, deadline=None)
@given(NO_CODE_MARKERS)
def test_no_link_inside_inline_code(code):
    text = f"start `` {code} `` end"
    assert extract_links(text) == []
    assert find_tags(mask_code(text, [])) == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_extractor_survives_any_text(text):
    extract_links(text)
    find_tags(mask_code(text, code_line_ranges(text)))


_FULL_PARSER = MarkdownIt("commonmark")  # inline rules on: a second, complete parse as oracle


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_no_link_on_a_code_block_line(text):
    code_lines = set()
    for tok in _FULL_PARSER.parse(text):
        if tok.type in ("fence", "code_block") and tok.map:
            code_lines.update(range(tok.map[0] + 1, tok.map[1] + 1))
    assert not [l for l in extract_links(text) if l.line in code_lines]
