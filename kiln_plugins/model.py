"""The value types that flow from the kiln's files to the plugin layer (DESIGN §2, §3).

These are the contract between stages: the parser (``note.py``) produces them, the index
(``index.py``) stores and resolves them, the plugin layer (``plugin_spec.py``) reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Diagnostic

__all__ = ["CodeChunk", "Fence", "Heading", "Link", "Note"]


@dataclass(frozen=True, slots=True)
class Fence:
    """A fenced code block (```` ``` ```` or ``~~~``) of a note."""

    info: str
    """The whole info string, stripped (``lua test``)."""
    lang: str
    """Its first word, lower-cased (``lua``); '' when none."""
    attrs: tuple[str, ...]
    """The remaining words (``("test",)``)."""
    content: str
    """The code inside the fence, with its trailing newline."""
    start_line: int
    """1-based line of the opening fence in the note."""
    code_line: int
    """1-based line of the first line of code (``start_line + 1``)."""
    end_line: int
    """1-based line of the closing fence (or the last line when unclosed)."""


@dataclass(frozen=True, slots=True)
class Heading:
    """A markdown heading."""

    level: int
    """1 to 6."""
    text: str
    """The heading text without the ``#`` marks."""
    line: int
    """1-based line in the note."""


@dataclass(frozen=True, slots=True)
class Link:
    """One link as written in a note, before resolution."""

    target: str
    """The note part of the target as written (``Folder/Note``); '' for ``[[#heading]]``."""
    kind: str
    """``wikilink``, ``embed`` (``![[x]]``) or ``markdown`` (``[text](x.md)``)."""
    line: int
    """1-based line in the note."""
    col: int = 0
    """1-based column of the opening bracket."""
    alias: str | None = None
    """Text after the first ``|`` (or a markdown link's text)."""
    heading: str | None = None
    """Text after ``#`` (not a block ref)."""
    block: str | None = None
    """Block id after ``#^``."""


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed markdown note. ``id`` is its kiln-relative POSIX path with ``.md``."""

    id: str
    """Kiln-relative path, POSIX separators, ``.md`` included."""
    title: str
    """Frontmatter ``title``, else the first H1, else the file stem."""
    content: str
    """The whole file as text (CRLF normalised to LF)."""
    body: str
    """The text after the frontmatter block."""
    body_line: int
    """1-based line on which ``body`` starts."""
    frontmatter: dict[str, Any] = field(default_factory=dict)
    """Parsed YAML mapping ({} when absent or invalid)."""
    frontmatter_lines: dict[str, int] = field(default_factory=dict)
    """Dotted key path (``tools.roll_dice.parameters``) -> 1-based line of that key."""
    tags: tuple[str, ...] = ()
    """Frontmatter tags plus inline ``#tags``, without ``#``, de-duplicated, in order."""
    aliases: tuple[str, ...] = ()
    """Frontmatter ``aliases`` (list or string)."""
    links: tuple[Link, ...] = ()
    """Links outside code, in document order."""
    headings: tuple[Heading, ...] = ()
    """Headings in document order."""
    fences: tuple[Fence, ...] = ()
    """Fenced code blocks in document order."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Problems found while parsing (invalid YAML, frontmatter not a mapping, …)."""
    mtime_ns: int = 0
    """File modification time when read."""
    size: int = 0
    """File size in bytes when read."""

    @property
    def is_plugin(self) -> bool:
        """True when the frontmatter says ``type: plugin`` (the only notes that ever run)."""
        return self.frontmatter.get("type") == "plugin"

    @property
    def stem(self) -> str:
        """File name without folder and ``.md``."""
        name = self.id.rsplit("/", 1)[-1]
        return name[:-3] if name.lower().endswith(".md") else name


@dataclass(frozen=True, slots=True)
class CodeChunk:
    """A piece of plugin source with its place, so errors can name the note and line."""

    source: str
    """The code (a fence's content, or a whole ``.rn`` file)."""
    path: str
    """Note id or file path shown in errors (``plugins/dice.md``)."""
    first_line: int = 1
    """1-based line in ``path`` of the first line of ``source``."""
    name: str = ""
    """A label: ``test 2`` for test fences, '' for code."""
