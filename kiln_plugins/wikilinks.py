"""Find the links a note's body makes (DESIGN §3), never inside code.

Forms: ``[[t]]``, ``[[t|alias]]``, ``[[t#heading]]``, ``[[t#^block]]``, ``![[embed]]``,
``[[#heading]]`` and local markdown links ``[text](other.md)``. Code is masked first: block
code (fenced and indented) by the line ranges the markdown parser reports, inline code spans
by CommonMark's backtick-run rule (a run opens a span that the next run of the same length,
within the same paragraph, closes). Masking keeps every offset, so columns stay true.

A wikilink and a markdown link never span lines, so a SilverBullet query such as
``${query[[`` + newline + ``…]]}`` is ordinary text here, and one on a single line is an
ordinary (probably dangling) link — never an error.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from urllib.parse import unquote

from markdown_it import MarkdownIt

from .model import Link

__all__ = ["mask_code", "find_links", "extract_links", "code_line_ranges", "block_ranges"]

_WIKI = re.compile(r"(!?)\[\[([^\[\]\n]+)\]\]")
_MD_LINK = re.compile(r"(!?)\[([^\[\]\n]*)\]\(\s*(<[^<>\n]+>|[^\s()]+)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_BACKTICKS = re.compile(r"`+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")

_block_parser = MarkdownIt("commonmark").disable("inline")


def block_ranges(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """0-based ``[start, end)`` line ranges of code blocks and of inline text (paragraphs,
    headings) in ``text``, from one block-level parse."""
    code, inline = [], []
    for t in _block_parser.parse(text):
        if t.map:
            if t.type in ("fence", "code_block"):
                code.append(tuple(t.map))
            elif t.type == "inline":
                inline.append(tuple(t.map))
    return code, inline


def code_line_ranges(text: str) -> list[tuple[int, int]]:
    """0-based ``[start, end)`` line ranges of fenced and indented code blocks in ``text``."""
    return block_ranges(text)[0]


def mask_code(text: str, code_ranges: Iterable[tuple[int, int]],
              inline_ranges: Iterable[tuple[int, int]] | None = None) -> list[str]:
    """The lines of ``text`` with block code emptied and inline code spans blanked out.

    A code span never leaves its paragraph or heading: with ``inline_ranges`` (the line ranges
    of those blocks) each is masked on its own; without, a blank line bounds a span.
    """
    lines = text.split("\n")
    for start, end in code_ranges:
        for i in range(start, min(end, len(lines))):
            lines[i] = ""
    if "`" not in text:
        return lines
    if inline_ranges is None:
        inline_ranges = [(0, len(lines))]
    for start, end in inline_ranges:
        chunk = lines[start:end]
        if any("`" in line for line in chunk):
            joined = "\n".join(chunk)
            masked = _mask_inline_code(joined)
            if masked is not joined:
                lines[start:end] = masked.split("\n")
    return lines


def _mask_inline_code(s: str) -> str:
    """Blank out code spans (keeping newlines) so no link or tag is found inside them."""
    runs = []
    for m in _BACKTICKS.finditer(s):
        start, end = m.span()
        if start > 0 and s[start - 1] == "\\":
            start += 1  # an escaped backtick is literal; the rest of the run still counts
            if start == end:
                continue
        runs.append((start, end))
    if len(runs) < 2:
        return s
    by_len: dict[int, list[int]] = {}
    for idx, (a, b) in enumerate(runs):
        by_len.setdefault(b - a, []).append(idx)
    blanks = [m.start() for m in _BLANK_LINE.finditer(s)]
    spans = []
    i = 0
    while i < len(runs):
        a, b = runs[i]
        same = by_len[b - a]
        k = bisect.bisect_right(same, i)
        if k < len(same):
            j = same[k]
            close_start, close_end = runs[j]
            p = bisect.bisect_left(blanks, b)
            if p >= len(blanks) or blanks[p] >= close_start:
                spans.append((a, close_end))
                i = j + 1
                continue
        i += 1
    if not spans:
        return s
    out = []
    pos = 0
    for a, b in spans:
        out.append(s[pos:a])
        out.append("".join("\n" if c == "\n" else " " for c in s[a:b]))
        pos = b
    out.append(s[pos:])
    return "".join(out)


def _wikilink(m: re.Match, line: int) -> Link | None:
    inner = m.group(2)
    target, alias = inner, None
    for sep in ("\\|", "|"):  # ``\|`` is how a pipe is written inside a table cell
        if sep in inner:
            target, alias = inner.split(sep, 1)
            break
    heading = block = None
    if "#" in target:
        target, frag = target.split("#", 1)
        if frag.startswith("^"):
            block = frag[1:].strip()
        else:
            heading = frag.strip()
    target = target.strip()
    if not target and heading is None and block is None:
        return None
    kind = "embed" if m.group(1) else "wikilink"
    return Link(target=target, kind=kind, line=line, col=m.start() + 1,
                alias=alias.strip() if alias is not None else None, heading=heading, block=block)


def _markdown_link(m: re.Match, line: int) -> Link | None:
    dest = m.group(3)
    if dest.startswith("<"):
        dest = dest[1:-1]
    if _SCHEME.match(dest) or dest.startswith("//") or dest.startswith("#"):
        return None
    path, _, frag = dest.partition("#")
    path = unquote(path)
    if not path.lower().endswith(".md"):
        return None
    kind = "embed" if m.group(1) else "markdown"
    heading = block = None
    if frag:
        frag = unquote(frag)
        if frag.startswith("^"):
            block = frag[1:]
        else:
            heading = frag
    return Link(target=path, kind=kind, line=line, col=m.start() + 1,
                alias=m.group(2), heading=heading, block=block)


def find_links(lines: list[str], first_line: int = 1) -> list[Link]:
    """Links in already-masked ``lines``; line numbers start at ``first_line``."""
    links = []
    for n, text in enumerate(lines):
        if "[" not in text:
            continue
        line = first_line + n
        found = []
        if "[[" in text:
            for m in _WIKI.finditer(text):
                link = _wikilink(m, line)
                if link is not None:
                    found.append(link)
        if "](" in text:
            for m in _MD_LINK.finditer(text):
                link = _markdown_link(m, line)
                if link is not None:
                    found.append(link)
            found.sort(key=lambda l: l.col)
        links.extend(found)
    return links


def extract_links(text: str, *, first_line: int = 1) -> list[Link]:
    """Every link in markdown ``text`` outside code (parses the blocks itself)."""
    return find_links(mask_code(text, *block_ranges(text)), first_line)
