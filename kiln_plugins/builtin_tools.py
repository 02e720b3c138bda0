"""The built-in note tools (names and parameters compatible with Crucible's).

Each entry is data: name, description, JSON Schema, capability, implementation. They run
through the same :class:`~kiln_plugins.context.CallContext` as plugin tools, so they get the
same permission check, transactions and audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .hostapi import kiln_api
from .hostapi.plain import to_plain

__all__ = ["BuiltinTool", "BUILTIN_TOOLS"]


@dataclass(frozen=True, slots=True)
class BuiltinTool:
    """A tool implemented by the host."""

    name: str
    """Tool name."""
    description: str
    """For people and agents."""
    parameters: dict
    """JSON Schema of the arguments object."""
    capability: str
    """``kiln.read`` or ``kiln.write``."""
    destructive: bool
    """Can delete or overwrite existing notes."""
    impl: Callable[[Any, dict], Any]
    """``impl(ctx, args)``."""


def _obj(props: dict, required=()) -> dict:
    return {"type": "object", "properties": props, "required": list(required), "additionalProperties": False}


PATH = {"type": "string", "description": "kiln-relative note path, e.g. folder/note.md"}
FOLDER = {"type": "string", "description": "kiln-relative folder"}
LIMIT = {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10}


def read_note(ctx, a):
    note = ctx.note(ctx.note_id(a["path"]))
    lines = note.content.split("\n")
    start = a.get("start_line", 1)
    end = a.get("end_line", len(lines))
    chosen = lines[max(start, 1) - 1:max(end, 0)]
    return {"path": note.id, "content": "\n".join(chosen), "total_lines": len(lines),
            "lines_returned": len(chosen)}


def create_note(ctx, a):
    ctx.require("kiln.write", "create_note")
    if a["path"] in ctx.note_ids():
        from .errors import KilnError
        raise KilnError(f"note already exists: {a['path']} (use update_note)")
    text = kiln_api.compose_note(a["content"], a.get("frontmatter"))
    kiln_api.guard_plugin_notes(ctx, a["path"], text, "create_note")
    ctx.writes.write(a["path"], text)
    return {"path": a["path"], "created": True}


def update_note(ctx, a):
    ctx.require("kiln.write", "update_note")
    note = ctx.note(ctx.note_id(a["path"]))
    frontmatter = a.get("frontmatter", note.frontmatter if note.frontmatter else None)
    body = a.get("content", note.body)
    text = kiln_api.compose_note(body, frontmatter)
    kiln_api.guard_plugin_notes(ctx, note.id, text, "update_note")
    ctx.writes.write(note.id, text)
    return {"path": note.id, "updated": True}


def delete_note(ctx, a):
    ctx.require("kiln.write", "delete_note")
    note_id = ctx.note_id(a["path"])
    kiln_api.guard_plugin_notes(ctx, note_id, None, "delete_note")
    ctx.writes.delete(note_id)
    return {"path": note_id, "deleted": True}


def list_notes(ctx, a):
    notes = kiln_api.list_notes(ctx, {"folder": a.get("folder"), "recursive": a.get("recursive", True)})
    if a.get("include_frontmatter"):
        for n in notes:
            n["frontmatter"] = to_plain(ctx.note(n["path"]).frontmatter)
    return notes


def read_metadata(ctx, a):
    note = ctx.note(ctx.note_id(a["path"]))
    return {"path": note.id, "title": note.title, "frontmatter": to_plain(note.frontmatter),
            "tags": list(note.tags),
            "stats": {"word_count": len(note.body.split()), "char_count": len(note.body),
                      "line_count": note.content.count("\n") + 1, "heading_count": len(note.headings)},
            "modified": note.mtime_ns // 1_000_000_000 if note.mtime_ns else None}


def text_search(ctx, a):
    hits = ctx.index.search(a["query"], limit=a.get("limit", 10), path=a.get("folder"))
    return [{"path": h.path, "title": h.title, "score": h.score, "snippet": h.snippet} for h in hits]


def property_search(ctx, a):
    return kiln_api.list_notes(ctx, {"where": a["properties"]})[: a.get("limit", 10)]


def get_kiln_info(ctx, a):
    index = ctx.index
    g = index.graph
    return {"root": str(index.root), "notes": len(index.notes),
            "links": int(sum(d.get("count", 1) for _, _, d in g.edges(data=True))),
            "tags": len(index.tags()), "plugins": len(ctx.kiln.plugins.active)}


def outlinks(ctx, a):
    return kiln_api.links(ctx, a["path"])


def backlinks(ctx, a):
    return kiln_api.backlinks(ctx, a["path"])


BUILTIN_TOOLS: tuple[BuiltinTool, ...] = (
    BuiltinTool("read_note", "Read a note's text, optionally a line range.",
                _obj({"path": PATH, "start_line": {"type": "integer", "minimum": 1},
                      "end_line": {"type": "integer", "minimum": 1}}, ["path"]), "kiln.read", False, read_note),
    BuiltinTool("create_note", "Create a new note with optional frontmatter (fails if it exists).",
                _obj({"path": PATH, "content": {"type": "string"}, "frontmatter": {"type": "object"}},
                     ["path", "content"]), "kiln.write", False, create_note),
    BuiltinTool("update_note", "Replace a note's body and/or frontmatter.",
                _obj({"path": PATH, "content": {"type": "string"}, "frontmatter": {"type": "object"}},
                     ["path"]), "kiln.write", True, update_note),
    BuiltinTool("delete_note", "Delete a note.", _obj({"path": PATH}, ["path"]), "kiln.write", True, delete_note),
    BuiltinTool("list_notes", "List notes in a folder (recursively by default).",
                _obj({"folder": FOLDER, "include_frontmatter": {"type": "boolean", "default": False},
                      "recursive": {"type": "boolean", "default": True}}), "kiln.read", False, list_notes),
    BuiltinTool("read_metadata", "A note's frontmatter, tags and statistics without its body.",
                _obj({"path": PATH}, ["path"]), "kiln.read", False, read_metadata),
    BuiltinTool("text_search", "Full-text search (BM25) over the kiln.",
                _obj({"query": {"type": "string", "minLength": 1}, "folder": FOLDER,
                      "case_insensitive": {"type": "boolean", "default": True}, "limit": LIMIT}, ["query"]),
                "kiln.read", False, text_search),
    BuiltinTool("property_search", "Notes whose frontmatter matches: AND across keys, OR within a list.",
                _obj({"properties": {"type": "object", "minProperties": 1}, "limit": LIMIT}, ["properties"]),
                "kiln.read", False, property_search),
    BuiltinTool("get_kiln_info", "Counts of notes, links, tags and plugins, and the kiln root.",
                _obj({}), "kiln.read", False, get_kiln_info),
    BuiltinTool("outlinks", "Notes a note links to.", _obj({"path": PATH}, ["path"]), "kiln.read", False, outlinks),
    BuiltinTool("backlinks", "Notes linking to a note.", _obj({"path": PATH}, ["path"]), "kiln.read", False, backlinks),
)
