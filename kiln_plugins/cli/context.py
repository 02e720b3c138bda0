"""How the CLI finds and opens the kiln, prompts for approvals, and prints."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

__all__ = ["find_kiln_root", "CliState", "print_json", "console", "err_console", "terminal_safe", "plain"]

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def find_kiln_root(explicit: str | None) -> Path:
    """``--kiln``, else ``$CRU_KILN``, else the nearest parent with ``.crucible/``, else cwd."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("CRU_KILN")
    if env:
        return Path(env)
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / ".crucible").is_dir():
            return folder
    return here


def print_json(value) -> None:
    """JSON on stdout for programs (DEL and C1 controls escaped too: a result may be anyone's text)."""
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    click.echo(_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


_C1 = re.compile(r"[\x7f-\x9f]")  # JSON escapes only < 0x20; these reach the tty as-is (\x9b is CSI)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: object) -> str:
    """``text`` with terminal control characters shown as ``\\xNN`` (ESC, BEL, CSI never reach the tty)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def plain(text: object) -> str:
    """Plugin-controlled text for a rich markup string: no control characters, no markup."""
    return escape(terminal_safe(text))


def tty_approver(plugin: str, capability: str, detail: str) -> str:
    """Ask the person on the terminal: allow once / always / deny."""
    # The plugin wrote the host list: markup there could hide a host (``[black on black]``).
    scope = f" ({plain(detail)})" if detail else ""
    err_console.print(f"[bold]Plugin '{plain(plugin)}' wants '{plain(capability)}'{scope}.[/bold]")
    answer = click.prompt("Allow [o]nce, [a]lways, [d]eny", type=click.Choice(["o", "a", "d"]),
                          default="d", err=True, show_choices=False)
    return {"o": "once", "a": "always"}.get(answer, "deny")


def _hard_timeout(exc) -> None:
    sys.stderr.write(f"cru: {exc}\n")
    sys.stderr.flush()
    os._exit(4)


def _log_line(level: str, message: str) -> None:
    style = {"warn": "yellow", "error": "red"}.get(level, "dim")
    err_console.print(f"[{style}]{level}[/{style}] {plain(message)}", markup=True)


class CliState:
    """Per-invocation options; opens the Kiln lazily (some commands never need it)."""

    def __init__(self, kiln: str | None, debug: bool):
        self.kiln_arg, self.debug = kiln, debug
        self._kiln = None

    @property
    def root(self) -> Path:
        return find_kiln_root(self.kiln_arg).resolve()

    def open(self, *, caller: str = "cli"):
        """Open the kiln with a progress bar when indexing takes more than a moment."""
        if self._kiln is None:
            from ..kiln import Kiln
            from .progress import index_progress

            approver = tty_approver if sys.stdin.isatty() else None
            with index_progress() as progress:
                self._kiln = Kiln.open(self.root, progress=progress, caller=caller, approver=approver,
                                       on_log=_log_line, on_hard_timeout=_hard_timeout)
        return self._kiln

    def close(self) -> None:
        if self._kiln is not None:
            self._kiln.close()
            self._kiln = None
