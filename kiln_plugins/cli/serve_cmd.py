"""``cru mcp`` (the MCP server on stdio) and ``cru watch`` (hot reload, printing what changed)."""

from __future__ import annotations

import click

from .app import cli
from .context import CliState, console, terminal_safe


@cli.command("mcp")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes that run tool calls (the concurrency cap).")
@click.option("--isolation", type=click.Choice(["process", "in-process"]), default="process", show_default=True,
              help="Run calls in worker processes with OS limits, or in the server process (debugging).")
@click.pass_obj
def mcp_command(state: CliState, workers: int, isolation: str) -> None:
    """Serve every tool over MCP on stdio (calls run in isolated worker processes)."""
    from ..mcp_server import serve_stdio

    serve_stdio(state.root, workers=workers, isolation=isolation)


@cli.command("watch")
@click.pass_obj
def watch_command(state: CliState) -> None:
    """Watch the kiln; re-index and reload plugins on change, printing what changed."""
    from ..watch import watch_kiln, watch_paths

    kiln = state.open()
    paths = watch_paths(kiln)

    def ready() -> None:
        console.print(f"watching {', '.join(str(p) for p in paths)} "
                      f"({len(kiln.plugins.active)} plugins active)", markup=False, highlight=False)

    def emit(report) -> None:
        for line in report.lines() or [f"reindexed {report.notes} note(s)"]:
            console.print(terminal_safe(line), markup=False, highlight=False)

    try:
        watch_kiln(kiln, emit, paths=paths, on_ready=ready)
    except KeyboardInterrupt:
        pass
