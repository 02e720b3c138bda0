"""Note parsing: fixture cases from a data file, plus the byte-level cases of read_note."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kiln_plugins import note as note_module
from kiln_plugins.errors import NoteParseError
from kiln_plugins.note import parse_note, read_note

CASES = yaml.safe_load((Path(__file__).parent / "fixtures" / "index" / "notes.yaml")
                       .read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_note_fixture(case):
    note = parse_note(case["id"], case["text"])
    expect = case["expect"]
    if "title" in expect:
        assert note.title == expect["title"]
    if "body_line" in expect:
        assert note.body_line == expect["body_line"]
        assert note.content.split("\n")[note.body_line - 1:] == note.body.split("\n")
    if "is_plugin" in expect:
        assert note.is_plugin == expect["is_plugin"]
    if "frontmatter" in expect:
        assert note.frontmatter == expect["frontmatter"]
    for key, line in expect.get("lines", {}).items():
        assert note.frontmatter_lines[key] == line, key
    if "tags" in expect:
        assert list(note.tags) == expect["tags"]
    if "aliases" in expect:
        assert list(note.aliases) == expect["aliases"]
    if "headings" in expect:
        assert [f"{h.level}:{h.line} {h.text}" for h in note.headings] == expect["headings"]
    if "fences" in expect:
        assert [f"{f.start_line}-{f.end_line} {f.info}" for f in note.fences] == expect["fences"]
    assert [f"{d} @ {d.severity}" for d in note.diagnostics] == expect.get("diagnostics", [])


def test_crlf_matches_lf():
    lf = "---\ntitle: T\ntags: [a]\n---\n# H\n\n[[Link]] #tag\n\n```lua\nx = 1\n```\n"
    a = parse_note("n.md", lf)
    b = parse_note("n.md", lf.replace("\n", "\r\n"))
    assert (a.content, a.body, a.frontmatter, a.frontmatter_lines, a.links, a.fences, a.tags) == \
           (b.content, b.body, b.frontmatter, b.frontmatter_lines, b.links, b.fences, b.tags)
    assert "\r" not in b.fences[0].content


def test_fence_content_and_code_line():
    n = parse_note("p.md", "---\ntype: plugin\n---\ntext\n```lua\nfunction f() end\n```\n")
    (fence,) = n.fences
    assert (fence.lang, fence.attrs, fence.content) == ("lua", (), "function f() end\n")
    assert (fence.start_line, fence.code_line, fence.end_line) == (5, 6, 7)


def test_links_carry_note_lines():
    n = parse_note("x.md", "---\na: 1\nb: 2\n---\n\nsee [[Other#Part|alias]]\n")
    (link,) = n.links
    assert (link.line, link.col, link.target, link.heading, link.alias) == (6, 5, "Other", "Part", "alias")


def test_read_note_crlf_and_bom(tmp_path):
    (tmp_path / "w.md").write_bytes("\ufeff---\r\ntitle: Win\r\n---\r\nBody [[x]]\r\n".encode())
    n = read_note(tmp_path, "w.md")
    assert (n.title, n.body, n.links[0].line, n.diagnostics) == ("Win", "Body [[x]]\n", 4, ())
    assert n.size == (tmp_path / "w.md").stat().st_size and n.mtime_ns > 0


def test_read_note_invalid_utf8_names_line(tmp_path):
    (tmp_path / "bad.md").write_bytes(b"line one\nline \xff two [[ok]]\n")
    n = read_note(tmp_path, "bad.md")
    (d,) = n.diagnostics
    assert str(d) == "bad.md:2:6: not valid UTF-8 (byte 0xff); bad bytes replaced"
    assert n.links[0].target == "ok" and "\ufffd" in n.body


def test_read_note_nul_bytes(tmp_path):
    (tmp_path / "nul.md").write_bytes(b"a\nb\x00c [[x]]\n")
    n = read_note(tmp_path, "nul.md")
    assert [str(d) for d in n.diagnostics] == \
        ["nul.md:2: note contains NUL bytes (binary file?); they were removed"]
    assert n.body == "a\nbc [[x]]\n"


def test_read_note_oversized(tmp_path, monkeypatch):
    monkeypatch.setattr(note_module, "MAX_READ_BYTES", 100)
    (tmp_path / "big.md").write_text("# Big\n" + "x" * 200, encoding="utf-8")
    n = read_note(tmp_path, "big.md")
    assert n.body == "" and n.title == "big" and n.size == 206
    assert "over the 100 byte limit" in str(n.diagnostics[0])


def test_read_note_missing_file_raises_place(tmp_path):
    with pytest.raises(NoteParseError) as info:
        read_note(tmp_path, "gone.md")
    assert str(info.value).startswith("gone.md: cannot read note")


def test_unicode_note_id(tmp_path):
    (tmp_path / "Ünïcode").mkdir()
    (tmp_path / "Ünïcode" / "Café.md").write_text("# Café ☕\n", encoding="utf-8")
    n = read_note(tmp_path, "Ünïcode/Café.md")
    assert (n.id, n.stem, n.title) == ("Ünïcode/Café.md", "Café", "Café ☕")


YAMLISH = st.lists(st.sampled_from(["a: 1", "- x", "b: [", "]", "{", "}", "&a", "*a", "'", '"',
                                    "  c: d", "type: plugin", "!!binary", "? k", ": v", "\t",
                                    "tags: [x, y]", "---", "...", "%YAML 1.1", "é: ☕"]),
                   max_size=12).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(YAMLISH, st.text(max_size=80))
def test_parse_note_never_raises_and_places_are_in_the_note(yaml_text, body):
    text = f"---\n{yaml_text}\n---\n{body}"
    note = parse_note("p.md", text)
    n_lines = note.content.count("\n") + 1
    assert all(0 <= d.line <= n_lines for d in note.diagnostics)
    assert all(1 <= line <= n_lines for line in note.frontmatter_lines.values())
    assert isinstance(note.frontmatter, dict)


BODY_PIECES = st.sampled_from(["# ", "## ", "####### ", "#", "# x #", "x#", " ", "  ", "   ",
                               "\n", "\n\n", "- ", "* ", "+ ", "1. ", "2) ", "> ", "=", "---",
                               "===", "***", "[a]: /u", "[b]", "word", "é", "\\#", "\t", "`",
                               "~~~", "<div>", "    ", "#tag", ":", "'", '"'])
BODIES = st.lists(BODY_PIECES, max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(BODIES, st.integers(min_value=1, max_value=9))
def test_fast_path_headings_equal_the_full_parse(body, body_line):
    quick = note_module.simple_headings(body, body_line)
    if quick is None:
        return
    tokens = note_module._block_parser.parse(body)
    assert not [t for t in tokens if t.type in ("fence", "code_block", "html_block")]
    full = tuple(note_module.Heading(int(t.tag[1]), tokens[i + 1].content.strip(), body_line + t.map[0])
                 for i, t in enumerate(tokens) if t.type == "heading_open")
    assert quick == full


def test_fast_path_is_taken_for_plain_prose():
    body = "# Title\n\nSome prose with [[links]] and #tags.\n\n## Part ##\n- item\n  # inner\n"
    assert note_module.simple_headings(body, 1) == (
        note_module.Heading(1, "Title", 1), note_module.Heading(2, "Part", 5),
        note_module.Heading(1, "inner", 7))
    assert note_module.simple_headings("```\n# x\n```", 1) is None


@pytest.mark.parametrize("note_id", ["../outside.md", "a/../../x.md", "/etc/passwd"])
def test_read_note_refuses_paths_leaving_the_kiln(tmp_path, note_id):
    with pytest.raises(NoteParseError, match="note path leaves the kiln"):
        read_note(tmp_path / "kiln", note_id)
