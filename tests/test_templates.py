"""``cru plugins new``: the generated note validates, its test passes, its tool runs (both languages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiln_plugins.cli import main
from kiln_plugins.templates import TEMPLATES, render_plugin, tool_name_for


def cru(capsys, root: Path, *argv: str):
    code = main(["--kiln", str(root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def kiln(tmp_path) -> Path:
    (tmp_path / "Home.md").write_text("# Home\n\nA kiln with one note that links to [[Elsewhere]].\n")
    return tmp_path


@pytest.mark.parametrize("language", sorted(TEMPLATES))
def test_a_new_plugin_validates_passes_its_test_and_runs(kiln, capsys, language):
    code, out, _ = cru(capsys, kiln, "plugins", "new", "word-count", "--lang", language)
    assert code == 0 and "Created plugins/word-count.md" in out
    note = kiln / "plugins/word-count.md"
    assert f"```{language}\n" in note.read_text() and f"```{language} test\n" in note.read_text()

    code, out, err = cru(capsys, kiln, "plugins", "validate", str(note))
    assert code == 0, err
    code, out, _ = cru(capsys, kiln, "plugins", "test", "word-count", "--json")
    results = json.loads(out)
    assert code == 0 and len(results) == 1 and results[0]["passed"], results

    code, out, err = cru(capsys, kiln, "run", "word_count", "path=Home.md")
    assert code == 0, err
    assert json.loads(out) == {"path": "Home.md", "title": "Home", "words": 11, "links": 1}  # "#" and "Home" count

    code, out, _ = cru(capsys, kiln, "plugins", "list", "--json")
    row = next(r for r in json.loads(out) if r["name"] == "word-count")
    assert row["valid"] and row["language"] == language and row["tools"] == ["word_count"]
    assert row["permissions"] == ["kiln.read"]


@pytest.mark.parametrize("language", sorted(TEMPLATES))
def test_the_generated_test_really_tests_the_tool(kiln, capsys, language):
    cru(capsys, kiln, "plugins", "new", "counter", "--lang", language)
    note = kiln / "plugins/counter.md"
    broken = "words = 0" if language == "lua" else "words: 0"
    text = note.read_text()
    text = text.replace("words = words", "words = 0", 1) if language == "lua" else text.replace("words: words", broken, 1)
    note.write_text(text)
    code, out, _ = cru(capsys, kiln, "plugins", "test", "counter", "--json")
    assert code == 1 and not json.loads(out)[0]["passed"]


def test_names_and_clashes(kiln, capsys):
    code, _, err = cru(capsys, kiln, "plugins", "new", "Bad Name")
    assert code == 2 and "must be kebab-case" in err
    code, _, err = cru(capsys, kiln, "plugins", "new", "ok", "--lang", "python")
    assert code == 2 and "python" in err
    assert cru(capsys, kiln, "plugins", "new", "ok")[0] == 0
    code, _, err = cru(capsys, kiln, "plugins", "new", "ok", "--lang", "rune")
    assert code == 2 and "exists (use --force" in err
    assert cru(capsys, kiln, "plugins", "new", "ok", "--lang", "rune", "--force")[0] == 0
    assert "```rune\n" in (kiln / "plugins/ok.md").read_text()
    assert cru(capsys, kiln, "plugins", "new", "deep", "--folder", "code/plugins/")[0] == 0
    assert (kiln / "code/plugins/deep.md").is_file()
    assert cru(capsys, kiln, "plugins", "test", "deep")[0] == 0


@pytest.mark.parametrize("name, tool", [("word-count", "word_count"), ("end", "end_tool"), ("fn", "fn_tool"),
                                        ("3d-dice", "tool_3d_dice"), ("x", "x")])
def test_tool_names_are_valid_identifiers_in_both_languages(name, tool, kiln, capsys):
    assert tool_name_for(name) == tool
    for language in TEMPLATES:
        (kiln / f"{name}-{language}.md").write_text(render_plugin(name, language).replace(
            f"name: {name}\n", f"name: {name}-{language}\n"))
    # Both templates define the same tool name, so validating the kiln as a whole reports the
    # second one as a conflict; each note on its own (compiled too) is valid.
    for language in TEMPLATES:
        code, out, err = cru(capsys, kiln, "plugins", "validate", str(kiln / f"{name}-{language}.md"))
        assert code == 0, err
    code, out, err = cru(capsys, kiln, "plugins", "validate")
    assert code == 2 and f"tool '{tool}' is already defined by {name}-lua; skipped" in err
