"""Hot reload: what a reload reports, a call in flight finishing on the old version, ``cru watch``
printing changes, and the MCP server sending ``tools/list_changed`` for a note edited on disk."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import anyio
import pytest

from tests.conftest import write_note
from kiln_plugins.kiln import Kiln
from kiln_plugins.watch import ReloadReport, note_filter, reload_kiln

CRU = str(Path(sys.executable).parent / "cru")


def plugin(name: str, tool: str, body: str, extra: str = "") -> str:
    return (f"---\ntype: plugin\nname: {name}\n{extra}tools:\n  {tool}:\n    description: A tool.\n"
            f"    parameters: {{type: object}}\n---\n```lua\nfunction {tool}(args)\n  {body}\nend\n```\n")


@pytest.fixture
def kiln_root(tmp_path):
    root = tmp_path / "kiln"
    write_note(root, "Home.md", "# Home\n")
    write_note(root, "plugins/alpha.md", plugin("alpha", "alpha_tool", 'return "a1"'))
    return root


def test_reload_reports_added_changed_invalid_removed(kiln_root):
    with Kiln.open(kiln_root) as kiln:
        assert reload_kiln(kiln) == ReloadReport()
        write_note(kiln_root, "plugins/beta.md", plugin("beta", "beta_tool", 'return "b"'))
        report = reload_kiln(kiln)
        assert (report.added, report.changed, report.removed, report.invalid) == (("beta",), (), (), ())
        assert kiln.registry.call("beta_tool", {}) == "b"

        write_note(kiln_root, "plugins/alpha.md", plugin("alpha", "alpha_tool", 'return "a2"'))
        report = reload_kiln(kiln)
        assert report.changed == ("alpha",) and report.lines() == ["changed alpha"]
        assert kiln.registry.call("alpha_tool", {}) == "a2"

        write_note(kiln_root, "plugins/beta.md", plugin("beta", "beta_tool", 'return "b"', "permissions: [teleport]\n"))
        report = reload_kiln(kiln)
        assert len(report.invalid) == 1 and report.invalid[0].startswith("beta: plugins/beta.md:4: ")
        assert "teleport" in report.invalid[0]
        assert "beta_tool" not in {t.name for t in kiln.registry.tools()}

        (kiln_root / "plugins/beta.md").unlink()
        assert reload_kiln(kiln).removed == ("beta",)

        write_note(kiln_root, "Home.md", "# Home\nedited\n")
        report = reload_kiln(kiln)
        assert report.notes == 1 and not report.plugins_changed and report.lines() == []


def test_note_filter_skips_dot_folders_and_other_files(tmp_path):
    accept = note_filter([tmp_path])
    assert accept(None, str(tmp_path / "plugins/a.md"))
    assert not accept(None, str(tmp_path / ".crucible/cache.md"))
    assert not accept(None, str(tmp_path / "plugins/.a.md.tmp-1"))
    assert not accept(None, str(tmp_path / "image.png"))
    assert not accept(None, "/elsewhere/a.md")


def test_call_in_flight_completes_on_the_old_version(kiln_root):
    # v1 logs that it started, then keeps running until it sees the index change under it.
    waiting = ('local before = tools.call("get_kiln_info", {}).notes\n  log.info("started")\n'
               '  while tools.call("get_kiln_info", {}).notes == before do\n'
               '    for i = 1, 20000 do end\n  end\n  return "v1"')
    limits = "permissions: [kiln.read, tools.call]\nlimits: {timeout_ms: 60000, instructions: 10000000000}\n"
    write_note(kiln_root, "plugins/slowpoke.md", plugin("slowpoke", "version", waiting, limits))
    started = threading.Event()
    with Kiln.open(kiln_root, on_log=lambda level, message: started.set()) as kiln:
        box: dict = {}

        def run():
            try:
                box["result"] = kiln.registry.call("version", {})
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                box["result"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        assert started.wait(60)
        write_note(kiln_root, "plugins/slowpoke.md", plugin("slowpoke", "version", 'return "v2"', limits))
        write_note(kiln_root, "New.md", "# New\n")
        assert reload_kiln(kiln).changed == ("slowpoke",)
        thread.join(60)
        assert box.get("result") == "v1"
        assert kiln.registry.call("version", {}) == "v2"


def _lines(proc: subprocess.Popen) -> "queue.Queue[str]":
    lines: queue.Queue[str] = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _next_line(lines: "queue.Queue[str]", prefix: str) -> str:
    while True:
        line = lines.get(timeout=60)
        if line.startswith(prefix):
            return line


def test_cru_watch_prints_what_changed(kiln_root):
    proc = subprocess.Popen([CRU, "--kiln", str(kiln_root), "watch"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, COLUMNS="200"))
    try:
        lines = _lines(proc)
        assert _next_line(lines, "watching").startswith(f"watching {kiln_root}")
        write_note(kiln_root, "plugins/gamma.md", plugin("gamma", "gamma_tool", 'return "g"'))
        assert _next_line(lines, "added") == "added gamma"
        write_note(kiln_root, "plugins/gamma.md", plugin("gamma", "gamma_tool", 'return "g2"'))
        assert _next_line(lines, "changed") == "changed gamma"
        write_note(kiln_root, "plugins/gamma.md", plugin("gamma", "gamma_tool", "return", "version: banana\n"))
        assert _next_line(lines, "invalid").startswith("invalid gamma: plugins/gamma.md:4: ")
        (kiln_root / "plugins/gamma.md").unlink()
        assert _next_line(lines, "removed") == "removed gamma"
    finally:
        proc.terminate()
        proc.wait(30)


def test_mcp_server_reloads_an_edited_note_and_notifies(kiln_root, tmp_path):
    from test_mcp import mcp_session, text_of

    async def scenario():
        changed = anyio.Event()

        async def on_message(message):
            if getattr(getattr(message, "root", message), "method", None) == "notifications/tools/list_changed":
                changed.set()

        async with mcp_session(kiln_root, tmp_path / "server.log", on_message=on_message, workers=1) as s:
            assert text_of(await s.call_tool("alpha_tool", {})) == '"a1"'
            write_note(kiln_root, "plugins/alpha.md", plugin("alpha", "alpha_tool", 'return "a2"'))
            write_note(kiln_root, "plugins/delta.md", plugin("delta", "delta_tool", 'return "d"'))
            with anyio.fail_after(60):
                await changed.wait()
            names = {t.name for t in (await s.list_tools()).tools}
            assert {"alpha_tool", "delta_tool"} <= names
            assert text_of(await s.call_tool("alpha_tool", {})) == '"a2"'
            assert text_of(await s.call_tool("delta_tool", {})) == '"d"'

    anyio.run(scenario)
