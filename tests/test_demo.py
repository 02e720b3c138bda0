"""`make demo` (scripts/demo.py) runs every step against a temp copy of sample_kiln, never
prompts, leaves sample_kiln untouched, and each step prints what the real plugin produced."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, SAMPLE_KILN

sys.path.insert(0, str(REPO / "scripts"))
import demo  # noqa: E402


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*.md")
            if ".crucible" not in p.parts}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    before = snapshot(SAMPLE_KILN)
    base = tmp_path_factory.mktemp("demo-user")
    env = {**os.environ, "HOME": str(base), "XDG_DATA_HOME": str(base / "data"),
           "XDG_CONFIG_HOME": str(base / "config"), "CRUCIBLE_PLUGIN_PATH": ""}
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "demo.py")], cwd=REPO, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert snapshot(SAMPLE_KILN) == before, "the demo must work on a copy"
    return done


def section(output: str, command: str) -> str:
    """The text printed after ``$ cru COMMAND`` up to the next command or heading."""
    start = output.index(f"$ cru {command}\n") + len(f"$ cru {command}\n")
    ends = [i for i in (output.find("\n$ cru ", start), output.find("\n\x1b[1m== ", start)) if i >= 0]
    return output[start:min(ends) if ends else len(output)]


def command_starting(prefix: str) -> str:
    return next(s.command for s in demo.STEPS if s.command.startswith(prefix))


def test_every_step_ran(demo_run):
    assert demo_run.returncode == 0, demo_run.stdout[-3000:] + demo_run.stderr
    assert f"{len(demo.STEPS)} of {len(demo.STEPS)} steps ran." in demo_run.stdout
    assert "skipped" not in demo_run.stdout and "exit code" not in demo_run.stdout


def test_the_plugin_list_and_approvals(demo_run):
    listing = section(demo_run.stdout, "plugins list")
    for name in ("dice-roller", "combat-tracker", "npc-generator", "citation-parser", "research-ranker",
                 "consistency-checker", "playtest-simulator"):
        assert name in listing
    for name in demo.WRITERS:
        assert f"Approved kiln.write for {name}" in section(demo_run.stdout, f"plugins approve {name}")


def test_dice_and_combat(demo_run):
    roll = section(demo_run.stdout, "run roll_dice notation=4d6kh3 seed=7").strip()
    assert roll.startswith("4d6kh3 [") and roll.count("(") == 1
    kept = [int(x) for x in roll[roll.index("[") + 1:roll.index("]")].split(", ") if not x.startswith("(")]
    assert roll.endswith(f"= {sum(kept)}")
    adv = section(demo_run.stdout, "run roll_dice notation=d20+5 advantage=true seed=3").strip()
    assert adv.startswith("2d20kh1 [") and " + 5 = " in adv
    start = section(demo_run.stdout, command_starting("run start_combat"))
    assert start.strip().startswith("## Round 1 — ") and "| Captain Vex | 27/27 |" in start
    first = start.split("## Round 1 — ")[1].split("'s turn")[0]
    hurt = section(demo_run.stdout, "run damage name=Ana amount=7").strip()
    assert hurt.startswith(f"Round 1 — {first}'s turn: ") and "Ana 11/18" in hurt
    assert "Bo 22/22 [prone (1)]" in section(demo_run.stdout, "run set_condition name=Bo condition=prone rounds=1")
    round_two = demo_run.stdout.split("$ cru run next_turn\n")[3]
    assert round_two.startswith(f"## Round 2 — {first}'s turn")
    assert "| Ana | 11/18 |" in round_two and "| Bo | 22/22 |  |" in round_two  # prone wore off


def test_written_notes_and_reports(demo_run):
    npc = section(demo_run.stdout, "run generate_npc seed=11")
    assert "type: npc" in npc and "Rolled on [[tables/NPC Tables|NPC tables]] (seed 11)." in npc
    imported = section(demo_run.stdout, "run import_bibtex path=Research/References.md").split()
    assert len(imported) == 5 and "Research/Literature/vaswani2017attention.md" in imported
    assert "Attention Is All You Need" in section(demo_run.stdout, "search vaswani --limit 1")
    moc = section(demo_run.stdout, "run research_map tag=research")
    assert "1. [[Research/Concepts/Graph Centrality]]" in moc and "## Cluster 1:" in moc
    report = section(demo_run.stdout, "run check_consistency folder=Story")
    assert "**Brant** — did you mean *Brandt*" in report and "[[The Lighthouse]]" in report
    balance = section(demo_run.stdout, command_starting("run simulate_playtests"))
    assert "| Steady | 20 |" in balance and "The first seat wins" in balance
    assert "simulate_playtests" in section(demo_run.stdout, "audit --limit 6")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_plugins_history_from_git(demo_run):
    history = section(demo_run.stdout, "plugins history dice-roller")
    assert "Sample kiln with its example plugins" in history and "uncommitted" not in history
