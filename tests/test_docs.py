"""The docs as a new user meets them: getting-started is run, block by block, as written.

In ``docs/getting-started.md`` every ``sh`` block is a script (it must exit 0) and every
``console`` block is a session: lines after ``$ `` are commands, the lines under a command are
text that must appear in what it printed. All blocks share one empty working folder and the
working directory carries over (``cd my-kiln`` holds for the blocks after it), with ``cru`` from
this environment first on the PATH. The CLI reference must name every command ``cru`` has.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from markdown_it import MarkdownIt

from kiln_plugins.cli import cli
from tests.conftest import REPO

DOCS = REPO / "docs"
GETTING_STARTED = DOCS / "getting-started.md"


@dataclass(frozen=True, slots=True)
class Command:
    """One command of the walk-through and what it must print."""

    line: int
    """Line of the doc where it is written."""
    script: str
    """Shell text to run."""
    expect: tuple[str, ...]
    """Lines its output must contain (a console block); empty for a sh block."""
    must_succeed: bool
    """sh blocks must exit 0; console commands may show an error on purpose."""


def walkthrough(path: Path) -> list[Command]:
    """The doc's sh and console blocks as commands, in document order."""
    commands = []
    for token in MarkdownIt().parse(path.read_text(encoding="utf-8")):
        if token.type != "fence":
            continue
        start = token.map[0] + 2
        info = token.info.strip()
        if info == "sh":
            commands.append(Command(start - 1, token.content, (), True))
        elif info == "console":
            current = None
            for offset, text in enumerate(token.content.splitlines()):
                if text.startswith("$ "):
                    if current:
                        commands.append(Command(*current, False))
                    current = [start + offset, text[2:], ()]
                elif text.strip() and current:
                    current[2] = (*current[2], text.strip())
            if current:
                commands.append(Command(*current, False))
    return commands


@pytest.fixture
def shell_env(tmp_path):
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["COLUMNS"] = "200"
    env["HOME"] = str(tmp_path / "home")
    env.pop("CRU_KILN", None)
    return env


def run_in(folder: Path, script: str, env: dict, *, strict: bool) -> tuple[int, str, Path]:
    """Run ``script`` with bash in ``folder``; returns exit code, output and the folder it ended in."""
    pwd_file = folder.parent / ".pwd-after" if folder.parent.exists() else folder / ".pwd-after"
    wrapped = (("set -e\n" if strict else "") + f"cd {str(folder)!r}\n{script}\nstatus=$?\n"
               f"pwd > {str(pwd_file)!r}\nexit $status\n")
    done = subprocess.run(["bash", "-c", wrapped], env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    after = Path(pwd_file.read_text().strip()) if pwd_file.exists() else folder
    return done.returncode, done.stdout + done.stderr, after


def test_the_walkthrough_has_the_steps_it_promises():
    scripts = " ".join(c.script for c in walkthrough(GETTING_STARTED))
    for needed in ("cru init", "cru plugins new", "cru plugins test", "cru plugins validate", "cru run",
                   "cru plugins approve", "cru audit"):
        assert needed in scripts


def test_getting_started_runs_as_written(tmp_path, shell_env):
    work = tmp_path / "work"
    work.mkdir()
    folder = work
    for cmd in walkthrough(GETTING_STARTED):
        code, output, folder = run_in(folder, cmd.script, shell_env, strict=cmd.must_succeed)
        where = f"docs/getting-started.md:{cmd.line}: `{cmd.script.splitlines()[0]}`"
        if cmd.must_succeed:
            assert code == 0, f"{where} exited {code}:\n{output}"
        assert "Traceback" not in output, f"{where}:\n{output}"
        flat = re.sub(r"\s+", " ", output)
        for line in cmd.expect:
            assert re.sub(r"\s+", " ", line) in flat, f"{where}: expected {line!r} in:\n{output}"
    assert (work / "my-kiln" / "Tide Log.md").is_file()


def all_commands(group: click.Group, prefix: str = "cru") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            names += all_commands(command, f"{prefix} {name}")
        else:
            names.append(f"{prefix} {name}")
    return names


def test_the_cli_reference_names_every_command():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^### `(cru [a-z ]+?)(?: [-A-Z\[|].*)?`", text, flags=re.M))
    missing = [c for c in all_commands(cli) if c not in headings]
    assert not missing, f"docs/cli.md has no section for: {missing}"


@pytest.mark.parametrize("doc", ["getting-started.md", "authoring-lua.md", "authoring-rune.md", "security.md", "cli.md"])
def test_local_links_resolve(doc):
    text = (DOCS / doc).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+?)(?:#[^)]*)?\)", text):
        assert (DOCS / target).exists(), f"docs/{doc} links to missing {target}"
