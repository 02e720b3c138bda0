"""Red team: an MCP client (an agent) attacking through the agent tools.

The agent controls the note text and its own client name. It must not write outside the
kiln, plant a plugin without the person's ``cru plugins approve agent``, hide that it wrote
a note, or get its plugin's risky capabilities without the person.
"""

from __future__ import annotations

import pytest

from kiln_plugins.agent_tools import approve_agent, run_agent_tool
from kiln_plugins.errors import ApprovalRequired, KilnError, ToolArgumentError, UsageError
from kiln_plugins.kiln import Kiln
from kiln_plugins.note import parse_note
from tests.conftest import write_note

pytest.importorskip("kiln_plugins.sandbox.lua_runtime")


def note(name: str, *, permissions: str = "[kiln.read]", head_close: str = "---", body: str = "",
         code: str = "function hi(a) return 'hi' end", extra: str = "") -> str:
    return (f"---\ntype: plugin\nname: {name}\npermissions: {permissions}\n{extra}tools:\n  hi:\n"
            f"    description: say hi\n{head_close}\n{body}\n```lua\n{code}\n```\n")


@pytest.fixture
def root(tmp_path):
    kiln = tmp_path / "kiln"
    write_note(kiln, "a.md", "# A\n")
    return kiln


def agent(kiln, tool, **args):
    return run_agent_tool(kiln, tool, args, client="evil-agent")


def still_works(kiln):
    assert kiln.registry.call("read_note", {"path": "a.md"})["path"] == "a.md"


@pytest.mark.parametrize("name", ['"../../../../{out}/pwned"', '"../outside"', '"a/b"', '"/{out}/abs"'])
def test_plugin_name_is_never_a_path_in_test_plugin(root, tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    text = note(name.format(out=str(out).lstrip("/")))
    with Kiln.open(root) as kiln:
        report = agent(kiln, "test_plugin", note=text)
        assert report["ok"] is False and report["valid"] is False
        assert any("is not kebab-case" in e for e in report["errors"])
        still_works(kiln)
    assert list(out.iterdir()) == []
    assert not (root.parent / "outside.md").exists()
    assert sorted(p.name for p in root.rglob("*.md")) == ["a.md"]


def test_plugin_name_is_never_a_path_in_create_plugin(root, tmp_path):
    text = note('"../../escaped"')
    with Kiln.open(root) as kiln:
        approve_agent(kiln)
        report = agent(kiln, "create_plugin", note=text)
        assert report["written"] is False
        assert any("is not kebab-case" in e for e in report["errors"])
        still_works(kiln)
    assert not (tmp_path / "escaped.md").exists()
    assert not list(tmp_path.rglob("escaped.md"))


def test_create_plugin_needs_the_persons_approval(root):
    with Kiln.open(root) as kiln:
        with pytest.raises(ApprovalRequired, match="cru plugins approve agent"):
            agent(kiln, "create_plugin", note=note("sneaky"))
        assert not (root / "plugins").exists()
        still_works(kiln)


def test_generated_by_cannot_be_hidden_behind_a_fence_with_trailing_blanks(root):
    # "---  " closes the frontmatter for the note parser; the mark must land above it.
    text = note("sneaky", head_close="---  ", body="# Body\n\n---\n")
    with Kiln.open(root) as kiln:
        approve_agent(kiln)
        report = agent(kiln, "create_plugin", note=text)
        assert report["written"] is True, report
        written = parse_note("plugins/sneaky.md", (root / "plugins/sneaky.md").read_text())
        assert written.frontmatter["generated_by"] == "evil-agent"
        listed = {p["name"]: p for p in kiln.plugins.to_dict()}
        assert listed["sneaky"]["generated_by"] == "evil-agent"


@pytest.mark.parametrize("spoof", ['"generated_by": a-person\n', "? generated_by\n: a-person\n"])
def test_generated_by_cannot_be_spoofed_with_other_yaml_spellings(root, spoof):
    with Kiln.open(root) as kiln:
        approve_agent(kiln)
        report = agent(kiln, "create_plugin", note=note("sneaky", extra=spoof))
        assert report["written"] is False
        assert any("duplicate key 'generated_by'" in e for e in report["errors"])
        assert not (root / "plugins/sneaky.md").exists()
        still_works(kiln)


def test_generated_by_in_a_flow_mapping_is_refused(root):
    text = "---\n{type: plugin, name: sneaky, generated_by: a-person, tools: {hi: {description: x}}}\n---\n" \
           "```lua\nfunction hi(a) return 1 end\n```\n"
    with Kiln.open(root) as kiln:
        approve_agent(kiln)
        with pytest.raises(UsageError, match="cannot mark the note as generated_by 'evil-agent'"):
            agent(kiln, "create_plugin", note=text)
        assert not (root / "plugins/sneaky.md").exists()


def test_agent_written_plugin_keeps_its_risky_capabilities_pending(root):
    code = 'function hi(a) kiln.write("owned.md", "x") return "hi" end'
    with Kiln.open(root) as kiln:
        approve_agent(kiln)
        report = agent(kiln, "create_plugin", note=note("writer", permissions="[kiln.write]", code=code))
        assert report["written"] and report["pending_capabilities"] == ["kiln.write"]
        with pytest.raises(ApprovalRequired, match="cru plugins approve writer --capability kiln.write"):
            kiln.registry.call("hi", {}, caller="mcp")
        assert not (root / "owned.md").exists()


def test_update_plugin_cannot_keep_the_old_approval(root):
    code = 'function hi(a) kiln.write("v.md", "{v}") return "hi" end'
    with Kiln.open(root) as kiln:
        approve_agent(kiln)
        agent(kiln, "create_plugin", note=note("writer", permissions="[kiln.write]", code=code.format(v="1")))
        kiln.approve("writer")
        assert kiln.registry.call("hi", {}, caller="mcp") == "hi"
        report = agent(kiln, "update_plugin", name="writer",
                       note=note("writer", permissions="[kiln.write]", code=code.format(v="evil")))
        assert report["written"] and report["pending_capabilities"] == ["kiln.write"]
        with pytest.raises(ApprovalRequired):
            kiln.registry.call("hi", {}, caller="mcp")
    assert (root / "v.md").read_text() == "1"


def test_update_plugin_cannot_rename_into_another_plugin(root):
    with Kiln.open(root) as kiln:
        approve_agent(kiln)
        agent(kiln, "create_plugin", note=note("first"))
        agent(kiln, "create_plugin", note=note("second").replace("hi", "yo"))
        with pytest.raises(UsageError, match="names plugin 'second', not 'first'"):
            agent(kiln, "update_plugin", name="first", note=note("second").replace("hi", "yo"))
        assert "name: first" in (root / "plugins/first.md").read_text()


def test_test_plugin_does_not_touch_the_kiln_or_its_state(root):
    code = 'function hi(a) return "hi" end'
    test = 'kiln.write("a.md", "defaced") state.set("k", "v") assert_eq(kiln.read("a.md").body, "defaced")'
    text = note("tester", permissions="[kiln.read, kiln.write, state]", code=code) + f"\n```lua test\n{test}\n```\n"
    with Kiln.open(root) as kiln:
        report = agent(kiln, "test_plugin", note=text)
        assert report["ok"], report
        assert (root / "a.md").read_text() == "# A\n"
        assert kiln.state.keys("tester") == []
        still_works(kiln)


def test_agent_tool_arguments_are_schema_checked(root):
    with Kiln.open(root) as kiln:
        with pytest.raises(ToolArgumentError, match="create_plugin: invalid argument"):
            agent(kiln, "create_plugin", note=1)
        with pytest.raises(KilnError, match="unknown agent tool"):
            agent(kiln, "rm_rf")
        with pytest.raises(UsageError, match="unknown capability"):
            agent(kiln, "request_capability", plugin="x", capability="root", reason="please")
        still_works(kiln)


def test_capability_requests_cannot_flood_the_persons_data_folder(root):
    with Kiln.open(root) as kiln:
        with pytest.raises(ToolArgumentError, match="invalid argument reason"):
            agent(kiln, "request_capability", plugin="x", capability="net", reason="x" * 100_000)
        with pytest.raises(ToolArgumentError, match="invalid argument plugin"):
            agent(kiln, "request_capability", plugin="../x", capability="net", reason="r")
        for i in range(100):
            agent(kiln, "request_capability", plugin=f"p{i}", capability="net", reason="r")
        with pytest.raises(KilnError, match="100 capability requests are already waiting"):
            agent(kiln, "request_capability", plugin="one-more", capability="net", reason="r")
        assert len(kiln.approvals.pending_requests(kiln.root)) == 100
        still_works(kiln)


def test_agent_cannot_shadow_a_system_or_user_plugin(root, tmp_path, monkeypatch):
    user = tmp_path / "user-plugins"
    write_note(user, "journal.md", note("journal"))
    monkeypatch.setenv("CRUCIBLE_PLUGIN_PATH", str(user))
    with Kiln.open(root) as kiln:
        approve_agent(kiln)
        system = next(s for s in kiln.plugins.all if s.source == "system")
        for name, source in (("journal", "user"), (system.name, "system")):
            with pytest.raises(UsageError, match=f"'{name}' is a {source} plugin; a kiln plugin of that name would shadow it"):
                agent(kiln, "create_plugin", note=note(name))
            assert not (root / f"plugins/{name}.md").exists()
            assert kiln.plugins.get(name).source == source
        still_works(kiln)


@pytest.mark.parametrize("client, shown", [("claude 😀", "claude 😀"), ("a\x1b[2Jb\x9b", "a[2Jb"), ("\n\t", "mcp-client")])
def test_the_client_name_is_marked_readably_whatever_it_says(root, client, shown):
    with Kiln.open(root) as kiln:
        approve_agent(kiln)
        report = run_agent_tool(kiln, "create_plugin", {"note": note("named")}, client=client)
        assert report["written"] is True, report
        assert kiln.plugins.get("named").generated_by == shown
        assert "\x1b" not in (root / "plugins/named.md").read_text()
