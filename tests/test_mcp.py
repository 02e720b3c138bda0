"""``cru mcp`` driven by the MCP SDK's own client over a real stdio subprocess, on a temp kiln."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from click.testing import CliRunner

from tests.conftest import write_note
from kiln_plugins.cli import cli
from kiln_plugins.config import RateLimit
from kiln_plugins.errors import LimitExceeded
from kiln_plugins.kiln import Kiln
from kiln_plugins.ratelimit import TokenBucket

CRU = str(Path(sys.executable).parent / "cru")
CLIENT = "test-agent"

WORK = """\
---
type: plugin
name: work
permissions: [kiln.read, kiln.write, net: [api.example.org]]
limits: {instructions: 200000}
tools:
  greet:
    description: Greet someone.
    parameters:
      type: object
      properties:
        who: {type: string}
        times: {type: integer, minimum: 1}
      required: [who]
  spin:
    description: Never ends (the instruction budget stops it).
    parameters: {type: object}
  scribble:
    description: Write a note (needs kiln.write approval).
    parameters: {type: object}
---
```lua
function greet(args)
  return {text = "hello " .. args.who}
end
function spin(args)
  while true do end
end
function scribble(args)
  kiln.write("out.md", "# out")
  return "written"
end
```
"""

STUCK = """\
---
type: plugin
name: stuck
limits: {timeout_ms: 300}
tools:
  stuck:
    description: One long C call (only killing the worker ends it).
    parameters: {type: object}
---
```lua
function stuck(args)
  return string.find(string.rep("a", 3000), string.rep("a-", 12) .. "b")
end
```
"""

ADDER_BROKEN = """\
---
type: plugin
name: adder
permissions: [kiln.read, kiln.write]
tools:
  add:
    description: Add two numbers and log the sum to a note.
    parameters:
      type: object
      properties:
        a: {type: number}
        b: {type: number}
      required: [a, b]
---
```lua
function add(args)
  kiln.write("sums.md", "# sum\\n" .. tostring(args.a + args.b))
  return {sum = args.a - args.b}
end
```

```lua test
assert_eq(add({a = 2, b = 3}).sum, 5)
```
"""
ADDER_FIXED = ADDER_BROKEN.replace("args.a - args.b", "args.a + args.b")


@pytest.fixture
def kiln_root(tmp_path):
    root = tmp_path / "kiln"
    write_note(root, "plugins/work.md", WORK)
    write_note(root, "plugins/stuck.md", STUCK)
    write_note(root, "Home.md", "# Home\nSee [[Other]].\n")
    write_note(root, "Other.md", "# Other\n")
    return root


def cru(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CRU, "--kiln", str(root), *args], capture_output=True, text=True, timeout=120)


@contextlib.asynccontextmanager
async def mcp_session(root: Path, log: Path, *, on_message=None, workers: int = 2):
    params = StdioServerParameters(command=CRU, args=["--kiln", str(root), "mcp", "--workers", str(workers)],
                                   env=dict(os.environ))
    with open(log, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write, message_handler=on_message,
                                     client_info=types.Implementation(name=CLIENT, version="1.0")) as session:
                await session.initialize()
                yield session


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if c.type == "text")


def test_tools_schemas_annotations_errors_and_rate(kiln_root, tmp_path):
    # A kiln may lower the rate: one token, then one every 0.1 s — calls over it wait, none fail.
    (kiln_root / ".crucible").mkdir()
    (kiln_root / ".crucible/config.toml").write_text("[mcp]\nrate_per_minute = 600\nburst = 1\n")

    async def scenario():
        async with mcp_session(kiln_root, tmp_path / "server.log") as s:
            greetings = []

            async def greet(i):
                greetings.append((await s.call_tool("greet", {"who": f"r{i}"})).structured_content["text"])

            async with anyio.create_task_group() as tg:
                for i in range(6):
                    tg.start_soon(greet, i)
            assert sorted(greetings) == [f"hello r{i}" for i in range(6)]

            tools = {t.name: t for t in (await s.list_tools()).tools}
            assert tools["greet"].input_schema == {
                "type": "object", "required": ["who"],
                "properties": {"who": {"type": "string"}, "times": {"type": "integer", "minimum": 1}}}
            assert tools["greet"].description == "Greet someone."
            work = tools["greet"].annotations
            assert (work.read_only_hint, work.destructive_hint, work.open_world_hint) == (False, True, True)
            read = tools["read_note"].annotations
            assert (read.read_only_hint, read.destructive_hint, read.open_world_hint) == (True, False, False)
            assert tools["delete_note"].annotations.destructive_hint is True
            assert {"list_plugins", "describe_plugin", "test_plugin", "create_plugin", "update_plugin",
                    "request_capability"} <= set(tools)

            built_in = await s.call_tool("outlinks", {"path": "Home.md"})
            assert not built_in.is_error
            assert [(o["path"], o["title"]) for o in json.loads(text_of(built_in))] == [("Other.md", "Other")]

            plugin = await s.call_tool("greet", {"who": "ann"})
            assert not plugin.is_error and plugin.structured_content == {"text": "hello ann"}

            bad = await s.call_tool("greet", {"who": 7})
            assert bad.is_error and text_of(bad) == "greet: invalid argument who: 7 is not of type 'string'"

            limit = await s.call_tool("spin", {})
            assert limit.is_error
            assert text_of(limit) == "plugins/work.md:27: plugin 'work' exceeded limit instructions = 200000"

            denied = await s.call_tool("scribble", {})
            assert denied.is_error and "cru plugins approve work --capability kiln.write" in text_of(denied)
            assert "\n" not in text_of(denied)

            unknown = await s.call_tool("no_such_tool", {})
            assert unknown.is_error and text_of(unknown).startswith("unknown tool 'no_such_tool'")

    anyio.run(scenario)
    assert not (kiln_root / "out.md").exists()
    with Kiln.open(kiln_root) as kiln:
        rows = kiln.state.audit.query(plugin="work", limit=20)
    assert {r["caller"] for r in rows} == {"mcp"}
    assert {r["outcome"] for r in rows} >= {"ok", "limit", "denied"}


def test_agent_loop_from_failing_test_to_calling_the_new_tool(kiln_root, tmp_path):
    changed = None
    async def scenario():
        nonlocal changed
        changed = anyio.Event()

        async def on_message(message):
            inner = getattr(message, "root", message)
            if getattr(inner, "method", None) == "notifications/tools/list_changed":
                changed.set()

        async with mcp_session(kiln_root, tmp_path / "server.log", on_message=on_message) as s:
            failing = await s.call_tool("test_plugin", {"note": ADDER_BROKEN})
            assert failing.is_error
            assert "plugins/adder.md:23: assert_eq failed: expected 5, got -1 (test 1 failed)" in text_of(failing)
            assert failing.structured_content["tests"][0]["passed"] is False

            invalid = await s.call_tool("test_plugin", {"note": ADDER_BROKEN.replace("  add:\n", "  add_numbers:\n")})
            assert invalid.is_error and "plugins/adder.md:" in text_of(invalid)
            assert invalid.structured_content["valid"] is False

            passing = await s.call_tool("test_plugin", {"note": ADDER_FIXED})
            assert not passing.is_error, text_of(passing)
            assert not (kiln_root / "plugins/adder.md").exists()  # testing saves nothing

            refused = await s.call_tool("create_plugin", {"note": ADDER_FIXED})
            assert refused.is_error and "cru plugins approve agent" in text_of(refused)

            approve = cru(kiln_root, "plugins", "approve", "agent")
            assert approve.returncode == 0, approve.stderr

            created = await s.call_tool("create_plugin", {"note": ADDER_FIXED})
            assert not created.is_error, text_of(created)
            assert created.structured_content["pending_capabilities"] == ["kiln.write"]
            with anyio.fail_after(60):
                await changed.wait()
            assert "add" in {t.name for t in (await s.list_tools()).tools}

            pending = await s.call_tool("add", {"a": 2, "b": 3})
            assert pending.is_error and "cru plugins approve adder --capability kiln.write" in text_of(pending)

            approve = cru(kiln_root, "plugins", "approve", "adder")
            assert approve.returncode == 0, approve.stderr
            result = await s.call_tool("add", {"a": 2, "b": 3})
            assert not result.is_error, text_of(result)
            assert result.structured_content == {"sum": 5}

            asked = await s.call_tool("request_capability", {"plugin": "adder", "capability": "net",
                                                              "reason": "fetch exchange rates"})
            assert not asked.is_error

            described = (await s.call_tool("describe_plugin", {"name": "adder"})).structured_content
            assert described["capabilities"] == {"kiln.write": "approved"}
            assert described["generated_by"] == CLIENT and described["tests"][0]["passed"] is True
            assert described["tools_detail"][0]["input_schema"]["required"] == ["a", "b"]
            listed = json.loads(text_of(await s.call_tool("list_plugins", {})))
            assert {p["name"]: p["generated_by"] for p in listed}["adder"] == CLIENT

            changed = anyio.Event()
            updated = await s.call_tool("update_plugin", {"name": "adder",
                                                          "note": ADDER_FIXED.replace("{sum =", "{v = 2, sum =")})
            assert not updated.is_error, text_of(updated)
            with anyio.fail_after(60):
                await changed.wait()
            again = await s.call_tool("add", {"a": 1, "b": 1})  # new code: approval asked again
            assert again.is_error and "cru plugins approve adder" in text_of(again)

    anyio.run(scenario)
    note = (kiln_root / "plugins/adder.md").read_text()
    assert f'generated_by: "{CLIENT}"' in note
    assert (kiln_root / "sums.md").read_text() == "# sum\n5"
    runner = CliRunner()
    listed = runner.invoke(cli, ["--kiln", str(kiln_root), "plugins", "list", "--json"])
    assert next(p for p in json.loads(listed.output) if p["name"] == "adder")["generated_by"] == CLIENT
    requests = runner.invoke(cli, ["--kiln", str(kiln_root), "plugins", "requests", "--json"])
    rows = json.loads(requests.output)
    assert [(r["plugin"], r["capability"], r["requested_by"]) for r in rows] == [("adder", "net", CLIENT)]
    table = runner.invoke(cli, ["--kiln", str(kiln_root), "plugins", "requests"])
    assert table.exit_code == 0 and "adder" in table.output and "net" in table.output


def test_200_concurrent_calls_each_get_their_own_answer(kiln_root, tmp_path):
    def expected(i: int):
        kind = i % 40
        if kind == 7:
            return "stuck", {}, (True, "plugin 'stuck' exceeded limit timeout_ms = 300")
        if kind in (3, 23):
            return "spin", {}, (True, "plugins/work.md:27: plugin 'work' exceeded limit instructions = 200000")
        if kind in (5, 25):
            return "greet", {"who": i}, (True, f"greet: invalid argument who: {i} is not of type 'string'")
        return "greet", {"who": f"n{i}"}, (False, json.dumps({"text": f"hello n{i}"}))

    answers: dict[int, tuple[bool, str]] = {}

    async def one(s, i):
        tool, args, _ = expected(i)
        result = await s.call_tool(tool, args)
        answers[i] = (result.is_error, text_of(result))

    async def scenario():
        async with mcp_session(kiln_root, tmp_path / "server.log") as s:
            async with anyio.create_task_group() as tg:
                for i in range(200):
                    tg.start_soon(one, s, i)
            after = await s.call_tool("greet", {"who": "after"})
            assert not after.is_error

    anyio.run(scenario)
    assert len(answers) == 200
    def matches(i: int) -> bool:
        is_error, text = answers[i]
        want_error, want = expected(i)[2]
        if expected(i)[0] == "stuck":  # the worker's watchdog names the note; the pool's kill cannot
            return is_error and text in (want, f"plugins/stuck.md: {want}")
        return (is_error, text) == (want_error, want)

    wrong = {i: answers[i] for i in range(200) if not matches(i)}
    assert not wrong
    with Kiln.open(kiln_root) as kiln:  # the calls whose worker died are audited by the server
        stuck = kiln.state.audit.query(plugin="stuck", limit=100)
    assert len(stuck) == 5 and {(r["outcome"], r["caller"]) for r in stuck} == {("limit", "mcp")}


# -- rate limits ------------------------------------------------------------------------------

def test_token_bucket_spends_the_burst_then_makes_calls_wait():
    bucket = TokenBucket(RateLimit(per_minute=60, burst=3), max_waiting=2, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve(0.0) == pytest.approx(1.0)  # one token a second: wait for it
    assert bucket.reserve(0.0) == pytest.approx(2.0)
    with pytest.raises(LimitExceeded) as full:
        bucket.reserve(0.0, "busy")
    assert str(full.value) == "plugin 'busy' exceeded limit rate_queue = 2"
    assert bucket.reserve(10.0) == 0.0  # refilled (never above the burst)
    assert bucket.tokens <= 3


def test_waiting_counts_reservations_in_debt():
    bucket = TokenBucket(RateLimit(per_minute=60, burst=1), now=0.0)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, pytest.approx(1.0), pytest.approx(2.0)]
    assert bucket.waiting(0.0) == 2
    assert bucket.waiting(1.5) == 1
    assert bucket.waiting(3.0) == 0


def test_approving_and_revoking_agents_through_the_cli(kiln_root):
    from kiln_plugins.agent_tools import agent_approved
    from kiln_plugins.cli import main

    assert main(["--kiln", str(kiln_root), "plugins", "approve", "agent", "--capability", "net"]) == 2
    with Kiln.open(kiln_root) as kiln:
        assert not agent_approved(kiln)
    assert main(["--kiln", str(kiln_root), "plugins", "approve", "agent"]) == 0
    with Kiln.open(kiln_root) as kiln:
        assert agent_approved(kiln)
    assert main(["--kiln", str(kiln_root), "plugins", "revoke", "agent"]) == 0
    with Kiln.open(kiln_root) as kiln:
        assert not agent_approved(kiln)


def test_resolving_agent_requests_through_the_cli(kiln_root):
    from kiln_plugins.cli import main

    with Kiln.open(kiln_root) as kiln:
        wants_write = kiln.approvals.request(kiln.root, "work", "kiln.write", reason="save results", requested_by="a")
        wants_fs = kiln.approvals.request(kiln.root, "work", "fs.read", reason="read a folder", requested_by="a")
        wants_net = kiln.approvals.request(kiln.root, "ghost", "net", reason="fetch", requested_by="a")
    base = ["--kiln", str(kiln_root), "plugins", "requests"]
    assert main([*base, "--approve", str(wants_fs)]) == 2  # work does not declare fs.read
    assert main([*base, "--approve", str(wants_net)]) == 2  # no such plugin yet
    assert main([*base, "--approve", str(wants_write)]) == 0
    assert main([*base, "--deny", str(wants_fs)]) == 0
    assert main([*base, "--deny", "999"]) == 2
    with Kiln.open(kiln_root) as kiln:
        spec = kiln.plugins.get("work")
        assert kiln.approvals.is_granted(kiln.root, "work", "kiln.write", spec.code_hash)
        assert [r.id for r in kiln.approvals.pending_requests(kiln.root)] == [wants_net]
