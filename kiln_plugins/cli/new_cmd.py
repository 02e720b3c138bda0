"""``cru plugins new NAME --lang lua|rune``: a plugin note from a template, ready to test."""

from __future__ import annotations

import click

from ..templates import TEMPLATES, create_plugin, tool_name_for
from .context import CliState, console
from .plugins_cmd import plugins_group


@plugins_group.command("new")
@click.argument("name")
@click.option("--lang", "language", type=click.Choice(sorted(TEMPLATES)), default="lua", show_default=True,
              help="Language of the plugin's code.")
@click.option("--folder", default="plugins", show_default=True, help="Kiln folder for the new note.")
@click.option("--force", is_flag=True, help="Replace a note of the same name.")
@click.pass_obj
def plugins_new(state: CliState, name: str, language: str, folder: str, force: bool) -> None:
    """Create a plugin note (manifest, one tool, a test) that validates and passes as generated."""
    target = create_plugin(state.root, name, language, folder=folder, force=force)
    note_id = target.relative_to(state.root).as_posix()
    console.print(f"Created {note_id} ({language}, tool {tool_name_for(name)}).")
    console.print(f"Next: cru plugins test {name}   then edit the note and run it with "
                  f"cru run {tool_name_for(name)} path=<note>")
