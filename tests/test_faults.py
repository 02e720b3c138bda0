"""Fault injection: processes SIGKILLed while a plugin writes notes and state lose nothing.

A plugin ``scribe`` rewrites four notes (400 KB each, so the commit takes a while) with the
round number from its state and then bumps that state. We run it through the real CLI
(``cru run scribe`` in a subprocess) and kill the process at random moments — half of the
kills at a random time of the whole run, half the moment an atomic-write temp file shows up,
i.e. in the middle of the commit — and after every kill check (DESIGN §6):

* every note holds exactly its old or its new content (round S or S+1 for state S, never a
  torn or empty file);
* the next start sweeps the temp files the killed writer left (they are swept once older
  than the writer's grace period, so the test ages them instead of waiting a minute);
* ``state.db`` passes SQLite's integrity check and opens with the right schema, and its
  values agree with each other.

The same runs with worker processes of the pool (the MCP server's isolation) killed mid-call,
once on a pool in this process and once under a real ``cru mcp`` driven by the MCP SDK's client
(the worker is struck while it holds the plugin's state lock, i.e. inside the call): the call
ends with a clean one-line error and an audit row, the worker is replaced, nothing is
half-written.
The default run does a few dozen kills; ``make stress`` does hundreds.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiln_plugins.errors import PluginRuntimeError
from kiln_plugins.kiln import Kiln
from kiln_plugins.kiln_writer import TEMP_PATTERN
from kiln_plugins.state import SCHEMA_VERSION
from tests.plugin_helpers import add_plugin

REPO = Path(__file__).resolve().parents[1]
NOTES = ("log/a.md", "log/b.md", "deep/er/c.md", "d.md")
PAD = 400_000

SCRIBE = """
local NOTES = {"log/a.md", "log/b.md", "deep/er/c.md", "d.md"}
local LETTERS = "abcdefghij"

function body(path, n)
  local i = n % 10 + 1
  return "round " .. n .. " of " .. path .. "\\n" .. string.rep(LETTERS:sub(i, i), PAD) .. "\\n"
end

function scribe(args)
  local n = (state.get("n") or 0) + 1
  for _, path in ipairs(NOTES) do
    kiln.write(path, body(path, n))
  end
  state.set("n", n)
  state.set("last", {round = n, notes = #NOTES})
  state.set("slot_" .. (n % 7), n)
  return n
end
""".replace("PAD", str(PAD))


def expected(path: str, n: int) -> str:
    """The exact content ``scribe`` writes to ``path`` in round ``n``."""
    return f"round {n} of {path}\n" + "abcdefghij"[n % 10] * PAD + "\n"


@dataclass
class Tally:
    """What a fault run did, printed for docs/reliability.md."""

    kills: int = 0
    """Processes killed mid-run."""
    completed: int = 0
    """Runs that finished before the kill landed."""
    temp_files_swept: int = 0
    """Temp files left by killed writers and removed by the next start."""
    torn_notes_seen: int = 0
    """Notes with content other than a whole old or new version (must stay 0)."""


def make_kiln(root: Path) -> Path:
    """A kiln with the scribe plugin, approved to write."""
    add_plugin(root, "scribe", SCRIBE, permissions=["kiln.write", "state"],
               tools={"scribe": {"description": "rewrite the log notes", "parameters": {"type": "object"}}},
               limits={"timeout_ms": 60_000})
    (root / "README.md").write_text("# Fault kiln\n", encoding="utf-8")
    with Kiln.open(root) as kiln:
        assert kiln.approve("scribe") == ["kiln.write"]
    return root


def temp_files(root: Path) -> list[Path]:
    """Atomic-write temp files anywhere in the kiln (outside dot-folders)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(folder, f) for f in files if TEMP_PATTERN.match(f)]
    return found


def committed_state(root: Path) -> dict:
    """scribe's committed state, read with plain sqlite3 after an integrity check."""
    db = sqlite3.connect(root / ".crucible" / "state.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        import json
        return {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM kv WHERE plugin='scribe'")}
    finally:
        db.close()


def check_after_fault(root: Path, tally: Tally) -> int:
    """Every invariant after a kill; returns the committed round."""
    left = temp_files(root)
    for path in left:  # the next start sweeps them once older than the writer grace period
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    with Kiln.open(root) as kiln:  # the next start: sweeps, indexes, opens state.db
        assert temp_files(root) == []
        tally.temp_files_swept += len(left)
        n = kiln.state.get("scribe", "n", 0)
    state = committed_state(root)
    assert state.get("n", 0) == n
    if n:
        assert state["last"] == {"round": n, "notes": len(NOTES)}
        assert state[f"slot_{n % 7}"] == n
    for note in NOTES:
        file = root / note
        if not file.exists():
            assert n == 0, f"{note} vanished at round {n}"
            continue
        text = file.read_text(encoding="utf-8")
        whole = {expected(note, k) for k in (n, n + 1) if k > 0}
        if text not in whole:
            tally.torn_notes_seen += 1
            raise AssertionError(f"{note}: neither round {n} nor {n + 1}: {text[:40]!r}… ({len(text)} chars)")
    return n


def run_cru(root: Path) -> subprocess.Popen:
    """Start ``cru run scribe`` on the kiln."""
    return subprocess.Popen([sys.executable, "-m", "kiln_plugins.cli", "--kiln", str(root), "run", "scribe"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kill_when_writing(proc: subprocess.Popen, root: Path, rng: random.Random, full_run_s: float) -> bool:
    """SIGKILL ``proc`` at a random moment; True when it died by the kill."""
    if rng.random() < 0.5:
        deadline = time.monotonic() + rng.uniform(0.0, full_run_s)
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.001)
    else:  # wait for the commit to start, then strike at once or within a millisecond
        give_up = time.monotonic() + 5 * full_run_s + 10
        while proc.poll() is None and time.monotonic() < give_up and not temp_files(root):
            pass
        if rng.random() < 0.5:
            time.sleep(rng.uniform(0.0, 0.001))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate()
    if proc.returncode == -signal.SIGKILL:
        return True
    assert proc.returncode == 0, err.decode()
    return False


def fault_run(root: Path, kills: int, seed: int) -> Tally:
    """Kill ``cru run scribe`` ``kills`` times and check every invariant after each."""
    rng = random.Random(seed)
    tally = Tally()
    started = time.monotonic()
    proc = run_cru(root)
    out, err = proc.communicate()
    assert proc.returncode == 0, err.decode()
    full_run_s = time.monotonic() - started
    round_ = check_after_fault(root, tally)
    assert round_ == int(out) == 1
    while tally.kills < kills:
        if kill_when_writing(run_cru(root), root, rng, full_run_s):
            tally.kills += 1
        else:
            tally.completed += 1
        now = check_after_fault(root, tally)
        assert now in (round_, round_ + 1)
        round_ = now
    proc = run_cru(root)  # an unkilled run still works afterwards and moves on by exactly one
    out, err = proc.communicate()
    assert proc.returncode == 0 and int(out) == round_ + 1, err.decode()
    assert check_after_fault(root, tally) == round_ + 1
    assert tally.torn_notes_seen == 0
    print(f"\nfaults(cru run): {tally}")
    return tally


def test_cru_run_killed_at_random_points_loses_nothing(tmp_path):
    root = make_kiln(tmp_path / "kiln")
    tally = fault_run(root, kills=12, seed=9)
    assert tally.kills == 12
    with Kiln.open(root) as kiln:  # the audit log has no torn row and none without its round
        rows = kiln.state.audit.query(plugin="scribe", limit=1000)
        n = kiln.state.get("scribe", "n")
    assert all(r["outcome"] == "ok" and r["tool"] == "scribe" for r in rows)
    assert tally.completed + 2 <= len(rows) <= n


@pytest.mark.stress
def test_cru_run_killed_hundreds_of_times_loses_nothing(tmp_path):
    tally = fault_run(make_kiln(tmp_path / "kiln"), kills=300, seed=90)
    assert tally.kills == 300


# -- workers of the pool (the MCP server's isolation) ---------------------------------------

def pool_fault_run(root: Path, kills: int, seed: int, kill_share: float = 0.5) -> Tally:
    """Call scribe through a 2-worker pool, as the MCP server does, until ``kills`` calls were killed."""
    from kiln_plugins.workers import WorkerPool, audit_lost_call, limits_for

    rng = random.Random(seed)
    tally = Tally()
    kiln = Kiln.open(root, caller="mcp")
    limits = limits_for(kiln, "scribe")
    outcomes = {"ok": 0, "crashed": 0}
    killed: list[int] = []
    try:
        with WorkerPool(root, size=2, on_lost_call=audit_lost_call(kiln)) as pool:
            stop = threading.Event()

            def killer():
                while not stop.is_set():
                    time.sleep(rng.uniform(0.0, 0.4))
                    busy = pool.busy_pids()
                    if busy and rng.random() < kill_share:
                        pid = rng.choice(busy)
                        try:
                            os.kill(pid, signal.SIGKILL)
                            killed.append(pid)
                        except ProcessLookupError:
                            pass

            thread = threading.Thread(target=killer, daemon=True)
            thread.start()
            try:
                while outcomes["crashed"] < kills:
                    assert outcomes["ok"] < 50 * kills, "the killer never struck"
                    try:
                        pool.call("scribe", {}, caller="mcp", limits=limits)
                        outcomes["ok"] += 1
                    except PluginRuntimeError as exc:
                        assert "worker crashed during plugin 'scribe' tool 'scribe'" in str(exc), str(exc)
                        assert "SIGKILL" in str(exc) and "\n" not in str(exc)
                        outcomes["crashed"] += 1
            finally:
                stop.set()
                thread.join()
            pool.call("scribe", {}, caller="mcp", limits=limits)  # whole again after every kill
            outcomes["ok"] += 1
    finally:
        kiln.close()  # flushes the rows of the calls the workers never finished
    tally.kills, tally.completed = outcomes["crashed"], outcomes["ok"]
    n = check_after_fault(root, tally)
    # A killed call may have committed before it died; an answered one always has.
    assert outcomes["ok"] <= n <= outcomes["ok"] + outcomes["crashed"]
    with Kiln.open(root) as kiln:
        rows = Counter(r["outcome"] for r in kiln.state.audit.query(plugin="scribe", limit=100_000))
    assert rows["error"] == outcomes["crashed"]  # every killed call has its row, written by the pool
    assert outcomes["ok"] <= rows["ok"] <= n  # every answered call has its row, written by its worker
    assert tally.torn_notes_seen == 0
    print(f"\nfaults(worker pool): {tally}, {len(killed)} SIGKILLs sent, audit {dict(rows)}")
    return tally


def test_pool_workers_killed_mid_call_lose_nothing(tmp_path):
    tally = pool_fault_run(make_kiln(tmp_path / "kiln"), kills=4, seed=7)
    assert tally.kills == 4 and tally.completed >= 1  # the last call always answers


@pytest.mark.stress
def test_pool_workers_killed_hundreds_of_times_lose_nothing(tmp_path):
    tally = pool_fault_run(make_kiln(tmp_path / "kiln"), kills=200, seed=70, kill_share=0.8)
    assert tally.kills == 200


# -- the MCP server: workers killed under `cru mcp`, driven by the SDK's own client ----------

def worker_pids(root: Path) -> list[int]:
    """Pids of the worker processes serving the kiln at ``root`` (from /proc)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            argv = Path(entry.path, "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"kiln_plugins.worker_main" in argv and str(root.resolve()).encode() in argv:
            found.append(int(entry.name))
    return found


def holding_state_lock(root: Path) -> list[int]:
    """Workers of ``root`` inside a plugin's state transaction (its lock file is open): mid-call."""
    locks = str((root / ".crucible" / "state.db.locks").resolve())
    busy = []
    for pid in worker_pids(root):
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        if any(link.startswith(locks + "/") for link in links):
            busy.append(pid)
    return busy


def mcp_fault_run(root: Path, log: Path, rounds: int, seed: int) -> Tally:
    """Call scribe over MCP ``rounds`` times, SIGKILLing the server's workers while it runs."""
    import anyio
    import mcp_types as types
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    rng = random.Random(seed)
    tally = Tally()
    answers = {"ok": 0, "crashed": 0}
    cru = str(Path(sys.executable).parent / "cru")
    params = StdioServerParameters(command=cru, args=["--kiln", str(root), "mcp", "--workers", "2"],
                                   env=dict(os.environ))

    async def scenario():
        with open(log, "w") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write):
                async with ClientSession(read, write, client_info=types.Implementation(
                        name="fault-test", version="1")) as session:
                    await session.initialize()
                    for _ in range(rounds):
                        got = {}

                        async def call():
                            got["result"] = await session.call_tool("scribe", {})

                        async with anyio.create_task_group() as tg:
                            tg.start_soon(call)
                            give_up = time.monotonic() + 60
                            while "result" not in got and time.monotonic() < give_up:
                                busy = holding_state_lock(root)
                                if busy:  # inside the call: strike now or a moment later
                                    await anyio.sleep(rng.uniform(0.0, rng.choice((0.03, 0.5))))
                                    try:
                                        os.kill(busy[0], signal.SIGKILL)
                                        tally.kills += 1
                                    except ProcessLookupError:
                                        pass
                                    break
                                await anyio.sleep(0)
                        result = got["result"]
                        text = "\n".join(c.text for c in result.content if c.type == "text")
                        if result.is_error:
                            assert "worker crashed during plugin 'scribe' tool 'scribe'" in text, text
                            answers["crashed"] += 1
                        else:
                            answers["ok"] += 1
                    last = await session.call_tool("scribe", {})  # the server is whole again
                    assert not last.is_error
                    answers["ok"] += 1

    anyio.run(scenario)
    tally.completed = answers["ok"]
    n = check_after_fault(root, tally)
    assert answers["ok"] <= n <= answers["ok"] + answers["crashed"]
    with Kiln.open(root) as kiln:
        rows = Counter(r["outcome"] for r in kiln.state.audit.query(plugin="scribe", limit=100_000))
    assert rows["error"] == answers["crashed"] and answers["ok"] <= rows["ok"] <= n
    assert "Traceback" not in log.read_text()
    print(f"\nfaults(cru mcp): {tally}, {answers}, audit {dict(rows)}")
    return tally


def test_mcp_server_workers_killed_mid_call_lose_nothing(tmp_path):
    tally = mcp_fault_run(make_kiln(tmp_path / "kiln"), tmp_path / "mcp.log", rounds=8, seed=5)
    assert tally.kills >= 4


@pytest.mark.stress
def test_mcp_server_workers_killed_many_times_lose_nothing(tmp_path):
    tally = mcp_fault_run(make_kiln(tmp_path / "kiln"), tmp_path / "mcp.log", rounds=150, seed=50)
    assert tally.kills >= 100
