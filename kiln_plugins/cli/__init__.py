"""``cru``: the command line — a thin adapter over Kiln and its ToolRegistry (DESIGN §10).

Every user error is one line on stderr with the exit code of its class; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import sys

import click

from ..errors import KilnError
from .app import cli

__all__ = ["main", "cli"]


def main(argv: list[str] | None = None) -> int:
    """Run ``cru``; returns the exit code (DESIGN §10)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        result = cli.main(args=argv, prog_name="cru", standalone_mode=False)
        return result if isinstance(result, int) else 0  # click returns Exit codes as values
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.exceptions.Abort:
        click.echo("cru: aborted", err=True)
        return 1
    except click.ClickException as e:
        if debug:
            raise
        e.show()
        return 2 if isinstance(e, click.UsageError) else e.exit_code
    except KilnError as e:
        if debug:
            raise
        from .context import terminal_safe

        click.echo(f"cru: {terminal_safe(e)}", err=True)  # note names and messages may be anyone's
        for d in getattr(e, "diagnostics", ())[1:]:
            click.echo(f"cru: {terminal_safe(d)}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("cru: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug of ours, not the user's: still one line unless --debug
        if debug:
            raise
        click.echo(f"cru: internal error: {type(e).__name__}: {e} (run with --debug for the traceback)", err=True)
        return 1

