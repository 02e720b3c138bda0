"""``cru eval``: run a snippet in the sandbox."""

from __future__ import annotations

import sys

import click

from .app import cli
from .context import CliState, print_json


@cli.command("eval")
@click.option("--lang", "language", type=click.Choice(["lua", "rune"]), default="lua", show_default=True)
@click.option("--permissions", default="kiln.read", show_default=True,
              help="Comma-separated capabilities the snippet may use.")
@click.argument("code")
@click.pass_obj
def eval_command(state: CliState, language: str, permissions: str, code: str) -> None:
    """Run CODE (or '-' for stdin) in the sandbox; prints its value as JSON."""
    if code == "-":
        code = sys.stdin.read()
    perms = [p.strip() for p in permissions.split(",") if p.strip()]
    kiln = state.open()
    result = kiln.registry.eval_snippet(language, code, perms)
    if result is not None:
        print_json(result)
