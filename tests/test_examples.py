"""The example plugins of sample_kiln/: their own test fences, then every tool end to end.

First every sample plugin note must be valid and pass its ``lua test`` / ``rune test`` fences
(as ``cru plugins test`` runs them). Then each tool is called the way a person calls it —
``cru run TOOL …`` on a private copy of sample_kiln, approvals granted with
``cru plugins approve`` in a temp user data folder — and its real output is checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiln_plugins.cli import main
from kiln_plugins.plugin_tests import run_plugin_tests, throwaway_kiln
from tests.conftest import SAMPLE_KILN

PLUGIN_NOTES = sorted(p.name for p in (SAMPLE_KILN / "plugins").glob("*.md"))
WRITERS = ["npc-generator", "citation-parser", "research-ranker", "playtest-simulator"]


@pytest.fixture(scope="module")
def test_kiln():
    with throwaway_kiln(SAMPLE_KILN) as kiln:
        yield kiln


@pytest.mark.parametrize("note", PLUGIN_NOTES)
def test_sample_plugin_is_valid_and_its_tests_pass(test_kiln, note):
    spec = next(s for s in test_kiln.plugins.all if s.note_id == f"plugins/{note}")
    assert spec.valid, [str(d) for d in spec.diagnostics]
    assert spec.tests, f"{note} has no tests"
    assert spec.tools and all(t.description for t in spec.tools), f"{note}: every tool needs a description"
    results = run_plugin_tests(test_kiln, spec)
    failures = [f"{r.name} (line {r.line}): {r.message}" for r in results if not r.passed]
    assert not failures, failures


def test_the_examples_are_the_promised_ones(test_kiln):
    by_name = {s.name: s for s in test_kiln.plugins.all if s.source == "kiln"}
    assert {"dice-roller", "combat-tracker", "npc-generator", "citation-parser", "research-ranker",
            "consistency-checker", "playtest-simulator"} <= set(by_name)
    assert by_name["dice-roller"].language == "rune"
    for name in ("npc-generator", "citation-parser", "consistency-checker", "playtest-simulator"):
        assert by_name[name].language == "lua"


# -- end to end through the CLI --------------------------------------------------------------

def cru(capsys, kiln: Path, *argv: str):
    code = main(["--kiln", str(kiln), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_tool(capsys, kiln, *argv):
    code, out, err = cru(capsys, kiln, "run", *argv)
    assert code == 0, err
    return json.loads(out)


def test_a_writing_tool_needs_approval_first(sample_kiln, capsys):
    before = sorted((sample_kiln / "Campaign" / "NPCs").glob("*.md"))
    code, _, err = cru(capsys, sample_kiln, "run", "generate_npc", "seed=1")
    assert code == 3
    assert "cru plugins approve npc-generator" in err
    assert sorted((sample_kiln / "Campaign" / "NPCs").glob("*.md")) == before


def test_every_tool_end_to_end(sample_kiln, capsys):
    called: set[str] = set()

    def call(*argv):
        called.add(argv[0])
        return run_tool(capsys, sample_kiln, *argv)

    for name in WRITERS:
        code, out, _ = cru(capsys, sample_kiln, "plugins", "approve", name)
        assert code == 0 and "Approved kiln.write" in out

    stats = call("note_stats", "path=Home.md")
    assert stats["title"] == "Home" and stats["words"] > 20
    assert call("folder_stats", "folder=Story")["notes"] == 5

    roll = call("roll_dice", "notation=4d6kh3", "seed=7")
    assert roll == run_tool(capsys, sample_kiln, "roll_dice", "notation=4d6kh3", "seed=7")
    assert roll["total"] == sum(roll["terms"][0]["kept"]) and len(roll["terms"][0]["dropped"]) == 1
    multi = call("roll_dice", "notation=2d6+1d4+3", "label=test")
    assert 6 <= multi["total"] <= 19 and multi["breakdown"].endswith(f"= {multi['total']}")
    history = call("roll_history", "limit=2")
    assert [h["notation"] for h in history] == ["2d6+1d4+3", "4d6kh3"] and history[0]["label"] == "test"
    assert call("clear_history")["cleared"] == 3

    fight = call("start_combat", "--args", json.dumps({"seed": 2, "combatants": [
        {"name": "Vex", "hp": 27, "initiative_bonus": 3}, {"name": "Ana", "hp": 18, "initiative_bonus": 1}]}))
    assert fight["round"] == 1 and fight["markdown"].startswith("## Round 1 — ")
    first, second = fight["combatants"][0]["name"], fight["combatants"][1]["name"]
    assert call("damage", f"name={second}", "amount=5")["combatants"][1]["hp"] == fight["combatants"][1]["hp"] - 5
    assert call("heal", f"name={second}", "amount=2")["combatants"][1]["hp"] == fight["combatants"][1]["hp"] - 3
    assert call("set_condition", f"name={first}", "condition=stunned", "rounds=1")["combatants"][0]["conditions"] == {"stunned": 1}
    assert call("next_turn")["current"] == second
    status = call("next_turn")
    assert status["round"] == 2 and status["current"] == first and status["combatants"][0]["conditions"] == []
    assert call("combat_status")["markdown"] == status["markdown"]
    assert call("end_combat")["state"] == "over"

    npc = call("generate_npc", "seed=5")
    written = sample_kiln / npc["path"]
    assert written.is_file() and "type: npc" in written.read_text() and npc["name"] in written.read_text()
    assert [t["name"] for t in call("list_tables")][:2] == ["First name", "Surname"]

    parsed = call("parse_bibtex", "--args", json.dumps({"text": "@book{k, title = {T\\'{e}st}, year = 2001}"}))
    assert parsed["entries"][0]["title"] == "Tést" and parsed["entries"][0]["year"] == 2001
    imported = call("import_bibtex", "path=Research/References.md")
    assert len(imported["created"]) == 5 and imported["errors"] == []
    assert (sample_kiln / "Research/Literature/page1999pagerank.md").read_text().count("[[Research/References]]") >= 1

    moc = call("research_map", "tag=research")
    moc_text = (sample_kiln / moc["path"]).read_text()
    assert moc["ranked"][0]["path"] == "Research/Concepts/Graph Centrality.md"
    assert "1. [[Research/Concepts/Graph Centrality]]" in moc_text
    assert not any(r["path"].startswith("Research/Literature/") for r in moc["ranked"])  # tagged literature

    report = call("check_consistency")
    assert any(v["word"] == "Brant" for v in report["variants"])
    assert [t["text"] for t in report["link_texts"]] == ["Tom Reyes"]
    assert "## Dangling links" in report["report"]

    sim = call("simulate_playtests", "games=200", "seed=3")
    assert sum(p["wins"] for p in sim["players"]) == 200
    balance = (sample_kiln / sim["path"]).read_text()
    assert "| Cautious | 10 |" in balance and "95%" in balance
    assert call("play_games", "--args", json.dumps({"rules": {"game": "pig", "die": 6, "bust": 1, "target": 20,
        "players": [{"name": "a", "hold_at": 5}, {"name": "b", "hold_at": 15}]}, "games": 10, "seed": 1}))["games"] == 10

    code, out, _ = cru(capsys, sample_kiln, "tools", "list", "--json")
    sample_tools = {t["name"] for t in json.loads(out) if t["plugin"] and not t["plugin"].startswith("std-")}
    assert sample_tools == called, f"tools without an end-to-end check: {sample_tools - called}"


# -- the dice roller's notation, as a property ------------------------------------------------

SIDES = [2, 3, 4, 6, 8, 10, 12, 20, 100]


@st.composite
def dice_term(draw):
    if draw(st.booleans()):
        value = draw(st.integers(0, 50))
        return str(value), {"flat": value}
    count = draw(st.integers(1, 6))
    sides = draw(st.sampled_from(SIDES))
    keep = draw(st.sampled_from(["", "kh", "kl", "dh", "dl"]))
    n = draw(st.integers(0 if keep in ("dh", "dl") else 1, count)) if keep else count
    explode = draw(st.booleans())
    text = f"{count}d{sides}" + (f"{keep}{n}" if keep else "") + ("!" if explode else "")
    kept = {"": count, "kh": n, "kl": n, "dh": count - n, "dl": count - n}[keep]
    highest = keep in ("kh", "dl")
    return text, {"count": count, "sides": sides, "kept": kept, "explode": explode,
                  "highest": highest if keep else None}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(terms=st.lists(st.tuples(st.sampled_from(["+", "-"]), dice_term()), min_size=1, max_size=4),
       seed=st.integers(-2**40, 2**40))
def test_any_roll_adds_up(test_kiln, terms, seed):
    notation = "".join(("" if i == 0 and sign == "+" else sign) + text for i, (sign, (text, _)) in enumerate(terms))
    result = test_kiln.registry.call("roll_dice", {"notation": notation, "seed": seed}, caller="cli")
    assert result == test_kiln.registry.call("roll_dice", {"notation": notation, "seed": seed}, caller="cli")
    expected_total = 0
    assert len(result["terms"]) == len(terms)
    for (sign, (_, spec)), term in zip(terms, result["terms"]):
        factor = -1 if sign == "-" else 1
        assert term["sign"] == factor
        if "flat" in spec:
            assert term["subtotal"] == factor * spec["flat"]
        else:
            assert len(term["rolls"]) == spec["count"] and len(term["kept"]) == spec["kept"]
            assert sorted(term["kept"] + term["dropped"]) == sorted(term["rolls"])
            for roll in term["rolls"]:
                assert roll >= 1 and (spec["explode"] or roll <= spec["sides"])
            if term["kept"] and term["dropped"]:
                if spec["highest"]:
                    assert min(term["kept"]) >= max(term["dropped"])
                else:
                    assert max(term["kept"]) <= min(term["dropped"])
            assert term["subtotal"] == factor * sum(term["kept"])
        expected_total += term["subtotal"]
    assert result["total"] == expected_total
    assert result["breakdown"].endswith(f"= {expected_total}")
