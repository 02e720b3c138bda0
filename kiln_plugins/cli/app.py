"""The ``cru`` command group and the commands that are one screen each."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from ..errors import UsageError
from .context import CliState, console, plain, print_json

JSON_OPT = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--kiln", "kiln", metavar="DIR", help="The kiln folder (default: $CRU_KILN, else the nearest folder with .crucible/, else the current one).")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.version_option(package_name="kiln-plugins", prog_name="cru")
@click.pass_context
def cli(ctx: click.Context, kiln: str | None, debug: bool) -> None:
    """Sandboxed plugins written as notes in a markdown kiln."""
    state = CliState(kiln, debug)
    ctx.obj = state
    ctx.call_on_close(state.close)


@cli.command()
@click.pass_obj
def init(state: CliState) -> None:
    """Create .crucible/ in the kiln folder and index it."""
    from ..config import kiln_data_dir

    root = state.root
    if not root.is_dir():
        raise UsageError(f"no such folder: {root}")
    kiln_data_dir(root)
    kiln = state.open()
    console.print(f"Initialised kiln at {root}: {len(kiln.index.notes)} notes, "
                  f"{len(kiln.plugins.active)} plugins.")


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@JSON_OPT
@click.pass_obj
def search(state: CliState, query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Full-text search (BM25). Filters: tag:NAME path:FOLDER/ type:plugin."""
    kiln = state.open()
    hits = kiln.index.search(" ".join(query), limit=limit)
    rows = [{"path": h.path, "title": h.title, "score": round(h.score, 4), "snippet": h.snippet} for h in hits]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No matches.")
        return
    table = Table("path", "title", "score", "snippet")
    for r in rows:
        table.add_row(plain(r["path"]), plain(r["title"]), f"{r['score']:.3f}", plain(r["snippet"]))
    console.print(table)


@cli.command()
@click.option("--plugin", help="Only this plugin's calls.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@JSON_OPT
@click.pass_obj
def audit(state: CliState, plugin: str | None, limit: int, as_json: bool) -> None:
    """Show the audit log of tool calls."""
    kiln = state.open()
    rows = kiln.state.audit.query(plugin=plugin, limit=limit)
    rows = [r if isinstance(r, dict) else r.to_dict() for r in rows]
    if as_json:
        print_json(rows)
        return
    import datetime as _dt

    table = Table("time", "plugin", "tool", "caller", "outcome", "ms", "commit", "capabilities")
    for r in rows:
        totals: dict[str, int] = {}
        for c in r.get("capabilities") or []:
            key = c["capability"] + ("" if c.get("granted") else " (denied)")
            totals[key] = totals.get(key, 0) + int(c.get("count", 1))
        caps = ", ".join(f"{k}×{n}" if n > 1 else k for k, n in totals.items())
        when = _dt.datetime.fromtimestamp(float(r["started"])).strftime("%m-%d %H:%M:%S") if r.get("started") else ""
        table.add_row(when, plain(r["plugin"]), plain(r["tool"]), r["caller"], r["outcome"],
                      f"{r.get('duration_ms', 0):.1f}", plain(r.get("commit") or ""), caps)
    console.print(table)


def parse_tool_args(args_json: str | None, pairs: tuple[str, ...]) -> dict:
    """``--args JSON`` merged with ``key=value`` pairs (values parsed as JSON when they parse)."""
    args: dict = {}
    if args_json:
        try:
            args = json.loads(sys.stdin.read() if args_json == "-" else args_json)
        except json.JSONDecodeError as e:
            raise UsageError(f"--args is not valid JSON: {e.msg} at column {e.colno}") from None
        if not isinstance(args, dict):
            raise UsageError("--args must be a JSON object")
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"expected key=value, got '{pair}'")
        try:
            args[key] = json.loads(raw)
        except json.JSONDecodeError:
            args[key] = raw
    return args


@cli.command("run")
@click.argument("tool")
@click.argument("pairs", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--args", "args_json", metavar="JSON", help="Arguments as a JSON object ('-' reads stdin).")
@click.pass_obj
def run_tool(state: CliState, tool: str, pairs: tuple[str, ...], args_json: str | None) -> None:
    """Call a tool; prints its result as JSON on stdout."""
    kiln = state.open()
    result = kiln.registry.call(tool, parse_tool_args(args_json, pairs), caller="cli")
    print_json(result)


@cli.group("tools")
def tools_group() -> None:
    """The tools people and agents can call."""


@tools_group.command("list")
@JSON_OPT
@click.pass_obj
def tools_list(state: CliState, as_json: bool) -> None:
    """List every tool with its plugin and arguments."""
    kiln = state.open()
    tools = kiln.registry.tools()
    if as_json:
        print_json([t.to_dict() for t in tools])
        return
    table = Table("tool", "plugin", "arguments", "description")
    for t in tools:
        props = t.input_schema.get("properties", {})
        req = set(t.input_schema.get("required", []))
        arg_text = ", ".join(f"{k}{'' if k in req else '?'}" for k in props)
        table.add_row(t.name, t.plugin or "built-in", plain(arg_text), plain(t.description))
    console.print(table)


from . import eval_cmd, history_cmd, new_cmd, plugins_cmd, requests_cmd, rune_cmd, serve_cmd  # noqa: E402,F401  (register sub-commands)
