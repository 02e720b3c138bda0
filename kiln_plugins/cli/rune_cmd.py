"""``cru rune run|test``: Rune scripts outside plugin notes (DESIGN §9)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .app import cli
from .context import CliState, console


@cli.group("rune")
def rune_group() -> None:
    """Run Rune scripts and their #[test] functions in the sandbox."""


def _kiln_for_scripts(state: CliState):
    """A kiln only when --kiln/$CRU_KILN names one or a .crucible/ folder is found upward."""
    if state.kiln_arg or os.environ.get("CRU_KILN"):
        return state.open()
    here = Path.cwd()
    if any((f / ".crucible").is_dir() for f in (here, *here.parents)):
        return state.open()
    return None


@rune_group.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def rune_run(state: CliState, file: Path) -> None:
    """Call `main` of FILE (exit 1 runtime error, 2 compile error, 4 limit)."""
    from ..rune.runner import run_file

    kiln = _kiln_for_scripts(state)
    code = run_file(file, kiln=kiln, out=lambda s: click.echo(s))
    if code:
        raise click.exceptions.Exit(code)


@rune_group.command("test")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def rune_test(state: CliState, files: tuple[Path, ...]) -> None:
    """Run every #[test] fn of FILES; ends with `N passed, N failed`."""
    from ..rune.runner import test_files

    kiln = _kiln_for_scripts(state)
    passed, failed = test_files(list(files), kiln=kiln, out=lambda s: click.echo(s))
    if failed:
        raise click.exceptions.Exit(1)
