"""Plugin note templates behind ``cru plugins new NAME --lang lua|rune``.

A template is a complete plugin note: a manifest, one tool that reads a note through the host
API, prose that says where to go next, and a test that passes as generated (it reads the new
note itself, which exists in every kiln the test runs in). Templates are data, one per
language, keyed like the runtimes in ``kiln.RUNTIMES``.
"""

from __future__ import annotations

import os

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .manifest import NAME_PATTERN

__all__ = ["PluginTemplate", "TEMPLATES", "tool_name_for", "render_plugin", "create_plugin"]

# Words that cannot name a global function in Lua or a `pub fn` in Rune.
RESERVED = frozenset(
    "and break do else elseif end false for function goto if in local nil not or repeat return then "
    "true until while as async await const continue crate enum extern fn impl let loop match mod move "
    "mut pub ref select self static struct super trait type use where yield".split())


@dataclass(frozen=True, slots=True)
class PluginTemplate:
    """The code and test fences of a new plugin in one language."""

    language: str
    """``lua`` or ``rune`` (the fence info string and the manifest's ``language``)."""
    code: str
    """The plugin's code fence body; ``{tool}`` is replaced by the tool name."""
    test: str
    """The test fence body; ``{tool}`` and ``{path}`` (the note id) are replaced."""
    guide: str
    """Where the authoring guide for this language lives."""


TEMPLATES: dict[str, PluginTemplate] = {
    "lua": PluginTemplate(
        language="lua",
        code='''-- A tool is a global function with the tool's name; `args` holds the validated arguments.
function {tool}(args)
  local note = kiln.read(args.path)
  local words = 0
  for _ in note.body:gmatch("%S+") do words = words + 1 end
  return {{path = note.path, title = note.title, words = words, links = #note.links}}
end''',
        test='''local r = {tool}({{path = "{path}"}})
assert_eq(r.path, "{path}")
assert(r.words > 10, "this note has more than ten words")''',
        guide="docs/authoring-lua.md",
    ),
    "rune": PluginTemplate(
        language="rune",
        code='''// A tool is a `pub fn` with the tool's name; `args` is an object of the validated arguments.
pub fn {tool}(args) {{
    let note = kiln::read(args.path);
    let words = note.body.split_whitespace().count();
    #{{path: note.path, title: note.title, words: words, links: note.links.len()}}
}}''',
        test='''#[test]
fn reads_this_very_note() {{
    let r = {tool}(#{{path: "{path}"}});
    assert_eq!(r.path, "{path}");
    assert!(r.words > 10);
}}''',
        guide="docs/authoring-rune.md",
    ),
}

NOTE = '''---
type: plugin
name: {name}
version: 0.1.0
description: {title} — describe what it does in one line.
language: {language}
permissions: [kiln.read]
tools:
  {tool}:
    description: Count the words and links of a note.
    parameters:
      type: object
      properties:
        path: {{type: string, description: Note id or link target, e.g. Home.md}}
      required: [path]
      additionalProperties: false
tags: [plugin]
---
# {title}

A new plugin. Its manifest is the frontmatter above; its code is the ```` ```{language} ````
fence below, and the ```` ```{language} test ```` fence is its test. Change the tool, then:

    cru plugins validate {path}
    cru plugins test {name}
    cru run {tool} path=Home.md

Need more than reading notes? Add capabilities to `permissions:` (`state`, `tools.call`,
`kiln.write` — the last asks for approval). The guide is `{guide}` and every host function is
listed in `docs/api.md`.

```{language}
{code}
```

```{language} test
{test}
```
'''


def tool_name_for(name: str) -> str:
    """The tool (and function) name a plugin name gives: ``word-count`` → ``word_count``."""
    tool = name.replace("-", "_")
    if tool[:1].isdigit():
        tool = "tool_" + tool
    if tool in RESERVED:
        tool += "_tool"
    return tool


def _check_name(name: str) -> None:
    if not re.match(NAME_PATTERN, name) or len(name) > 64:
        raise UsageError(f"plugin name '{name}' must be kebab-case: lower-case letters and digits "
                         "joined by single hyphens (e.g. word-count)")


def render_plugin(name: str, language: str, note_id: str | None = None) -> str:
    """The text of a new plugin note named ``name`` in ``language``."""
    _check_name(name)
    template = TEMPLATES.get(language)
    if template is None:
        raise UsageError(f"unknown language '{language}' (choose: {', '.join(TEMPLATES)})")
    tool = tool_name_for(name)
    path = note_id or f"plugins/{name}.md"
    fill = {"tool": tool, "path": path}
    return NOTE.format(name=name, title=name.replace("-", " ").capitalize(), language=language, tool=tool,
                       path=path, guide=template.guide, code=template.code.format(**fill),
                       test=template.test.format(**fill))


def create_plugin(root: Path, name: str, language: str, *, folder: str = "plugins", force: bool = False) -> Path:
    """Write ``<folder>/<name>.md`` into the kiln at ``root``; returns the new file."""
    folder = folder.strip("/")
    note_id = f"{folder}/{name}.md" if folder else f"{name}.md"
    text = render_plugin(name, language, note_id)
    from .kiln_writer import KilnWriter

    target = Path(root) / note_id
    if os.path.lexists(target) and not force:
        raise UsageError(f"{note_id} exists (use --force to replace it)")
    # Through the confined writer: no symlink along the path (a clone could plant
    # plugins/NAME.md -> somewhere outside), atomic, parent folders created.
    txn = KilnWriter(root).transaction()
    txn.write(note_id, text)
    txn.commit()
    return target
