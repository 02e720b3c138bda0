"""Link resolution (DESIGN §3): every rule as a data-file case, one runner."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kiln_plugins.resolve import Resolver, dangling_id, normalize_target

CASES = yaml.safe_load((Path(__file__).parent / "fixtures" / "index" / "resolve.yaml")
                       .read_text(encoding="utf-8"))
ROWS = [(c["name"], c["notes"], row) for c in CASES for row in c["cases"]]


@pytest.mark.parametrize("name,notes,row", ROWS,
                         ids=[f"{n}: {r[0]!r} from {r[1]}" for n, _, r in ROWS])
def test_resolution_case(name, notes, row):
    target, source, expected, ambiguous = row
    result = Resolver(notes).resolve(target, source)
    assert (result.target_id, result.ambiguous) == (expected, ambiguous)


def test_resolution_does_not_depend_on_input_order():
    ids = ["zz/Dup.md", "a/b/Dup.md", "b/Dup.md", "c/Dup.md"]
    assert Resolver(ids).resolve("Dup") == Resolver(reversed(ids)).resolve("Dup")


def test_normalize_and_dangling_ids():
    assert normalize_target(" a\\b/./c ") == "a/b/c"
    assert normalize_target("/x/../y") == "y"
    assert dangling_id("Missing Note") == "Missing Note.md"
    assert dangling_id("x.MD") == "x.MD"
    assert dangling_id("img/Pic.PNG") == "img/Pic.PNG"
    assert dangling_id("v1.2 notes") == "v1.2 notes.md"
