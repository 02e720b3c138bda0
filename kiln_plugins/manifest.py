"""The plugin manifest (a plugin note's frontmatter, DESIGN §4): its JSON Schema and validation.

:data:`MANIFEST_SCHEMA` is a Draft 2020-12 schema of the manifest itself, usable by editors.
:func:`validate_manifest` checks a manifest against it plus what a schema cannot say (semver,
requirement syntax, limits above the system maximum, tool parameter schemas, duplicate YAML
keys) and turns every problem into a :class:`Diagnostic` on the line of the offending key.

Besides the plugin keys, a plugin note may carry these ordinary note keys (:data:`NOTE_KEYS`):
``tags``, ``aliases``, ``cssclasses`` (string or list of strings), ``title``, ``author``,
``license``, ``homepage``, ``generated_by`` (strings) and ``created``, ``updated`` (dates or
strings). Any other key is an error, so a typo such as ``permisions`` never silently drops
a setting.
"""

from __future__ import annotations

import datetime as _dt
import difflib
from typing import Any, Iterable, Mapping

import jsonschema
import yaml

from .capabilities import CAPABILITIES
from .errors import Diagnostic
from .limits import LIMIT_NAMES, SYSTEM_MAXIMUMS, Limits
from .semver import parse_requirement, parse_version

__all__ = [
    "MANIFEST_SCHEMA",
    "NOTE_KEYS",
    "PERMISSION_NAMES",
    "SCOPED_PERMISSIONS",
    "DEFAULT_VERSION",
    "manifest_json",
    "frontmatter_block",
    "yaml_key_lines",
    "line_of",
    "validate_manifest",
]

DEFAULT_VERSION = "0.1.0"
# Both come from the one capability table, so the manifest can never drift from it.
PERMISSION_NAMES = tuple(c.name for c in CAPABILITIES if c.scope is None)
SCOPED_PERMISSIONS = {c.name: c.scope for c in CAPABILITIES if c.scope is not None}
NOTE_KEYS = ("tags", "aliases", "cssclasses", "title", "author", "license", "homepage",
             "generated_by", "created", "updated")
NAME_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
TOOL_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"

_STRINGS = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_SCOPE = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}

MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "kiln plugin manifest",
    "description": "The frontmatter of a plugin note (DESIGN §4).",
    "type": "object",
    "required": ["type", "name"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": "plugin"},
        "name": {"type": "string", "pattern": NAME_PATTERN, "maxLength": 64},
        "version": {"type": "string", "default": DEFAULT_VERSION,
                    "description": "semver MAJOR.MINOR.PATCH[-pre][+build]"},
        "description": {"type": "string"},
        "language": {"enum": ["lua", "rune"]},
        "permissions": {"type": "array", "items": {"$ref": "#/$defs/permission"},
                        "default": ["kiln.read"]},
        "requires": {"type": "array", "items": {"type": "string"},
                     "description": "plugin names with an optional semver range: name>=1.0"},
        "limits": {"type": "object", "propertyNames": {"enum": list(LIMIT_NAMES)},
                   "additionalProperties": {"type": "integer", "minimum": 1}},
        "tools": {"type": "object", "propertyNames": {"pattern": TOOL_NAME_PATTERN},
                  "additionalProperties": {"$ref": "#/$defs/tool"}},
        **{key: _STRINGS for key in ("tags", "aliases", "cssclasses")},
        **{key: {"type": "string"} for key in ("title", "author", "license", "homepage",
                                                "generated_by", "created", "updated")},
    },
    "$defs": {
        "permission": {"oneOf": [
            {"enum": list(PERMISSION_NAMES)},
            {"type": "object", "minProperties": 1, "maxProperties": 1,
             "additionalProperties": False,
             "properties": {name: _SCOPE for name in SCOPED_PERMISSIONS}},
        ]},
        "tool": {
            "type": "object",
            "required": ["description"],
            "additionalProperties": False,
            "properties": {
                "description": {"type": "string"},
                "title": {"type": "string"},
                "parameters": {"type": "object",
                               "description": "JSON Schema (type: object) of the arguments"},
            },
        },
    },
}

_VALIDATOR = jsonschema.Draft202012Validator(MANIFEST_SCHEMA)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TYPE_WORDS = {"string": "a string", "array": "a list", "object": "a mapping",
               "integer": "an integer", "number": "a number", "boolean": "true or false"}


def manifest_json(value: Any) -> Any:
    """The frontmatter as plain JSON values: YAML dates become ISO strings, keys strings."""
    if isinstance(value, Mapping):
        return {str(k): manifest_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [manifest_json(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def frontmatter_block(content: str) -> tuple[str, int] | None:
    """The YAML text between the leading ``---`` lines and its first line number, or None."""
    lines = content.split("\n")
    if not lines or lines[0].lstrip("\ufeff").rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            return "\n".join(lines[1:index]), 2
    return None


def yaml_key_lines(text: str, first_line: int = 1) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Dotted key path -> line for every key and list item, plus duplicate keys as (path, line).

    PyYAML keeps the last of two equal keys without a word; the composed node tree still has
    both, which is how duplicates are found. Text that does not compose yields ({}, []).
    """
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except (yaml.YAMLError, RecursionError):
        return {}, []
    lines: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    walked: set[int] = set()

    def walk(node: yaml.Node, prefix: str) -> None:
        if id(node) in walked:  # an alias: walked where its anchor was (no alias-bomb blow-up)
            return
        walked.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                path = f"{prefix}.{key}" if prefix else key
                line = first_line + key_node.start_mark.line
                if key in seen:  # YAML keeps the last value, so its line is the one that counts
                    duplicates.append((path, line))
                lines[path] = line
                seen.add(key)
                walk(value_node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                path = f"{prefix}.{index}" if prefix else str(index)
                lines.setdefault(path, first_line + item.start_mark.line)
                walk(item, path)

    if root is not None:
        walk(root, "")
    return lines, duplicates


def line_of(lines: Mapping[str, int], path: Iterable[Any], default: int = 1) -> int:
    """The line of the deepest known key along ``path`` (falls back to parents, then default)."""
    parts = [str(p) for p in path]
    while parts:
        line = lines.get(".".join(parts))
        if line:
            return line
        parts.pop()
    return default


def _describe(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else str(value)


def _where(path: list) -> str:
    return ".".join(str(p) for p in path)


def _permission_problem(item: Any) -> str:
    if isinstance(item, str):
        if item in SCOPED_PERMISSIONS:
            what = SCOPED_PERMISSIONS[item]
            return f"permission '{item}' needs a list of {what}: {{{item}: [...]}}"
        return f"unknown permission '{item}'"
    if isinstance(item, dict) and len(item) == 1:
        (key, value), = item.items()
        if key not in SCOPED_PERMISSIONS:
            return f"unknown permission '{key}'"
        return f"permission '{key}' needs a non-empty list of {SCOPED_PERMISSIONS[key]}"
    return ("a permission must be a name or {net: [...]} / {fs.read: [...]}, not "
            + _describe(item))


def _schema_problems(error: jsonschema.ValidationError) -> list[tuple[list, str]]:
    """(path, message) pairs for one schema error; path points at the offending key."""
    path = list(error.absolute_path)
    kind, instance = error.validator, error.instance
    if path[:1] == ["permissions"] and len(path) == 2:
        return [(path, _permission_problem(instance))]
    if kind == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        problems = []
        for key in instance:
            if key in known:
                continue
            hint = difflib.get_close_matches(str(key), known, n=1)
            tail = f" (did you mean '{hint[0]}'?)" if hint else ""
            scope = f" in tool '{path[1]}'" if path[:1] == ["tools"] and len(path) == 2 else ""
            problems.append((path + [key], f"unknown key '{key}'{scope}{tail}"))
        return problems
    if "propertyNames" in error.relative_schema_path:
        if path == ["limits"]:
            return [(path + [instance], f"unknown limit '{instance}' (known: "
                     + ", ".join(LIMIT_NAMES) + ")")]
        return [(path + [instance], f"tool name '{instance}' is not an identifier "
                 "(letters, digits and _, not starting with a digit)")]
    if kind == "required":
        missing = [key for key in error.validator_value if key not in instance]
        if path[:1] == ["tools"] and len(path) == 2:
            return [(path, f"tool '{path[1]}' needs a {key}") for key in missing]
        return [(path, f"missing key '{key}'") for key in missing]
    if path == ["version"] and kind == "type":
        return [(path, f"version {_describe(instance)} is not semver: write it as a string "
                       "like 1.2.0")]
    if path[:1] == ["limits"] and len(path) == 2:
        return [(path, f"limit {path[1]} must be a positive integer, not {_describe(instance)}")]
    if kind == "type":
        wanted = error.validator_value
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in (
            wanted if isinstance(wanted, list) else [wanted]))
        return [(path, f"{_where(path)} must be {words}, not {_describe(instance)}")]
    if path[:1] in (["tags"], ["aliases"], ["cssclasses"]):
        return [(path[:1], f"{path[0]} must be a string or a list of strings")]
    if path == ["name"] and kind == "pattern":
        return [(path, f"name {instance!r} is not kebab-case (lower-case letters, digits and "
                       "single hyphens)")]
    if path == ["language"]:
        return [(path, f"language must be lua or rune, not {_describe(instance)}")]
    return [(path, f"{_where(path) or 'manifest'}: {error.message}")]


def _extra_problems(manifest: dict, maximums: Limits) -> list[tuple[list, str]]:
    """Checks the schema cannot express, run on the parts whose shape is already right."""
    problems: list[tuple[list, str]] = []
    version = manifest.get("version")
    if isinstance(version, str):
        try:
            parse_version(version)
        except ValueError:
            problems.append((["version"], f"version '{version}' is not semver "
                                           "(MAJOR.MINOR.PATCH, e.g. 1.2.0)"))
    requires = manifest.get("requires")
    if isinstance(requires, list):
        for index, entry in enumerate(requires):
            if not isinstance(entry, str):
                continue
            try:
                name, _ = parse_requirement(entry)
            except ValueError as exc:
                problems.append((["requires", index], str(exc)))
                continue
            if name == manifest.get("name"):
                problems.append((["requires", index], f"plugin '{name}' requires itself"))
    limits = manifest.get("limits")
    if isinstance(limits, dict):
        for key, value in limits.items():
            if key in LIMIT_NAMES and type(value) is int and value > getattr(maximums, key):
                problems.append((["limits", key], f"limit {key} = {value} is above the system "
                                                  f"maximum {getattr(maximums, key)}"))
    tools = manifest.get("tools")
    if isinstance(tools, dict):
        for name, tool in tools.items():
            parameters = tool.get("parameters") if isinstance(tool, dict) else None
            if isinstance(parameters, dict):
                problems.extend(_parameter_problems(str(name), parameters))
    return problems


def _parameter_problems(tool: str, parameters: dict) -> list[tuple[list, str]]:
    base = ["tools", tool, "parameters"]
    try:
        jsonschema.Draft202012Validator.check_schema(parameters)
    except jsonschema.SchemaError as exc:
        inner = list(exc.absolute_path)
        at = f" at {_where(inner)}" if inner else ""
        return [(base + inner, f"tool '{tool}' parameters is not a valid JSON Schema{at}: "
                               f"{exc.message}")]
    if parameters.get("type") != "object":
        found = parameters.get("type")
        return [(base, f"tool '{tool}' parameters must be an object schema (type: object), "
                       f"not {'no type' if found is None else 'type ' + _describe(found)}")]
    return []


def validate_manifest(manifest: Mapping[str, Any], lines: Mapping[str, int], path: str, *,
                      duplicates: Iterable[tuple[str, int]] = (),
                      maximums: Limits = SYSTEM_MAXIMUMS) -> list[Diagnostic]:
    """Every problem of a manifest as diagnostics on the line of the offending key, by line."""
    data = manifest_json(dict(manifest))
    problems: list[tuple[list, str]] = []
    for error in _VALIDATOR.iter_errors(data):
        problems.extend(_schema_problems(error))
    problems.extend(_extra_problems(data, maximums))
    found = {Diagnostic(path, line_of(lines, where), message) for where, message in problems}
    found.update(Diagnostic(path, line, f"duplicate key '{key}'") for key, line in duplicates)
    return sorted(found, key=lambda d: (d.line, d.message))
