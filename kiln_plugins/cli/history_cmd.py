"""``cru plugins history NAME``: the commits that changed a plugin note (``git log --follow``)."""

from __future__ import annotations

import click
from rich.table import Table

from ..errors import UsageError
from ..gitinfo import note_history, note_version
from .app import JSON_OPT
from .context import CliState, console, plain, print_json
from .plugins_cmd import _spec_or_fail, plugins_group


@plugins_group.command("history")
@click.argument("name")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many commits.")
@JSON_OPT
@click.pass_obj
def plugins_history(state: CliState, name: str, limit: int | None, as_json: bool) -> None:
    """The git commits that changed a plugin's note, newest first (renames followed)."""
    kiln = state.open()
    spec = _spec_or_fail(kiln, name)
    if spec.file is None:
        raise UsageError(f"plugin '{spec.name}' has no file to look up in git")
    version = note_version(spec.file)
    if version is None:
        raise UsageError(f"{spec.file}: not inside a git repository (or git is not available)")
    commits = note_history(spec.file, limit=limit)
    if as_json:
        print_json({"name": spec.name, "path": spec.note_id, "dirty": version.dirty, "tracked": version.tracked,
                    "commits": [c.to_dict() for c in commits]})
        return
    console.print(f"[bold]{spec.name}[/bold] ({spec.note_id})"
                  + (" [yellow]— uncommitted changes[/yellow]" if version.dirty else ""))
    if not commits:
        console.print("No commits yet: the note was never committed.")
        return
    table = Table("commit", "date", "author", "subject")
    for c in commits:
        table.add_row(plain(c.short), plain(c.date[:10]), plain(c.author), plain(c.subject))  # a clone's history is anyone's
    console.print(table)
