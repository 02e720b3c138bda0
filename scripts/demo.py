"""`make demo`: a tour of kiln-plugins on a private copy of sample_kiln/.

It needs nothing outside the repository and never prompts: the copy and the user data folder
(where approvals live) are temp folders, and the demo approves its own demo plugins there.
Each step is a real `cru` command, run exactly as a person would type it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# (heading, cru arguments) — run in order; a step whose plugin is absent is skipped with a note.
STEPS: list[tuple[str, str, str | None]] = [
    ("The kiln's plugins", "plugins list", None),
    ("Full-text search", "search dragon --limit 3", None),
    ("Tools people and agents can call", "tools list", None),
    ("A built-in tool", "run get_kiln_info", None),
    ("A plugin tool (Lua)", "run note_stats path=Welcome.md", "note-stats"),
    ("Approve the demo plugins' risky capabilities", "plugins approve citation-parser", "citation-parser"),
    ("Roll dice (Rune)", "run roll_dice notation=4d6kh3 seed=7", "dice-roller"),
    ("A combat round", "run combat_round", "combat-tracker"),
    ("Import citations", "run import_bibtex path=research/References.md", "citation-parser"),
    ("Research map", "run research_map tag=research", "research-ranker"),
    ("Consistency report", "run check_consistency", "consistency-checker"),
    ("A short playtest simulation", "run simulate_playtests games=200", "playtest-simulator"),
    ("The audit log", "audit --limit 8", None),
]


def main() -> int:
    from kiln_plugins.cli import main as cru
    from kiln_plugins.discovery import discover

    with tempfile.TemporaryDirectory(prefix="cru-demo-") as tmp:
        kiln = Path(tmp) / "sample_kiln"
        shutil.copytree(REPO / "sample_kiln", kiln, ignore=shutil.ignore_patterns(".crucible"))
        os.environ["CRUCIBLE_DATA_DIR"] = str(Path(tmp) / "user-data")
        os.environ["CRUCIBLE_CONFIG_DIR"] = str(Path(tmp) / "user-config")
        os.environ["CRUCIBLE_PLUGIN_PATH"] = ""
        os.environ["CRU_KILN"] = str(kiln)
        present = set(discover(kiln, user_dir=Path(tmp) / "none").active)
        failures = 0
        for heading, args, needs in STEPS:
            print(f"\n\033[1m== {heading}\033[0m\n$ cru {args}")
            if needs and needs not in present:
                print(f"(skipped: the {needs} plugin is not in sample_kiln yet)")
                continue
            code = cru(shlex.split(args))
            if code:
                failures += 1
                print(f"(exit code {code})")
            sys.stdout.flush()
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
