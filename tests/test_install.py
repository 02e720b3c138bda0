"""`cru plugins install`: validate, test in a throwaway copy, copy in, list pending approvals."""

from __future__ import annotations

import json

from kiln_plugins.cli import main
from tests.conftest import write_note
from tests.plugin_helpers import plugin_note

GOOD = plugin_note("greeter", 'function greet(a) kiln.write("hello.md", "hi " .. a.who) return "hi " .. a.who end',
                   permissions=["kiln.read", "kiln.write"],
                   tools={"greet": {"description": "greet", "parameters": {
                       "type": "object", "properties": {"who": {"type": "string"}}, "required": ["who"]}}},
                   tests=['assert_eq(greet({who = "x"}), "hi x")'])


def test_install_validates_tests_copies_and_lists_approvals(tmp_path, capsys):
    kiln = tmp_path / "kiln"
    write_note(kiln, "a.md", "# A\n")
    src = tmp_path / "greeter.md"
    src.write_text(GOOD)
    assert main(["--kiln", str(kiln), "plugins", "install", str(src)]) == 0
    out = capsys.readouterr().out
    assert "Installed greeter 1.0.0" in out and "1 tests passed" in out
    assert "cru plugins approve greeter --capability kiln.write" in out
    assert (kiln / "plugins" / "greeter.md").read_text() == GOOD
    assert not (kiln / "hello.md").exists()  # the tests ran in a throwaway copy
    assert main(["--kiln", str(kiln), "plugins", "list", "--json"]) == 0
    assert "greeter" in [p["name"] for p in json.loads(capsys.readouterr().out)]
    # installing again needs --force
    assert main(["--kiln", str(kiln), "plugins", "install", str(src)]) == 2
    assert "exists (use --force" in capsys.readouterr().err


def test_install_refuses_failing_tests_and_invalid_notes(tmp_path, capsys):
    kiln = tmp_path / "kiln"
    kiln.mkdir()
    failing = tmp_path / "failing.md"
    failing.write_text(GOOD.replace('"hi x")', '"bye")'))
    assert main(["--kiln", str(kiln), "plugins", "install", str(failing)]) == 1
    assert "1 of 1 tests failed" in capsys.readouterr().err
    invalid = tmp_path / "invalid.md"
    invalid.write_text(GOOD.replace("kiln.write", "kiln.nuke"))
    assert main(["--kiln", str(kiln), "plugins", "install", str(invalid)]) == 2
    err = capsys.readouterr().err
    assert "invalid.md:" in err and "kiln.nuke" in err
    assert not (kiln / "plugins").exists()


def test_install_to_the_user_folder(tmp_path, capsys, monkeypatch):
    kiln = tmp_path / "kiln"
    kiln.mkdir()
    monkeypatch.setenv("CRUCIBLE_CONFIG_DIR", str(tmp_path / "conf"))
    src = tmp_path / "greeter.md"
    src.write_text(GOOD)
    assert main(["--kiln", str(kiln), "plugins", "install", str(src), "--scope", "user"]) == 0
    assert (tmp_path / "conf" / "plugins" / "greeter.md").exists()
    capsys.readouterr()
    main(["--kiln", str(kiln), "plugins", "list", "--json"])
    entry = next(p for p in json.loads(capsys.readouterr().out) if p["name"] == "greeter")
    assert entry["source"] == "user"
