"""`cru run` and `cru eval` as a person meets them: exit codes 0/1/2/3/4, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kiln_plugins.cli import main
from tests.conftest import write_note
from tests.plugin_helpers import add_plugin

ANY = {"run": {"description": "x", "parameters": {"type": "object"}}}


@pytest.fixture
def kiln(tmp_path):
    root = tmp_path / "kiln"
    write_note(root, "a.md", "# A\nsee [[b]]\n")
    write_note(root, "b.md", "# B\n")
    add_plugin(root, "loop", "function run(a) while true do end end", limits={"instructions": 100000})
    add_plugin(root, "boom", 'function run2(a)\n  local x = nil\n  return x.y\nend',
               tools={"run2": {"description": "x", "parameters": {"type": "object"}}})
    add_plugin(root, "writer", 'function run3(a) kiln.write("w.md", "x") end', permissions=["kiln.write"],
               tools={"run3": {"description": "x", "parameters": {"type": "object"}}})
    add_plugin(root, "hang", 'function run4(a) return string.find(string.rep("a", 200000), ".-.-.-.-.-.-b") end',
               limits={"timeout_ms": 300}, tools={"run4": {"description": "x", "parameters": {"type": "object"}}})
    return root


def cru(capsys, kiln, *argv):
    code = main(["--kiln", str(kiln), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_limit_hit_is_exit_4_naming_limit_plugin_and_value(kiln, capsys):
    code, out, err = cru(capsys, kiln, "run", "run")
    assert code == 4 and out == ""
    assert err.strip() == "cru: plugins/loop.md:17: plugin 'loop' exceeded limit instructions = 100000"


def test_runtime_error_is_exit_1_with_the_note_line(kiln, capsys):
    code, _, err = cru(capsys, kiln, "run", "run2")
    assert code == 1
    assert err.startswith("cru: plugins/boom.md:") and "attempt to index a nil value" in err
    line = int(err.split(":")[2])
    assert (kiln / "plugins/boom.md").read_text().split("\n")[line - 1].strip() == "return x.y"


def test_missing_approval_without_a_tty_is_exit_3_with_the_command(kiln):
    proc = subprocess.run([sys.executable, "-m", "kiln_plugins.cli", "--kiln", str(kiln), "run", "run3"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, env=os.environ.copy())
    assert proc.returncode == 3
    assert "run `cru plugins approve writer --capability kiln.write`" in proc.stderr
    assert "Traceback" not in proc.stderr and not (kiln / "w.md").exists()


def test_a_long_single_c_call_is_ended_by_the_watchdog_with_exit_4(kiln):
    proc = subprocess.run([sys.executable, "-m", "kiln_plugins.cli", "--kiln", str(kiln), "run", "run4"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == 4, proc.stderr
    assert "timeout_ms" in proc.stderr and "Traceback" not in proc.stderr


def test_eval_lua_and_rune(kiln, capsys):
    code, out, _ = cru(capsys, kiln, "eval", "--lang", "lua", 'return kiln.read("a.md").title')
    assert code == 0 and json.loads(out) == "A"
    code, out, _ = cru(capsys, kiln, "eval", "--lang", "rune", 'kiln::read("b.md")["title"]')
    assert code == 0 and json.loads(out) == "B"
    code, out, _ = cru(capsys, kiln, "eval", "--lang", "lua", "1 + 2")
    assert code == 0 and json.loads(out) == 3


def test_eval_runs_with_kiln_read_only_unless_permissions_say_more(kiln, capsys):
    code, _, err = cru(capsys, kiln, "eval", 'state.set("k", 1)')
    assert code == 3 and "'state' without declaring" in err
    code, _, err = cru(capsys, kiln, "eval", "--permissions", "kiln.read,state", 'state.set("k", 1) return "ok"')
    assert code == 0
    code, _, err = cru(capsys, kiln, "eval", "--permissions", "kiln.bogus", "1")
    assert code == 2 and "kiln.bogus" in err


def test_eval_syntax_error_is_exit_2(kiln, capsys):
    code, _, err = cru(capsys, kiln, "eval", "function (")
    assert code == 2 and err.startswith("cru: <eval>:1:")
