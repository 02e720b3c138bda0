"""Parse a note (DESIGN §3): frontmatter with key lines, fences, headings, links, tags, title.

Frontmatter YAML is composed once (libyaml when available) into a node graph; key lines come
from the nodes' marks and the values are constructed from the same graph. Before constructing,
the graph's expanded size is measured (aliases counted as often as they are used), so an alias
bomb ("billion laughs") is reported instead of exhausting memory. Values are made JSON-ready
(dates become ISO strings) because notes travel to plugins and to the cache as JSON.

The body gets one block-level markdown-it parse per note; its token line maps give fences,
headings and the code ranges that links and tags are never taken from.
"""

from __future__ import annotations

import base64
import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from .errors import Diagnostic, NoteParseError
from .model import Fence, Heading, Note
from .tags import find_tags, frontmatter_tags, merge_tags
from .wikilinks import find_links, mask_code

__all__ = ["parse_note", "read_note", "decode_note_bytes", "split_frontmatter",
           "parse_frontmatter", "Frontmatter", "MAX_YAML_NODES", "MAX_YAML_DEPTH",
           "MAX_READ_BYTES"]

MAX_YAML_NODES = 100_000
"""Largest expanded node count accepted in one frontmatter block."""
MAX_YAML_DEPTH = 100
"""Deepest nesting accepted in one frontmatter block (keeps every walk far from recursion limits)."""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CLOSE = re.compile(r"^---[ \t]*$", re.M)
_TYPE_PLUGIN = re.compile(r"^type[ \t]*:[ \t]*[\"']?plugin[\"']?[ \t]*(?:#.*)?$", re.M)


@dataclass(frozen=True, slots=True)
class Frontmatter:
    """The outcome of parsing one frontmatter block."""

    data: dict[str, Any] = field(default_factory=dict)
    """The mapping ({} when absent, invalid or not a mapping)."""
    lines: dict[str, int] = field(default_factory=dict)
    """Dotted key path -> 1-based line in the note."""
    errors: tuple[tuple[int, str], ...] = ()
    """(note line, message) for each problem found."""


def split_frontmatter(text: str) -> tuple[str | None, str, int]:
    """``(yaml_text or None, body, body_line)`` for LF-normalised ``text``."""
    if not text.startswith("---"):
        return None, text, 1
    first_nl = text.find("\n")
    if first_nl < 0 or text[3:first_nl].strip():
        return None, text, 1
    m = _CLOSE.search(text, first_nl + 1)
    if m is None:
        return None, text, 1
    yaml_text = text[first_nl + 1:m.start()]
    end = text.find("\n", m.end())
    body = "" if end < 0 else text[end + 1:]
    return yaml_text, body, yaml_text.count("\n") + 3


def parse_frontmatter(yaml_text: str, first_line: int = 2) -> Frontmatter:
    """Parse a frontmatter block whose first line is note line ``first_line``."""
    if not yaml_text.strip():
        return Frontmatter()
    loader = _Loader(yaml_text)
    try:
        try:
            node = loader.get_single_node()
        except (yaml.YAMLError, RecursionError) as exc:
            return _broken(yaml_text, first_line, exc)
        if node is None:
            return Frontmatter()
        size = _expanded_size(node, {}, 0)
        if size < 0:
            return _with_type_line(yaml_text, (
                (first_line, f"frontmatter nests deeper than {MAX_YAML_DEPTH} levels; ignored"),))
        if size > MAX_YAML_NODES:
            return _with_type_line(yaml_text, (
                (first_line, f"frontmatter expands to more than {MAX_YAML_NODES} values "
                             "(alias bomb?); ignored"),))
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a scalar"
            return _with_type_line(yaml_text, (
                (node.start_mark.line + first_line, f"frontmatter is {kind}, not a mapping; ignored"),))
        try:
            data = loader.construct_document(node)
        except (yaml.YAMLError, TypeError, ValueError, RecursionError) as exc:
            return _broken(yaml_text, first_line, exc)
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    _key_lines(node, "", first_line, lines, set())
    return Frontmatter(data=_plain_keys(_jsonable(data)), lines=lines)


def _broken(yaml_text: str, first_line: int, exc: Exception) -> Frontmatter:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    context = getattr(exc, "context_mark", None)
    where = getattr(exc, "context", None) or ""
    if context is not None and ("flow" in where or "quoted" in where
                                or (mark is not None and mark.line >= yaml_text.count("\n"))):
        mark = context  # an unclosed bracket or quote: the place it was opened says more
    line = first_line + (mark.line if mark is not None else 0)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return _with_type_line(yaml_text, ((line, f"invalid frontmatter YAML: {problem}"),))


def _with_type_line(yaml_text: str, errors) -> Frontmatter:
    """Keep ``type: plugin`` detectable in a broken block, so it is a broken plugin."""
    data = {"type": "plugin"} if _TYPE_PLUGIN.search(yaml_text) else {}
    return Frontmatter(data=data, errors=tuple(errors))


def _expanded_size(node, memo: dict[int, int], depth: int) -> int:
    """Values ``node`` expands to, aliases counted at each use; -1 when nested too deeply."""
    key = id(node)
    if key in memo:
        return memo[key]
    if depth > MAX_YAML_DEPTH:
        return -1
    total = 1
    if isinstance(node, yaml.MappingNode):
        children = [c for pair in node.value for c in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = ()
    for child in children:
        size = _expanded_size(child, memo, depth + 1)
        if size < 0:
            return -1
        total += size
        if total > MAX_YAML_NODES:
            break
    memo[key] = total
    return total


def _key_lines(node, prefix: str, first_line: int, out: dict[str, int], seen: set[int]) -> None:
    if id(node) in seen:  # an alias: its keys were recorded where the anchor was defined
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                continue
            path = f"{prefix}.{k.value}" if prefix else str(k.value)
            out.setdefault(path, k.start_mark.line + first_line)
            _key_lines(v, path, first_line, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}.{i}" if prefix else str(i)
            out.setdefault(path, item.start_mark.line + first_line)
            _key_lines(item, path, first_line, out, seen)


def _jsonable(value: Any) -> Any:
    """Dates become ISO strings, sets lists, bytes base64, keys strings: JSON-ready values."""
    if isinstance(value, dict):
        return {_key(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v) for v in value), key=repr)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _key(k: Any) -> str:
    if isinstance(k, str):
        return k
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    return str(_jsonable(k))


def _plain_keys(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


# --- the note -------------------------------------------------------------------------------

MAX_READ_BYTES = 20 * 1024 * 1024
"""Files larger than this are indexed with a diagnostic and an empty body."""

_block_parser = MarkdownIt("commonmark").disable("inline")


def parse_note(note_id: str, text: str, *, mtime_ns: int = 0, size: int = 0,
               diagnostics: tuple[Diagnostic, ...] = ()) -> Note:
    """Parse a note's text (any newline style) into a ``Note``; problems become diagnostics."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    diags = list(diagnostics)
    yaml_text, body, body_line = split_frontmatter(text)
    fm = parse_frontmatter(yaml_text) if yaml_text is not None else Frontmatter()
    severity = "error" if fm.data.get("type") == "plugin" else "warning"
    diags.extend(Diagnostic(note_id, line, msg, severity=severity) for line, msg in fm.errors)

    fences, headings, code_ranges, inline_ranges = _blocks(body, body_line)
    masked = mask_code(body, code_ranges, inline_ranges)
    links = tuple(find_links(masked, body_line))
    tags = merge_tags(frontmatter_tags(fm.data.get("tags")), find_tags(masked))
    aliases = tuple(frontmatter_tags_like(fm.data.get("aliases", fm.data.get("alias"))))

    title = fm.data.get("title")
    if isinstance(title, (str, int, float)) and not isinstance(title, bool) and str(title).strip():
        title = str(title).strip()
    else:
        title = next((h.text for h in headings if h.level == 1 and h.text), None) or _stem(note_id)
    return Note(id=note_id, title=title, content=text, body=body, body_line=body_line,
                frontmatter=fm.data, frontmatter_lines=fm.lines, tags=tags, aliases=aliases,
                links=links, headings=headings, fences=fences, diagnostics=tuple(diags),
                mtime_ns=mtime_ns, size=size)


def _stem(note_id: str) -> str:
    name = note_id.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


def frontmatter_tags_like(value: Any) -> list[str]:
    """A frontmatter list-or-string value as a list of non-empty strings (``aliases``)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in items
            if isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v).strip()]


# The fast path: a body with no backtick, tilde, '<', tab or NUL, no run of four spaces, no
# blockquote, no heading after a list marker, no link reference definition and no line that
# could underline a setext heading cannot hold fenced code, indented code (which needs four
# columns of indent, also inside containers), an HTML block or a setext heading. Its
# headings are then exactly the ATX lines, found by the rule markdown-it applies.
# tests/test_note.py compares both paths on generated bodies.
_NOT_SIMPLE_TEXT = ("`", "~", "<", "\t", "\0", "    ", "]:")
_NOT_SIMPLE_LINE = re.compile(
    r" {0,3}(?:(?:(?:[-+*]|\d{1,9}[.)])[ ]+)*>"     # blockquotes, also in list items
    r"|(?:(?:[-+*]|\d{1,9}[.)])[ ]+)+#"             # headings inside list items
    r"|(?:=+|-+)[ ]*$)")                             # setext underlines
_ATX = re.compile(r"(#{1,6})(?:[ ]+(.*?))?[ ]*$")
_ATX_CLOSE = re.compile(r"(?:^|[ ]+)#+[ ]*$")


def simple_headings(body: str, body_line: int) -> tuple[Heading, ...] | None:
    """Headings of a body the fast path covers, else None (the caller parses it fully)."""
    for marker in _NOT_SIMPLE_TEXT:
        if marker in body:
            return None
    out = []
    for n, line in enumerate(body.split("\n")):
        rest = line.lstrip(" ")  # at most three spaces: four were ruled out above
        if not rest:
            continue
        first = rest[0]
        if first in "-+*=>0123456789":
            if _NOT_SIMPLE_LINE.match(line):
                return None
        elif first == "#":
            m = _ATX.match(rest)
            if m:
                text = _ATX_CLOSE.sub("", m.group(2) or "").strip()
                out.append(Heading(level=len(m.group(1)), text=text, line=body_line + n))
    return tuple(out)


def _blocks(body: str, body_line: int):
    """Fences, headings, and 0-based line ranges of code and of inline text, from one
    block-level parse of ``body``."""
    quick = simple_headings(body, body_line)
    if quick is not None:
        return (), quick, [], None
    fences = []
    headings = []
    code_ranges = []
    inline_ranges = []
    tokens = _block_parser.parse(body)
    n_lines = body.count("\n") + 1
    for i, tok in enumerate(tokens):
        if tok.type == "fence" and tok.map:
            start, end = tok.map
            code_ranges.append((start, end))
            info = tok.info.strip()
            words = info.split()
            # the closing fence's line, or the last line of an unclosed fence
            fences.append(Fence(info=info, lang=words[0].lower() if words else "",
                                attrs=tuple(words[1:]), content=tok.content,
                                start_line=body_line + start, code_line=body_line + start + 1,
                                end_line=body_line + min(end, n_lines) - 1))
        elif tok.type == "code_block" and tok.map:
            code_ranges.append(tuple(tok.map))
        elif tok.type == "inline" and tok.map:
            inline_ranges.append(tuple(tok.map))
        elif tok.type == "heading_open" and tok.map:
            text = tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""
            headings.append(Heading(level=int(tok.tag[1]), text=text, line=body_line + tok.map[0]))
    return tuple(fences), tuple(headings), code_ranges, inline_ranges


def read_note(root: Path, note_id: str) -> Note:
    """Read and parse ``root/note_id``; bad content becomes diagnostics, an unreadable file raises ``NoteParseError``."""
    if note_id.startswith("/") or ".." in note_id.replace("\\", "/").split("/"):
        raise NoteParseError("note path leaves the kiln", path=note_id)
    path = Path(root) / note_id
    if path.is_symlink():
        from .scan import link_target_ok

        if not link_target_ok(str(path), os.path.realpath(root)):
            raise NoteParseError("note is a symlink to something that is not a note of this kiln",
                                 path=note_id)
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if st.st_size > MAX_READ_BYTES:
                diag = Diagnostic(note_id, 0, f"note is {st.st_size} bytes, over the "
                                  f"{MAX_READ_BYTES} byte limit; not indexed", severity="warning")
                return parse_note(note_id, "", mtime_ns=st.st_mtime_ns, size=st.st_size,
                                  diagnostics=(diag,))
            data = fh.read()
    except OSError as exc:
        raise NoteParseError(f"cannot read note: {exc.strerror or exc}", path=note_id) from None
    text, diags = decode_note_bytes(note_id, data)
    return parse_note(note_id, text, mtime_ns=st.st_mtime_ns, size=st.st_size, diagnostics=diags)


def decode_note_bytes(note_id: str, data: bytes) -> tuple[str, tuple[Diagnostic, ...]]:
    """UTF-8 text of a note's bytes; NUL bytes and invalid UTF-8 are replaced and reported."""
    diags = []
    if b"\0" in data:
        at = data.index(b"\0")
        diags.append(Diagnostic(note_id, data.count(b"\n", 0, at) + 1,
                                "note contains NUL bytes (binary file?); they were removed",
                                severity="warning"))
        data = data.replace(b"\0", b"")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.append(Diagnostic(note_id, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x});"
                                " bad bytes replaced", col=col, severity="warning"))
        text = data.decode("utf-8", "replace")
    return text, tuple(diags)
