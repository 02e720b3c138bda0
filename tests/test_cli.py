"""The cru CLI: exit codes, one-line errors, JSON shapes (DESIGN §10)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiln_plugins.cli import main
from tests.conftest import write_note


@pytest.fixture
def kiln(tmp_path):
    write_note(tmp_path, "a.md", "---\ntags: [x]\n---\n# Alpha\nDragons live here. [[b]]\n")
    write_note(tmp_path, "b.md", "# Beta\nNothing.\n")
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_creates_the_data_folder(kiln, capsys):
    code, out, _ = run(capsys, "--kiln", str(kiln), "init")
    assert code == 0 and "2 notes" in out
    assert (kiln / ".crucible" / "cache.db").exists()
    assert "cache.db" in (kiln / ".crucible" / ".gitignore").read_text()


def test_search_json_shape(kiln, capsys):
    code, out, _ = run(capsys, "--kiln", str(kiln), "search", "dragons", "--json")
    assert code == 0
    hits = json.loads(out)
    assert [h["path"] for h in hits] == ["a.md"]
    assert set(hits[0]) == {"path", "title", "score", "snippet"}


def test_run_prints_the_unwrapped_result(kiln, capsys):
    code, out, _ = run(capsys, "--kiln", str(kiln), "run", "read_note", "path=b.md")
    assert code == 0
    assert json.loads(out)["content"].startswith("# Beta")


def test_tool_argument_errors_exit_2_in_one_line(kiln, capsys):
    code, out, err = run(capsys, "--kiln", str(kiln), "run", "read_note", "--args", '{"path": 3}')
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "invalid argument path" in err
    code, _, err = run(capsys, "--kiln", str(kiln), "run", "read_note", "--args", "{nope")
    assert code == 2 and "--args is not valid JSON" in err


def test_unknown_tool_and_missing_note(kiln, capsys):
    assert run(capsys, "--kiln", str(kiln), "run", "nope")[0] == 2
    code, _, err = run(capsys, "--kiln", str(kiln), "run", "read_note", "path=zzz.md")
    assert code == 1 and err.strip() == "cru: note not found: 'zzz.md'"


def test_tools_list_json_shape(kiln, capsys):
    code, out, _ = run(capsys, "--kiln", str(kiln), "tools", "list", "--json")
    tools = json.loads(out)
    assert code == 0 and {"name", "description", "plugin", "input_schema", "annotations"} == set(tools[0])


def test_plugins_list_json_and_validate_exit_codes(kiln, capsys):
    write_note(kiln, "plugins/bad.md", "---\ntype: plugin\nname: bad\npermissions: [kiln.nuke]\n"
                                       "tools:\n  t: {description: x}\n---\n```lua\nfunction t() end\n```\n")
    code, out, _ = run(capsys, "--kiln", str(kiln), "plugins", "list", "--json")
    assert code == 0
    entry = next(p for p in json.loads(out) if p["name"] == "bad")
    assert entry["valid"] is False and entry["shadowed"] is False
    assert any("plugins/bad.md:4:" in e for e in entry["errors"])
    code, _, err = run(capsys, "--kiln", str(kiln), "plugins", "validate")
    assert code == 2 and "plugins/bad.md:4:" in err


def test_kiln_is_found_upward_from_the_current_folder(kiln, capsys, monkeypatch):
    (kiln / ".crucible").mkdir()
    (kiln / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(kiln / "deep" / "er")
    code, out, _ = run(capsys, "run", "get_kiln_info")
    assert code == 0 and json.loads(out)["root"] == str(kiln.resolve())


def test_no_traceback_from_the_real_console_script(kiln):
    proc = subprocess.run([sys.executable, "-m", "kiln_plugins.cli", "--kiln", str(kiln), "run", "read_note",
                           "--args", "[1]"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("cru: ")
