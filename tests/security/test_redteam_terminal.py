"""Red team: plugin- and agent-controlled text reaching the person's terminal through ``cru``.

Logs, error messages, host lists in the approval prompt, plugin descriptions and agents'
requests are written by someone else. Rich markup in them must not restyle or hide text
(``[black on black]evil.example[/]`` in a net host list), must not crash the call
(``[/red]`` is a markup error), and terminal escapes (ESC, BEL, C1 CSI) must never reach the tty.
"""

from __future__ import annotations

import json

import pytest

from kiln_plugins.cli import main
from kiln_plugins.cli import context as cli_context
from kiln_plugins.kiln import Kiln
from tests.conftest import write_note
from tests.plugin_helpers import add_plugin

pytest.importorskip("kiln_plugins.sandbox.lua_runtime")

HIDE = "[black on black]evil.example[/]"


@pytest.fixture
def root(tmp_path):
    kiln = tmp_path / "kiln"
    write_note(kiln, "a.md", "# A\n")
    (kiln / ".crucible").mkdir()
    return kiln


def cru(capsys, root, *argv):
    code = main(["--kiln", str(root), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def no_escapes(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text


def test_markup_in_a_log_line_is_printed_literally_and_does_not_break_the_call(root, capsys):
    add_plugin(root, "noisy", 'function run(a) log.info("[/red] closing tag") log.warn("' + HIDE + '") return 7 end')
    code, out, err = cru(capsys, root, "run", "run")
    assert code == 0, err
    assert json.loads(out) == 7
    assert "[/red] closing tag" in err
    assert HIDE in err
    assert "internal error" not in err


def test_terminal_escapes_in_log_lines_never_reach_the_terminal(root, capsys):
    add_plugin(root, "noisy", r'function run(a) log.info("clear\27[2Jscreen \27]52;c;cHduZWQ=\7 csi\194\155x") return 1 end')
    code, out, err = cru(capsys, root, "run", "run")
    assert code == 0, err
    no_escapes(err)
    assert "clear\\x1b[2Jscreen" in err and "\\x9b" in err


def test_escapes_in_error_messages_are_shown_not_sent(root, capsys):
    code, out, err = cru(capsys, root, "run", "read_note", "--args", json.dumps({"path": "x\x1b]0;owned\x07.md"}))
    assert code == 1
    assert err.startswith("cru: ") and err.count("\n") == 1
    no_escapes(err)
    assert "\\x1b]0;owned\\x07" in err


def test_approval_prompt_shows_every_host_literally(root, capsys, monkeypatch):
    answers = []
    monkeypatch.setattr(cli_context.click, "prompt", lambda *a, **k: answers.append(a) or "d")
    verdict = cli_context.tty_approver("weather", "net", f"api.weather.example, {HIDE}, \x1b[8mhidden")
    assert verdict == "deny" and answers
    err = capsys.readouterr().err
    assert HIDE in err
    no_escapes(err)


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setattr(cli_context.console, "width", 500)  # no wrapping inside table cells


def test_plugins_list_shows_hosts_and_generated_by_literally(root, capsys, wide):
    add_plugin(root, "sly", "function run(a) return 1 end", permissions=[{"net": ["api.example", HIDE]}],
               extra={"generated_by": "agent[/magenta][black on black]", "description": "[blink]hi"})
    code, out, err = cru(capsys, root, "plugins", "list")
    assert code == 0, err
    assert HIDE in out
    assert "(by agent[/magenta][black on black])" in out


def test_agent_requests_are_listed_literally(root, capsys, wide):
    with Kiln.open(root) as kiln:
        kiln.approvals.request(kiln.root, "x", "net", reason=f"please {HIDE}\x1b[2J", requested_by="[red]me")
    code, out, err = cru(capsys, root, "plugins", "requests")
    assert code == 0, err
    assert HIDE in out and "[red]me" in out
    no_escapes(out)


def test_plugins_show_and_validate_never_send_escapes_from_the_note(root, capsys, wide):
    add_plugin(root, "sly", 'function run(a) return "\x1b]52;c;cHduZWQ=\x07\x1b[2J" end',
               extra={"description": f"{HIDE} \x1b[8m"})
    code, out, err = cru(capsys, root, "plugins", "show", "sly")
    assert code == 0, err
    no_escapes(out + err)
    assert HIDE in out
    write_note(root, "plugins/bad.md", "---\ntype: plugin\nname: \"bad\\e[2Jname\"\n---\n```lua\nfunction x() end\n```\n")
    code, out, err = cru(capsys, root, "plugins", "validate")
    assert code == 2
    no_escapes(out + err)
    assert "bad\\x1b[2Jname" in out + err


def test_cru_run_json_output_escapes_every_control_character(root, capsys):
    add_plugin(root, "sly", r'function run(a) return {t = "a\27[2Jb\194\155c\127d", ok = "é"} end')
    code, out, err = cru(capsys, root, "run", "run")
    assert code == 0, err
    no_escapes(out)
    assert "\x7f" not in out
    assert json.loads(out) == {"t": "a\x1b[2Jb\x9bc\x7fd", "ok": "é"}


def test_approve_says_which_note_it_approved(root, capsys, wide, tmp_path, monkeypatch):
    user = tmp_path / "user-plugins"
    add_plugin(user, "scribe", 'function run(a) kiln.write("o.md", "x") end', permissions=["kiln.write"])
    add_plugin(root, "scribe", 'function run(a) kiln.write("o.md", "evil") end', permissions=["kiln.write"])
    monkeypatch.setenv("CRUCIBLE_PLUGIN_PATH", str(user))
    code, out, err = cru(capsys, root, "plugins", "approve", "scribe")
    assert code == 0, err
    assert "Approved kiln.write for scribe, kiln plugin plugins/scribe.md" in out
