"""``PluginSpec``: a plugin note read as a plugin — manifest, code, tests, diagnostics (DESIGN §4).

:func:`load_spec` never raises for a bad note; it returns a spec with ``valid=False`` and every
problem found, each on its line in the note. Checks that need the other plugins (``requires:``)
are made by :mod:`kiln_plugins.discovery`, which sees them all.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from .capabilities import DEFAULT_PERMISSIONS
from .errors import Diagnostic
from .limits import LIMIT_NAMES, SYSTEM_MAXIMUMS, Limits, resolve_limits
from .manifest import (DEFAULT_VERSION, SCOPED_PERMISSIONS, TOOL_NAME_PATTERN, frontmatter_block,
                       line_of, manifest_json, validate_manifest, yaml_key_lines)
from .model import CodeChunk, Fence, Note
from .semver import VersionRange, parse_requirement

__all__ = ["Permission", "ToolSpec", "Requirement", "PluginSpec", "LANGUAGES", "SOURCES",
           "load_spec", "is_plugin_note", "code_hash"]

LANGUAGES = ("lua", "rune")
SOURCES = ("kiln", "user", "system")
_TYPE_PLUGIN_LINE = re.compile(r"(?m)^type[ \t]*:[ \t]*['\"]?plugin['\"]?[ \t]*(#.*)?$")
_NAME_LINE = re.compile(r"(?m)^name[ \t]*:[ \t]*['\"]?([a-z0-9][a-z0-9-]*)['\"]?[ \t]*(#.*)?$")
# How a tool named NAME is defined (the load-time check in the runtime is the definitive one).
_FUNCTION_PATTERNS = {
    "lua": (r"(?m)^[ \t]*function[ \t]+{name}[ \t]*\(", r"(?m)^[ \t]*{name}[ \t]*=[ \t]*function\b"),
    "rune": (r"\bpub[ \t]+fn[ \t]+{name}[ \t]*\(",),
}
_FUNCTION_HINT = {"lua": "function {name}(args)", "rune": "pub fn {name}(args)"}


@dataclass(frozen=True, slots=True)
class Permission:
    """One declared capability (DESIGN §7), with its scope for ``net`` and ``fs.read``."""

    name: str
    """``kiln.read``, ``state``, ``tools.call``, ``kiln.write``, ``plugins.write``, ``net``,
    ``fs.read``."""
    scope: tuple[str, ...] = ()
    """Hosts for ``net``, folders for ``fs.read``; empty for the others."""

    def to_json(self) -> Any:
        """As written in the manifest: ``"state"`` or ``{"net": ["example.org"]}``."""
        return {self.name: list(self.scope)} if self.name in SCOPED_PERMISSIONS else self.name


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool a plugin declares; implemented by the function of the same name in its code."""

    name: str
    """Tool name, also the function name (``roll_dice``)."""
    description: str
    """What it does, for people and agents."""
    parameters: dict = field(hash=False)
    """JSON Schema (``type: object``) of the arguments object."""
    line: int
    """Frontmatter line of the tool's key."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """An entry of ``requires:``: another plugin whose code loads before this one's."""

    name: str
    """Required plugin name."""
    range: VersionRange
    """Accepted versions (empty range: any)."""
    text: str
    """The entry as written (``rng-utils>=1.0``)."""
    line: int
    """Frontmatter line of the entry."""


@dataclass(frozen=True, slots=True)
class PluginSpec:
    """Everything about one plugin note that later stages need; ``valid`` says if it may run."""

    name: str
    """Kebab-case plugin name (the note stem when the manifest has none)."""
    version: str
    """Semver string as written, ``0.1.0`` by default."""
    description: str
    """One-line description ('' when absent)."""
    language: str
    """``lua`` or ``rune`` ('' when it cannot be told)."""
    permissions: tuple[Permission, ...]
    """Declared capabilities; ``(kiln.read,)`` when the manifest has no ``permissions:``."""
    requires: tuple[Requirement, ...]
    """Plugins whose code loads first, in manifest order."""
    limits: Limits
    """Per-call limits: defaults overlaid with the manifest's valid ``limits:``."""
    tools: tuple[ToolSpec, ...]
    """Declared tools in manifest order."""
    code: tuple[CodeChunk, ...]
    """``lua``/``rune`` fences in document order."""
    tests: tuple[CodeChunk, ...]
    """``lua test``/``rune test`` fences, named ``test 1``, ``test 2``…"""
    note_id: str
    """Note id (kiln-relative for kiln plugins, relative to its folder for the others)."""
    file: Path | None
    """Absolute path of the note file (None for a note that exists only in memory)."""
    source: str
    """``kiln``, ``user`` or ``system``."""
    generated_by: str | None
    """Frontmatter ``generated_by`` (the agent that wrote the plugin), if any."""
    code_hash: str
    """sha256 hex over the canonical manifest JSON and the code; any edit to either changes it."""
    diagnostics: tuple[Diagnostic, ...]
    """Every problem found, ordered by line."""
    valid: bool
    """True when no diagnostic is an error."""
    manifest: dict = field(default_factory=dict, hash=False, compare=False)
    """The frontmatter as JSON values."""
    name_line: int = 1
    """Frontmatter line of ``name:`` (1 when absent)."""

    def to_dict(self, *, shadowed: bool = False) -> dict:
        """The ``cru plugins list --json`` entry (DESIGN §10)."""
        return {
            "name": self.name, "version": self.version, "description": self.description,
            "source": self.source,
            "path": self.note_id if self.source == "kiln" or self.file is None else str(self.file),
            "language": self.language, "tools": [t.name for t in self.tools],
            "permissions": [p.to_json() for p in self.permissions], "valid": self.valid,
            "shadowed": shadowed,
            "errors": [str(d) for d in self.diagnostics if d.severity == "error"],
            "generated_by": self.generated_by,
        }


def is_plugin_note(note: Note) -> bool:
    """True for ``type: plugin`` notes and for notes whose frontmatter fails but says so."""
    if note.is_plugin:
        return True
    if note.frontmatter:
        return False
    block = frontmatter_block(note.content)
    return block is not None and bool(_TYPE_PLUGIN_LINE.search(block[0]))


RESERVED_NAMES = {
    "agent": "it is how `cru plugins approve agent` lets MCP agents write plugins",
    "builtin": "built-in tools act under it in approvals and the audit log",
    "eval": "`cru eval` snippets run as it",
}
"""Names the host uses for itself: a plugin called so would share their approvals or state."""


def code_hash(manifest: Mapping[str, Any], code: tuple[CodeChunk, ...]) -> str:
    """sha256 over the canonical manifest JSON and each code chunk (length-prefixed)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(manifest_json(dict(manifest)), sort_keys=True, ensure_ascii=False,
                             separators=(",", ":"), default=str).encode())
    for chunk in code:
        data = chunk.source.encode()
        digest.update(b"\0%d\0" % len(data) + data)
    return digest.hexdigest()


def _fence_role(fence: Fence) -> tuple[str, str] | None:
    """(language, "code" | "test") for plugin fences; None for documentation fences."""
    words = fence.info.split()
    if len(words) == 1 and words[0] in LANGUAGES:
        return words[0], "code"
    if len(words) == 2 and words[0] in LANGUAGES and words[1] == "test":
        return words[0], "test"
    return None


def _language(stated: Any, fences: list[tuple[Fence, str, str]],
              path: str) -> tuple[str, list[Diagnostic]]:
    """The plugin's one language and a diagnostic for each fence in another one."""
    language = stated if stated in LANGUAGES else ""
    if not language and fences:
        coded = [lang for _, lang, role in fences if role == "code"]
        language = coded[0] if coded else fences[0][1]
    problems = []
    for fence, lang, _ in fences:
        if lang != language:
            why = ("language is " + language if stated in LANGUAGES
                   else f"plugin mixes {language} and {lang}")
            problems.append(Diagnostic(path, fence.start_line,
                                       f"{lang} fence in a {language} plugin ({why}; "
                                       "one language per plugin)"))
    return language, problems


def _code_problems(language: str, code: list[CodeChunk], tests: list[CodeChunk],
                   tools: tuple[ToolSpec, ...], note: Note, path: str) -> list[Diagnostic]:
    if not code:
        if tests:
            return [Diagnostic(path, tests[0].first_line - 1,
                               f"plugin has {language} test fences but no {language} code")]
        return [Diagnostic(path, note.body_line,
                           "plugin has no code: add a ```lua or ```rune fence")]
    source = "\n".join(chunk.source for chunk in code)
    problems = []
    for tool in tools:
        if not re.fullmatch(TOOL_NAME_PATTERN, tool.name):
            continue  # reported by validate_manifest; no function can have that name
        name = re.escape(tool.name)
        if not any(re.search(p.format(name=name), source) for p in _FUNCTION_PATTERNS[language]):
            hint = _FUNCTION_HINT[language].format(name=tool.name)
            problems.append(Diagnostic(path, tool.line, f"tool '{tool.name}' has no function: "
                                                        f"define `{hint}` in the {language} code"))
    return problems


def _permissions(raw: Any) -> tuple[Permission, ...]:
    if raw is None:
        return tuple(Permission(name) for name in DEFAULT_PERMISSIONS)
    found = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, str):
            found.append(Permission(item))
        elif isinstance(item, dict) and len(item) == 1:
            (name, scope), = item.items()
            if isinstance(scope, list):
                found.append(Permission(str(name), tuple(str(s) for s in scope)))
    return tuple(found)


def _tools(raw: Any, lines: Mapping[str, int]) -> tuple[ToolSpec, ...]:
    if not isinstance(raw, dict):
        return ()
    tools = []
    for name, body in raw.items():
        body = body if isinstance(body, dict) else {}
        parameters = body.get("parameters")
        if not isinstance(parameters, dict):
            parameters = {"type": "object", "properties": {}}
        description = body.get("description")
        tools.append(ToolSpec(str(name), description if isinstance(description, str) else "",
                              parameters, line_of(lines, ["tools", name])))
    return tuple(tools)


def _requirements(raw: Any, lines: Mapping[str, int]) -> tuple[Requirement, ...]:
    found = []
    for index, text in enumerate(raw if isinstance(raw, list) else []):
        try:
            name, accepted = parse_requirement(text)
        except ValueError:
            continue  # reported by validate_manifest
        found.append(Requirement(name, accepted, text, line_of(lines, ["requires", index])))
    return tuple(found)


def _limits(raw: Any, maximums: Limits) -> Limits:
    if not isinstance(raw, dict):
        return resolve_limits(None)
    usable = {k: v for k, v in raw.items() if k in LIMIT_NAMES and type(v) is int
              and 0 < v <= getattr(maximums, k)}
    return resolve_limits(usable, maximums)


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def load_spec(note: Note, *, file: Path | None = None, source: str = "kiln",
              maximums: Limits = SYSTEM_MAXIMUMS, path: str | None = None) -> PluginSpec:
    """Read a plugin note into a :class:`PluginSpec`; problems become diagnostics, never raises.

    ``path`` is what diagnostics and code chunks name (default: ``note.id``); discovery passes
    the absolute file for user and system plugins so their errors are unambiguous.
    """
    path = path or note.id
    own_diagnostics = tuple(replace(d, path=path) if d.path == note.id else d
                            for d in note.diagnostics)
    block = frontmatter_block(note.content)
    own_lines, duplicates = yaml_key_lines(*block) if block else ({}, [])
    lines = {**note.frontmatter_lines, **own_lines}  # own: the last of duplicate keys, as YAML
    fm = note.frontmatter
    diagnostics: list[Diagnostic] = list(own_diagnostics)
    # The parser keeps ``type: plugin`` of a block that failed, with no key lines: broken.
    broken = not note.is_plugin or not note.frontmatter_lines
    if broken:
        if not is_plugin_note(note):
            diagnostics.append(Diagnostic(path, 1, "not a plugin note (no 'type: plugin')"))
        elif own_diagnostics:
            # A parse warning on a plain note is an error on a plugin note (DESIGN §4).
            diagnostics = [replace(d, severity="error") for d in own_diagnostics]
        else:
            diagnostics.append(Diagnostic(path, 1, "plugin frontmatter does not parse"))
        named = _NAME_LINE.search(block[0]) if block else None
        fm = {"name": named.group(1) if named else note.stem}
    else:
        diagnostics.extend(validate_manifest(fm, lines, path, duplicates=duplicates,
                                             maximums=maximums))
        reserved = RESERVED_NAMES.get(_text(fm.get("name"), note.stem))
        if reserved:
            diagnostics.append(Diagnostic(path, line_of(lines, ["name"]) or 1,
                                          f"name '{_text(fm.get('name'), note.stem)}' is reserved ({reserved}); "
                                          f"choose another"))
    plugin_fences = note.fences if is_plugin_note(note) else ()  # other notes never run
    fences = [(fence, *role) for fence in plugin_fences if (role := _fence_role(fence))]
    language, mixed = _language(fm.get("language"), fences, path)
    code, tests = [], []
    for fence, lang, role in fences:
        if lang != language:
            continue
        if role == "code":
            code.append(CodeChunk(fence.content, path, fence.code_line))
        else:
            tests.append(CodeChunk(fence.content, path, fence.code_line, f"test {len(tests) + 1}"))
    tools = _tools(fm.get("tools"), lines)
    if not broken:
        diagnostics.extend(mixed)
        diagnostics.extend(_code_problems(language or "lua", code, tests, tools, note, path))
    diagnostics.sort(key=lambda d: (d.line, d.message))
    manifest = manifest_json(dict(fm))
    return PluginSpec(
        name=_text(fm.get("name"), note.stem), version=_text(fm.get("version"), DEFAULT_VERSION),
        description=_text(fm.get("description")), language=language,
        permissions=_permissions(fm.get("permissions")),
        requires=_requirements(fm.get("requires"), lines),
        limits=_limits(fm.get("limits"), maximums), tools=tools, code=tuple(code),
        tests=tuple(tests), note_id=note.id, file=file, source=source,
        generated_by=fm.get("generated_by") if isinstance(fm.get("generated_by"), str) else None,
        code_hash=code_hash(manifest, tuple(code)), diagnostics=tuple(diagnostics),
        valid=not any(d.severity == "error" for d in diagnostics), manifest=manifest,
        name_line=line_of(lines, ["name"]),
    )
