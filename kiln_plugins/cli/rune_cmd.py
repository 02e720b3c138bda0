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


def _script_host(kiln, file: Path):
    """Host functions for a script run inside a kiln: read-only (``[kiln.read]``)."""
    from ..context import CallContext, CallTree
    from ..capabilities import PermissionSet
    from ..hostapi.catalog import HOST_FUNCTIONS
    from ..hostapi.registry import bind_all
    from ..limits import DEFAULT_LIMITS

    tree = CallTree(kiln)
    ctx = CallContext(kiln=kiln, tree=tree, plugin=f"script:{file.stem}",
                      permissions=PermissionSet.parse(["kiln.read"]), code_hash="script",
                      limits=DEFAULT_LIMITS, caller="cli", chain=(file.name,), on_log=kiln.on_log)
    return bind_all(HOST_FUNCTIONS, ctx)


@rune_group.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def rune_run(state: CliState, file: Path) -> None:
    """Call `main` of FILE (exit 1 runtime error, 2 compile error, 4 limit)."""
    from ..limits import DEFAULT_LIMITS
    from ..rune.runner import run_file

    kiln = _kiln_for_scripts(state)
    host = _script_host(kiln, file) if kiln is not None else None
    code = run_file(file, limits=DEFAULT_LIMITS, host=host, out=click.echo)
    if code:
        raise click.exceptions.Exit(code)


@rune_group.command("test")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rune_test(files: tuple[Path, ...]) -> None:
    """Run every #[test] fn of FILES; ends with `N passed, N failed`."""
    from ..limits import DEFAULT_LIMITS
    from ..rune.runner import test_files

    passed, failed = test_files(list(files), limits=DEFAULT_LIMITS, out=click.echo)
    if failed:
        raise click.exceptions.Exit(1)
