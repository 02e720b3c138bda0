"""Tools for agents (DESIGN §11): inspect, test, create and update plugin notes, ask for capabilities.

They run inside a worker process against its own open Kiln, like every other call. Writing a
plugin note needs ``plugins.write`` approved for the pseudo-plugin ``agent`` — the person runs
``cru plugins approve agent`` once per kiln (the approval lives in the user data folder, keyed
by kiln root, never in the kiln). A note an agent writes carries ``generated_by: <client>`` in
its frontmatter, and its own risky capabilities stay pending until the person approves them.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable

from .capabilities import approve_command, capability
from .errors import ApprovalRequired, KilnError, UsageError
from .manifest import NAME_PATTERN
from .tools import annotations_for

__all__ = ["AgentTool", "AGENT_TOOLS", "AGENT", "AGENT_CODE_HASH", "run_agent_tool", "approve_agent",
           "agent_approved", "with_generated_by"]

AGENT = "agent"
"""The pseudo-plugin agent tools act as (approvals, audit rows)."""
AGENT_CODE_HASH = "agent-tools-1"
"""Stands in for a code hash in the agent's approval key; bumped if the agent tools' powers change."""
_GENERATED_BY = re.compile(r"generated_by[ \t]*:")


@dataclass(frozen=True, slots=True)
class AgentTool:
    """An agent tool as the MCP server lists it."""

    name: str
    """Tool name."""
    description: str
    """For the agent."""
    input_schema: dict
    """JSON Schema of the arguments."""
    annotations: dict
    """MCP annotations."""
    impl: Callable[[Any, dict, str], Any]
    """``impl(kiln, args, client)``."""


# -- approval of the agent pseudo-plugin ------------------------------------------------------
def agent_approved(kiln) -> bool:
    """Whether the person approved ``plugins.write`` for agents in this kiln."""
    return kiln.approvals.is_granted(kiln.root, AGENT, "plugins.write", AGENT_CODE_HASH)


def approve_agent(kiln) -> None:
    """Grant ``plugins.write`` to agents in this kiln (what ``cru plugins approve agent`` does)."""
    kiln.approvals.grant(kiln.root, AGENT, "plugins.write", AGENT_CODE_HASH)


def _require_agent_approval(kiln) -> None:
    if not agent_approved(kiln):
        command = f"cru plugins approve {AGENT}"
        raise ApprovalRequired(f"agents need 'plugins.write' to write plugin notes in this kiln; "
                               f"the person approves it with `{command}`",
                               plugin=AGENT, capability="plugins.write", command=command)


# -- note text --------------------------------------------------------------------------------
def _frontmatter_end(lines: list[str]) -> int:
    # The same fences the note parser accepts (``---`` plus trailing blanks): a closing line the
    # parser sees but this did not would put the mark in the body and hide who wrote the note.
    if not lines or lines[0].rstrip(" \t\r\n") != "---":
        raise UsageError("plugin note must start with a '---' frontmatter line", path="(note)", line=1)
    for i in range(1, len(lines)):
        if lines[i].rstrip(" \t\r\n") == "---":
            return i
    raise UsageError("plugin note frontmatter is not closed with '---'", path="(note)", line=1)


def with_generated_by(text: str, client: str) -> str:
    """``text`` with ``generated_by: <client>`` as the frontmatter's last line (replacing any)."""
    # The client names itself: printable characters only (YAML refuses C1 controls; JSON's
    # surrogate-pair escapes of an emoji would not read back as the same name), bounded.
    client = "".join(ch for ch in client if ch.isprintable())[:100].strip() or "mcp-client"
    lines = text.splitlines(keepends=True)
    end = _frontmatter_end(lines)
    keep = [ln for ln in lines[1:end] if not _GENERATED_BY.match(ln)]
    marked = "".join([lines[0], *keep, f"generated_by: {json.dumps(client, ensure_ascii=False)}\n", *lines[end:]])
    from .note import parse_note

    if parse_note("plugins/_new.md", marked).frontmatter.get("generated_by") != client:
        raise UsageError(f"cannot mark the note as generated_by {client!r}: its frontmatter hides "
                         f"or repeats the key; write plain `key: value` lines", path="(note)", line=1)
    return marked


def _spec_of_text(text: str, note_id: str = "plugins/_new.md"):
    from .note import parse_note
    from .plugin_spec import is_plugin_note, load_spec

    note = parse_note(note_id, text)
    if not is_plugin_note(note):
        raise UsageError("not a plugin note (frontmatter has no `type: plugin`)", path="(note)", line=1)
    return load_spec(note, source="kiln")


def _test_report(kiln, text: str, note_id: str) -> dict:
    """Validate and test ``text`` as ``note_id`` in a throwaway copy of the kiln; nothing is saved."""
    from .plugin_tests import run_plugin_tests, throwaway_kiln

    with throwaway_kiln(kiln.root, extra_notes={note_id: text}) as copy:
        spec = next((s for s in copy.plugins.all if s.note_id == note_id), None)
        if spec is None:
            raise UsageError("not a plugin note (frontmatter has no `type: plugin`)", path=note_id, line=1)
        errors = [str(d) for d in spec.diagnostics if d.severity == "error"]
        conflicts = [c for c in copy.registry.conflicts if c.startswith(note_id + ":")]
        results = run_plugin_tests(copy, spec) if spec.valid else []
    tests = [{"name": r.name, "line": r.line, "passed": r.passed, "message": r.message} for r in results]
    failed = [(f"{r.message} ({r.name} failed)" if r.message.startswith(note_id + ":")
               else f"{note_id}:{r.line}: {r.name} failed: {r.message}") for r in results if not r.passed]
    lines = [*errors, *conflicts, *failed]
    ok = spec.valid and not lines
    summary = (f"plugin '{spec.name}': {'valid' if spec.valid else 'invalid'}, "
               f"{sum(r.passed for r in results)} passed, {len(results) - sum(r.passed for r in results)} failed")
    return {"ok": ok, "plugin": spec.name, "path": note_id, "valid": spec.valid, "errors": errors + conflicts,
            "tests": tests, "lines": [summary, *lines]}


# -- the tools --------------------------------------------------------------------------------
def list_plugins(kiln, args: dict, client: str) -> list[dict]:
    """Every plugin with its tools, permissions, validity and origin."""
    return kiln.plugins.to_dict()


def _approvals(kiln, spec) -> dict[str, str]:
    return {cap: ("approved" if kiln.approvals.is_granted(kiln.root, spec.name, cap, kiln.approval_hash(spec))
                  else "pending") for cap in kiln.permissions_of(spec).risky()}


def describe_plugin(kiln, args: dict, client: str) -> dict:
    """Manifest, tools with schemas, source, test results and the approval state of capabilities."""
    name = args["name"]
    spec = kiln.plugins.get(name) or next((s for s in kiln.plugins.all if s.name == name), None)
    if spec is None:
        raise UsageError(f"unknown plugin '{name}' (see list_plugins)")
    info = spec.to_dict(shadowed=kiln.plugins.is_shadowed(spec))
    info["manifest"] = spec.manifest
    info["tools_detail"] = [{"name": t.name, "description": t.description, "input_schema": t.parameters}
                            for t in spec.tools]
    info["source_code"] = "\n".join(c.source for c in spec.code)
    info["capabilities"] = _approvals(kiln, spec) if spec.valid else {}
    if spec.valid and spec.file is not None:
        text = spec.file.read_text(encoding="utf-8")
        report = _test_report(kiln, text, spec.note_id if spec.source == "kiln" else f"_under_test/{spec.name}.md")
        info["tests"] = report["tests"]
    return info


def _new_note_id(spec) -> str:
    """``plugins/NAME.md`` for a kebab-case name; a fixed id otherwise (a name is not a path).

    An invalid name is still reported by validation; it must never reach the file system as
    ``plugins/../../x.md`` on the way.
    """
    return f"plugins/{spec.name}.md" if re.fullmatch(NAME_PATTERN, spec.name) else "plugins/_invalid-name.md"


def test_plugin(kiln, args: dict, client: str) -> dict:
    """Validate a plugin note given as text and run its tests in a throwaway kiln copy."""
    text = args["note"]
    spec = _spec_of_text(text)
    existing = kiln.plugins.get(spec.name)
    note_id = existing.note_id if existing is not None and existing.source == "kiln" else _new_note_id(spec)
    return _test_report(kiln, text, note_id)


def _write_plugin(kiln, text: str, note_id: str, client: str, tool: str) -> dict:
    started = time.time()
    text = with_generated_by(text, client)
    report = _test_report(kiln, text, note_id)
    if not report["ok"]:
        return {**report, "written": False}
    txn = kiln.writer.transaction(None, plugin=AGENT)
    txn.write(note_id, text)
    written = txn.commit()
    kiln.notes_changed(list(written or [note_id]))
    spec = kiln.plugins.get(report["plugin"])
    pending = [cap for cap, state in _approvals(kiln, spec).items() if state == "pending"] if spec else []
    kiln.state.audit.record(plugin=AGENT, tool=tool, version=spec.code_hash if spec else None, caller="mcp",
                            started=started, duration_ms=(time.time() - started) * 1000, outcome="ok",
                            capabilities=[{"capability": "plugins.write", "function": tool, "granted": True}])
    lines = [f"wrote {note_id} (plugin '{report['plugin']}', generated_by {client})"]
    lines += [f"capability '{c}' is pending: the person approves it with `{approve_command(report['plugin'], c)}`"
              for c in pending]
    return {**report, "written": True, "pending_capabilities": pending,
            "tools": [t.name for t in spec.tools] if spec else [], "lines": report["lines"] + lines}


def create_plugin(kiln, args: dict, client: str) -> dict:
    """Validate and test a new plugin note, then write it to ``plugins/NAME.md``."""
    _require_agent_approval(kiln)
    spec = _spec_of_text(args["note"])
    clash = next((s for s in kiln.plugins.all if s.name == spec.name and s.source == "kiln"), None)
    note_id = _new_note_id(spec)
    if clash is not None:
        raise UsageError(f"plugin '{spec.name}' already exists at {clash.note_id}; use update_plugin")
    shadowed = next((s for s in kiln.plugins.all if s.name == spec.name), None)
    if shadowed is not None:
        # A kiln plugin wins over a user or system one: it would take over its tools, its state
        # and the code of every plugin that requires it. The person decides that, not an agent.
        raise UsageError(f"plugin '{spec.name}' is a {shadowed.source} plugin; a kiln plugin of that name "
                         f"would shadow it — choose another name")
    if (kiln.root / note_id).exists():
        raise UsageError(f"{note_id} already exists; use update_plugin or another name")
    return _write_plugin(kiln, args["note"], note_id, client, "create_plugin")


def update_plugin(kiln, args: dict, client: str) -> dict:
    """Validate and test a new version of a kiln plugin, then replace its note."""
    _require_agent_approval(kiln)
    name = args["name"]
    current = next((s for s in kiln.plugins.all if s.name == name and s.source == "kiln"), None)
    if current is None:
        raise UsageError(f"no plugin '{name}' in this kiln; use create_plugin")
    spec = _spec_of_text(args["note"], current.note_id)
    if spec.name != name:
        raise UsageError(f"the note names plugin '{spec.name}', not '{name}'", path=current.note_id,
                         line=spec.name_line)
    return _write_plugin(kiln, args["note"], current.note_id, client, "update_plugin")


MAX_PENDING_REQUESTS = 100
"""Pending requests per kiln an agent may leave for the person (they live in the user's data folder)."""


def request_capability(kiln, args: dict, client: str) -> dict:
    """Record that an agent needs a capability (or a tool) it could not find; the person reviews it."""
    cap = capability(args["capability"]).name
    if len(kiln.approvals.pending_requests(kiln.root)) >= MAX_PENDING_REQUESTS:
        raise KilnError(f"{MAX_PENDING_REQUESTS} capability requests are already waiting for the person; "
                        f"they review them with `cru plugins requests`")
    request_id = kiln.approvals.request(kiln.root, args["plugin"], cap, tool=args.get("tool"),
                                        reason=args.get("reason", ""), requested_by=client)
    return {"id": request_id, "status": "pending", "plugin": args["plugin"], "capability": cap,
            "lines": [f"request {request_id} recorded: the person sees it with `cru plugins requests`"]}


_NOTE = {"type": "string", "description": "the whole plugin note: frontmatter, prose, lua/rune fences, tests"}
_NAME = {"type": "string", "description": "plugin name (kebab-case)"}


def _schema(props: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


AGENT_TOOLS: tuple[AgentTool, ...] = (
    AgentTool("list_plugins", "List every plugin: name, version, tools, permissions, source, validity, "
              "and who generated it.", _schema({}, []), annotations_for(()), list_plugins),
    AgentTool("describe_plugin", "Describe one plugin: manifest, tools with input schemas, source code, "
              "test results, and each risky capability's approval state.",
              _schema({"name": _NAME}, ["name"]), annotations_for(()), describe_plugin),
    AgentTool("test_plugin", "Validate a plugin note given as text and run its test fences in a throwaway "
              "copy of the kiln. Nothing is saved. Errors name the note line.",
              _schema({"note": _NOTE}, ["note"]), annotations_for(()), test_plugin),
    AgentTool("create_plugin", "Validate and test a new plugin note, then save it as plugins/NAME.md "
              "(needs the person's one-time `cru plugins approve agent`). The new plugin's risky "
              "capabilities stay pending until the person approves them.",
              _schema({"note": _NOTE}, ["note"]), annotations_for(("plugins.write",), destructive=False),
              create_plugin),
    AgentTool("update_plugin", "Validate and test a new version of an existing kiln plugin, then replace "
              "its note. Its approvals lapse until the person approves the new code.",
              _schema({"name": _NAME, "note": _NOTE}, ["name", "note"]), annotations_for(("plugins.write",)),
              update_plugin),
    AgentTool("request_capability", "Ask the person for a capability a plugin needs (or record a missing "
              "tool); they list requests with `cru plugins requests`.",
              _schema({"plugin": {**_NAME, "pattern": NAME_PATTERN, "maxLength": 64},
                       "capability": {"type": "string", "maxLength": 64},
                       "reason": {"type": "string", "maxLength": 2000},
                       "tool": {"type": "string", "maxLength": 64}}, ["plugin", "capability", "reason"]),
              {"readOnlyHint": False, "destructiveHint": False, "openWorldHint": False}, request_capability),
)
AGENT_TOOL_TABLE = {t.name: t for t in AGENT_TOOLS}


def run_agent_tool(kiln, name: str, args: dict, *, client: str) -> Any:
    """Validate ``args`` against the agent tool's schema and run it."""
    import jsonschema

    from .errors import ToolArgumentError

    tool = AGENT_TOOL_TABLE.get(name)
    if tool is None:
        raise KilnError(f"unknown agent tool '{name}'")
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(tool.input_schema).iter_errors(args))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(arguments)"
        raise ToolArgumentError(f"{name}: invalid argument {where}: {error.message}")
    return tool.impl(kiln, args, client)
