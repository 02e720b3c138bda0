"""``kiln.*``: read, list, search, links and write notes (capabilities kiln.read / kiln.write)."""

from __future__ import annotations

import fnmatch


from ..errors import KilnError, UsageError
from .plain import to_plain
from .registry import HostFunction, Param

STR = {"type": "string"}
OPTS = {"type": "object"}


def _opts(value, fn: str) -> dict:
    if value is None or value == []:  # an empty Lua table arrives as []
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"{fn}: options must be a table/object, got {type(value).__name__}")
    return value


def note_record(ctx, note_id: str) -> dict:
    """The shape ``kiln.read`` returns (DESIGN §8)."""
    note = ctx.note(note_id)
    return {
        "path": note.id,
        "title": note.title,
        "content": note.content,
        "body": note.body,
        "frontmatter": to_plain(note.frontmatter),
        "tags": list(note.tags),
        "links": [ctx.index.resolve(l.target, note.id) or l.target for l in note.links if l.target],
    }


def read(ctx, path):
    return note_record(ctx, ctx.note_id(path))


def _matches_where(note, where: dict) -> bool:
    """AND across keys, OR within a list value; a frontmatter list matches if any item does."""
    for key, wanted in where.items():
        have = note.frontmatter.get(key)
        wanted_list = wanted if isinstance(wanted, list) else [wanted]
        have_list = have if isinstance(have, list) else [have]
        if not any(str(h) == str(w) for h in have_list for w in wanted_list if h is not None):
            return False
    return True


def _matches_tags(note, tags) -> bool:
    if not tags:
        return True
    wanted = tags if isinstance(tags, list) else [tags]
    have = {t.lower() for t in note.tags}
    # a nested tag `a/b` also matches a query for `a`
    have |= {t.split("/")[0] for t in have}
    return any(str(w).lower().lstrip("#") in have for w in wanted)


def _where(value) -> dict:
    if not isinstance(value, dict):
        raise UsageError(f"kiln.list: where must be a table of frontmatter key = value, got {type(value).__name__}")
    return value


def list_notes(ctx, opts=None):
    o = _opts(opts, "kiln.list")
    folder = str(o.get("folder") or "").strip("/")
    recursive = o.get("recursive", True)
    out = []
    for note_id in sorted(ctx.note_ids()):
        if folder:
            if not note_id.startswith(folder + "/"):
                continue
            if not recursive and "/" in note_id[len(folder) + 1:]:
                continue
        elif not recursive and "/" in note_id:
            continue
        if "glob" in o and not fnmatch.fnmatch(note_id, str(o["glob"])):
            continue
        note = ctx.note(note_id)
        if not _matches_tags(note, o.get("tag") or o.get("tags")):
            continue
        if o.get("where") and not _matches_where(note, _where(o["where"])):
            continue
        out.append({"path": note.id, "title": note.title})
    return out


def search(ctx, query, opts=None):
    o = _opts(opts, "kiln.search")
    limit = o.get("limit", 10)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 1 <= limit <= 10_000:
        raise UsageError(f"kiln.search: limit must be a number from 1 to 10000, got {limit!r}")
    limit = int(limit)
    hits = ctx.index.search(str(query), limit=limit, tag=o.get("tag"), path=o.get("path"))
    return [{"path": h.path, "title": h.title, "score": h.score, "snippet": h.snippet} for h in hits]


def links(ctx, path):
    note_id = ctx.note_id(path)
    g = ctx.index.graph
    if note_id not in g:
        return []
    return [{"path": t, "title": ctx.title(t), "exists": not g.nodes[t]["dangling"]} for t in g.successors(note_id)]


def backlinks(ctx, path):
    note_id = ctx.note_id(path)
    return [{"path": s, "title": ctx.title(s)} for s in ctx.index.backlinks(note_id)]


def query(ctx, opts=None):
    o = _opts(opts, "kiln.query")
    return list_notes(ctx, {"tags": o.get("tags"), "where": o.get("where") or {}})


def compose_note(content: str, frontmatter: dict | None) -> str:
    """Frontmatter (as YAML) + body; plain content when no frontmatter is given."""
    if not frontmatter:
        return content
    if not isinstance(frontmatter, dict):
        raise UsageError("frontmatter must be a table/object")
    from .std_yaml import yaml_text

    head = yaml_text(to_plain(frontmatter)).rstrip("\n")
    return f"---\n{head}\n---\n{content}"


def _is_plugin_text(text: str | None) -> bool:
    if not text:
        return False
    from ..note import parse_note

    return parse_note("x.md", text).is_plugin or bool(_TYPE_PLUGIN.search(text.split("\n---", 1)[0]))


_TYPE_PLUGIN = __import__("re").compile(r"(?m)^type[ \t]*:[ \t]*['\"]?plugin\b")


def guard_plugin_notes(ctx, note_id: str, new_text: str | None, function: str) -> None:
    """Creating, changing or deleting a plugin note also needs ``plugins.write`` (DESIGN §7)."""
    if _is_plugin_text(new_text) or _is_plugin_text(ctx.writes.read(note_id) if note_id else None):
        ctx.require("plugins.write", function)


def write(ctx, path, content, frontmatter=None):
    if not isinstance(path, str) or not isinstance(content, str):
        raise UsageError("kiln.write(path, content, frontmatter?): path and content must be strings")
    text = compose_note(content, frontmatter)
    from ..kiln_writer import check_note_id

    check_note_id(path)
    guard_plugin_notes(ctx, path, text, "kiln.write")
    ctx.writes.write(path, text)
    return {"path": path}


def delete(ctx, path):
    note_id = ctx.note_id(path)
    guard_plugin_notes(ctx, note_id, None, "kiln.delete")
    ctx.writes.delete(note_id)
    return {"path": note_id}


FUNCTIONS = (
    HostFunction("kiln", "read", "Read a note: its content, body, frontmatter, tags and resolved links.",
                 (Param("path", STR, "note id or link target"),),
                 "{path, title, content, body, frontmatter, tags, links}", "kiln.read", read,
                 example='local n = kiln.read("Welcome.md")\nprint(n.title)'),
    HostFunction("kiln", "list", "List notes, optionally by folder, tag and frontmatter properties.",
                 (Param("opts", OPTS, "{folder, recursive=true, tag, where, glob}", required=False),),
                 "[{path, title}] sorted by path", "kiln.read", list_notes,
                 example='for _, n in ipairs(kiln.list({folder = "npcs"})) do print(n.path) end'),
    HostFunction("kiln", "search", "Full-text search (BM25) over titles, bodies, tags and frontmatter.",
                 (Param("query", STR), Param("opts", OPTS, "{limit=10, tag, path}", required=False)),
                 "[{path, title, score, snippet}] best first", "kiln.read", search,
                 example='local hits = kiln.search("dragon", {limit = 3})'),
    HostFunction("kiln", "links", "Notes this note links to (resolved; dangling targets included by name).",
                 (Param("path", STR),), "[{path, title}]", "kiln.read", links,
                 example='local out = kiln.links("Welcome.md")'),
    HostFunction("kiln", "backlinks", "Notes that link to this note.",
                 (Param("path", STR),), "[{path, title}]", "kiln.read", backlinks,
                 example='local inc = kiln.backlinks("Welcome.md")'),
    HostFunction("kiln", "query", "Property search: AND across keys, OR within a list value.",
                 (Param("opts", OPTS, "{tags, where}", required=False),), "[{path, title}]",
                 "kiln.read", query, example='local npcs = kiln.query({where = {type = "npc"}})'),
    HostFunction("kiln", "write", "Create or replace a note inside the kiln (atomic; applied when the call succeeds).",
                 (Param("path", STR, "kiln-relative path ending in .md"), Param("content", STR, "body text"),
                  Param("frontmatter", OPTS, "optional frontmatter table", required=False)),
                 "{path}", "kiln.write", write,
                 example='kiln.write("scratch/hello.md", "Hello", {tags = {"demo"}})'),
    HostFunction("kiln", "delete", "Delete a note (applied when the call succeeds).",
                 (Param("path", STR),), "{path}", "kiln.write", delete,
                 example='kiln.delete("scratch/hello.md")'),
)
