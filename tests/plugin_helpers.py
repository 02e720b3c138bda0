"""Writing small plugin notes in tests."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import write_note


def plugin_note(name: str, code: str, *, tools: dict | None = None, permissions=None, language: str = "lua",
                limits: dict | None = None, tests: list[str] = (), extra: dict | None = None) -> str:
    """The text of a plugin note; ``tools`` defaults to one tool ``run`` taking any object."""
    manifest = {"type": "plugin", "name": name, "version": "1.0.0", "description": f"test plugin {name}"}
    if permissions is not None:
        manifest["permissions"] = permissions
    if limits:
        manifest["limits"] = limits
    manifest["tools"] = tools or {"run": {"description": "run", "parameters": {"type": "object"}}}
    manifest.update(extra or {})
    head = yaml.safe_dump(manifest, sort_keys=False)
    body = f"---\n{head}---\n# {name}\n\n```{language}\n{code.strip()}\n```\n"
    for t in tests:
        body += f"\n```{language} test\n{t.strip()}\n```\n"
    return body


def add_plugin(root: Path, name: str, code: str, **kw) -> Path:
    """Write ``plugins/<name>.md`` into the kiln at ``root``."""
    return write_note(root, f"plugins/{name}.md", plugin_note(name, code, **kw))
