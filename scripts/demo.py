"""`make demo`: a tour of kiln-plugins on a private copy of sample_kiln/.

It needs nothing outside the repository and never prompts: the copy and the user data folder
(where approvals live) are temp folders, stdin is not a terminal, and the demo approves its
own demo plugins there first. Each step is a real `cru` command, run exactly as a person would
type it; `show` picks what to print from the tool's JSON result (a field, or the note the tool
wrote) so the output reads like the notes a person would open.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


@dataclass(frozen=True, slots=True)
class Step:
    """One demo step: a cru command and how to show its output."""

    heading: str
    """The section title printed above the command."""
    command: str
    """The cru arguments, as typed in a shell."""
    needs: str | None = None
    """A plugin the step needs (or ``git``); without it the step is skipped with a note."""
    show: str = "output"
    """``output`` (as printed), ``field:NAME`` (one field of the JSON result) or ``note`` (the note at
    the result's ``path``)."""


COMBATANTS = json.dumps({"seed": 2, "combatants": [
    {"name": "Captain Vex", "hp": 27, "initiative_bonus": 3},
    {"name": "Ana", "hp": 18, "initiative_bonus": 2},
    {"name": "Bo", "hp": 22, "initiative_bonus": 0}]})

WRITERS = ("npc-generator", "citation-parser", "research-ranker", "playtest-simulator")

STEPS: list[Step] = [
    Step("The kiln's plugins (notes with `type: plugin`)", "plugins list"),
    *[Step("Approve what the demo plugins may write (kept in a temp user data folder)",
           f"plugins approve {name}", name) for name in WRITERS],
    Step("Roll dice (a Rune plugin)", "run roll_dice notation=4d6kh3 seed=7", "dice-roller", "field:breakdown"),
    Step("Roll dice (a Rune plugin)", "run roll_dice notation=d20+5 advantage=true seed=3", "dice-roller",
         "field:breakdown"),
    Step("A combat round: initiative through roll_dice, turns as a std.fsm machine",
         f"run start_combat --args {shlex.quote(COMBATANTS)}", "combat-tracker", "field:markdown"),
    *[Step("A combat round: initiative through roll_dice, turns as a std.fsm machine", command,
           "combat-tracker", show) for command, show in (
        ("run damage name=Ana amount=7", "field:line"),
        ("run set_condition name=Bo condition=prone rounds=1", "field:line"),
        ("run next_turn", "field:line"),
        ("run next_turn", "field:line"),
        ("run next_turn", "field:markdown"))],
    Step("An NPC from the random tables in tables/NPC Tables.md", "run generate_npc seed=11",
         "npc-generator", "note"),
    Step("Import citations from the bibtex fence of Research/References.md",
         "run import_bibtex path=Research/References.md", "citation-parser", "field:created"),
    Step("A literature note it wrote", "search vaswani --limit 1", "citation-parser"),
    Step("The research map (PageRank + communities over #research)", "run research_map tag=research",
         "research-ranker", "note"),
    Step("A consistency report for the writers' Story/ notes", "run check_consistency folder=Story",
         "consistency-checker", "field:report"),
    Step("A short playtest simulation of rules/Pig.md", "run simulate_playtests games=600 seed=1",
         "playtest-simulator", "note"),
    Step("Plugins are notes, versioned with git (the demo copy is committed first)",
         "plugins history dice-roller", "git"),
    Step("The audit log: every call, with its capabilities", "audit --limit 6"),
]


def run_cru(argv: list[str]) -> tuple[int, str, str]:
    """Run cru in this process; returns its exit code, stdout and stderr."""
    from kiln_plugins.cli import main as cru

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cru(argv)
    return code, out.getvalue(), err.getvalue()


def commit_copy(kiln: Path) -> bool:
    """Make the demo copy a git repository with one commit; False when git is not available."""
    if shutil.which("git") is None:
        return False
    env = {**os.environ, "GIT_AUTHOR_NAME": "Demo", "GIT_AUTHOR_EMAIL": "demo@example.org",
           "GIT_COMMITTER_NAME": "Demo", "GIT_COMMITTER_EMAIL": "demo@example.org"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "Sample kiln with its example plugins"]):
        if subprocess.run(["git", *args], cwd=kiln, env=env, capture_output=True).returncode != 0:
            return False
    return True


def render(step: Step, out: str, kiln: Path) -> str:
    """What to print for a step's stdout."""
    if step.show == "output":
        return out.rstrip()
    result = json.loads(out)
    if step.show == "note":
        return (kiln / result["path"]).read_text(encoding="utf-8").rstrip()
    value = result[step.show.split(":", 1)[1]]
    return "\n".join(value) if isinstance(value, list) else str(value).rstrip()


def main() -> int:
    """Run every step against a temp copy of sample_kiln; exit 1 when any step failed."""
    from kiln_plugins.discovery import discover

    with tempfile.TemporaryDirectory(prefix="cru-demo-") as tmp:
        kiln = Path(tmp) / "sample_kiln"
        shutil.copytree(REPO / "sample_kiln", kiln, ignore=shutil.ignore_patterns(".crucible"))
        os.environ["CRUCIBLE_DATA_DIR"] = str(Path(tmp) / "user-data")
        os.environ["CRUCIBLE_CONFIG_DIR"] = str(Path(tmp) / "user-config")
        os.environ["CRUCIBLE_PLUGIN_PATH"] = ""
        os.environ["CRU_KILN"] = str(kiln)
        os.environ.setdefault("COLUMNS", "120")
        sys.stdin = io.StringIO("")  # not a terminal: a missing approval fails instead of prompting
        (kiln / ".gitignore").write_text(".crucible/\n", encoding="utf-8")
        present = set(discover(kiln, user_dir=Path(tmp) / "no-user-plugins").active)
        if commit_copy(kiln):
            present.add("git")
        failures, last_heading = 0, None
        for step in STEPS:
            if step.heading != last_heading:
                print(f"\n\033[1m== {step.heading}\033[0m")
                last_heading = step.heading
            print(f"$ cru {step.command}")
            if step.needs and step.needs not in present:
                print(f"(skipped: {step.needs} is not available)")
                continue
            code, out, err = run_cru(shlex.split(step.command))
            if code:
                failures += 1
                print((out + err).rstrip())
                print(f"(exit code {code})")
            else:
                print(render(step, out, kiln))
            sys.stdout.flush()
        print(f"\n{len(STEPS) - failures} of {len(STEPS)} steps ran" + (f", {failures} failed" if failures else "."))
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
