"""Index benchmark: cold index, warm start and one-changed-note refresh beside the read floor.

Usage: ``python benchmarks/index_bench.py [N ...] [--keep DIR]`` (default N = 1000 10000).

The kiln is synthetic and deterministic (seeded RNG): notes in nested folders with
frontmatter (tags, aliases, dates, a few ``type: plugin``), headings, paragraphs, wikilinks in
every form, markdown links, inline tags, fenced and inline code. Each figure is the best of a
few runs and is printed beside the time to merely read the same files (the floor) as a ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiln_plugins.index import KilnIndex  # noqa: E402

WORDS = ("campaign dragon river keep session scroll ember glade market oracle paper theorem "
         "graph lemma proof kernel signal entropy model vector lattice harbor lantern mire "
         "citadel rune tavern warden sigil atlas meadow quarry beacon").split()
TAGS = ["npc", "place", "session", "paper", "concept", "todo", "lore/history", "lore/magic",
        "research/ml", "research/graphs", "draft", "idea"]


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def generate_kiln(root: Path, n: int, seed: int = 7) -> list[str]:
    """Write ``n`` notes under ``root`` (deterministic for a seed); returns their ids."""
    rng = random.Random(seed)
    folders = [""] + [f"area{i}/" for i in range(max(1, n // 200))] + \
              [f"area{i}/sub{j}/" for i in range(max(1, n // 400)) for j in range(3)]
    ids = [f"{rng.choice(folders)}note {i:05d}.md" for i in range(n)]
    stems = [i.rsplit("/", 1)[-1][:-3] for i in ids]
    for k, note_id in enumerate(ids):
        lines = ["---", f"title: Note {k} {rng.choice(WORDS)}",
                 f"tags: [{', '.join(rng.sample(TAGS, rng.randint(0, 3)))}]",
                 f"created: 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]
        if rng.random() < 0.3:
            lines.append(f"aliases: [{rng.choice(WORDS)} {k}]")
        if rng.random() < 0.02:
            lines += ["type: plugin", f"name: plugin-{k}", "permissions: [kiln.read]"]
        lines += ["---", f"# Note {k}", ""]
        for _ in range(rng.randint(2, 6)):
            if rng.random() < 0.4:
                lines += [f"## {_sentence(rng, 3)[:-1]}", ""]
            parts = [_sentence(rng, rng.randint(6, 14))]
            for _ in range(rng.randint(0, 3)):
                t = rng.randrange(n)
                form = rng.random()
                if form < 0.5:
                    parts.append(f"[[{stems[t]}]]")
                elif form < 0.65:
                    parts.append(f"[[{stems[t]}|{rng.choice(WORDS)}]]")
                elif form < 0.75:
                    parts.append(f"[[{ids[t][:-3]}#Heading]]")
                elif form < 0.85:
                    parts.append(f"[{rng.choice(WORDS)}](/{ids[t].replace(' ', '%20')})")
                elif form < 0.92:
                    parts.append(f"![[{stems[t]}]]")
                else:
                    parts.append(f"[[missing {rng.randrange(n // 10 + 1)}]]")
            if rng.random() < 0.3:
                parts.append(f"#{rng.choice(TAGS)}")
            if rng.random() < 0.2:
                parts.append(f"`inline [[code {k}]]`")
            lines += [" ".join(parts), ""]
            if rng.random() < 0.1:
                lines += ["```lua", f"-- [[not a link {k}]]", "return 1", "```", ""]
        path = root / note_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
    return ids


def _best(fn, runs: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds over ``runs`` calls of ``fn`` (which times itself)."""
    wall = cpu = float("inf")
    for _ in range(runs):
        c = time.process_time()
        wall = min(wall, fn())
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def read_floor(root: Path) -> float:
    """Seconds to walk the kiln and read every note's bytes (nothing parsed)."""
    def run():
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for f in files:
                if f.endswith(".md"):
                    with open(os.path.join(folder, f), "rb") as fh:
                        fh.read()
    return _timed(run)


def stat_floor(root: Path) -> float:
    """Seconds to walk the kiln and stat every note (the least a refresh must do)."""
    def run():
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for f in files:
                if f.endswith(".md"):
                    os.stat(os.path.join(folder, f))
    return _timed(run)


def bench(n: int, base: Path) -> dict[str, tuple[float, float]]:
    """Measure one kiln size; returns (wall, cpu) seconds per step."""
    root = base / f"kiln-{n}"
    if root.exists():
        shutil.rmtree(root)
    ids = generate_kiln(root, n)
    floor = _best(lambda: read_floor(root), 3)
    stat = _best(lambda: stat_floor(root), 3)

    def cold():
        shutil.rmtree(root / ".crucible", ignore_errors=True)
        t = time.perf_counter()
        KilnIndex.open(root).close()
        return time.perf_counter() - t

    def warm():
        t = time.perf_counter()
        KilnIndex.open(root).close()
        return time.perf_counter() - t

    cold_s = _best(cold, 2)
    warm_s = _best(warm, 3)
    index = KilnIndex.open(root)
    c = time.process_time()
    graph_s = (_timed(lambda: index.graph), time.process_time() - c)
    changes = []

    def one_change():
        target = root / ids[len(changes) % len(ids)]
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(f"\nEdited [[note {len(changes):05d}]] #edited\n")
        t = time.perf_counter()
        changes.append(index.refresh())
        return time.perf_counter() - t

    change_s = _best(one_change, 5)
    assert all(len(c.changed) == 1 for c in changes), changes
    search_s = _best(lambda: _timed(lambda: index.search("dragon river", limit=10)), 5)
    index.close()
    return {"read floor": floor, "stat floor": stat, "cold index": cold_s, "warm start": warm_s,
            "one change": change_s, "graph build": graph_s, "search": search_s}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    ap.add_argument("--keep", type=Path, help="generate the kilns here and keep them")
    args = ap.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="kiln-bench-"))
    print("| notes | step | seconds | × read floor | CPU seconds |")
    print("|---:|---|---:|---:|---:|")
    try:
        for n in args.sizes:
            r = bench(n, base)
            for step in ("read floor", "stat floor", "cold index", "warm start", "one change",
                         "graph build", "search"):
                wall, cpu = r[step]
                ratio = wall / r["read floor"][0]
                print(f"| {n:,} | {step} | {wall:.4f} | {ratio:.1f} | {cpu:.4f} |", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
