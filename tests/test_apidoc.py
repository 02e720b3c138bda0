"""docs/api.md is generated from the host-function table, and every example in it runs."""

from __future__ import annotations

import http.server
import threading

import pytest

from kiln_plugins import apidoc
from kiln_plugins.capabilities import PermissionSet
from kiln_plugins.context import CallContext, CallTree
from kiln_plugins.hostapi.catalog import HOST_FUNCTIONS
from kiln_plugins.hostapi.registry import bind_all
from kiln_plugins.limits import DEFAULT_LIMITS
from kiln_plugins.model import CodeChunk
from kiln_plugins.plugin_tests import throwaway_kiln
from tests.conftest import SAMPLE_KILN

# Notes the examples of other modules name, added to a copy of the sample kiln.
EXAMPLE_NOTES = {
    "Welcome.md": "# Welcome\nStart at [[Home]]; beware the dragon.\n",
    "npcs/Goblin.md": "---\ntype: npc\n---\nA goblin who fears the dragon. See [[Welcome]].\n",
    "scratch/hello.md": "Hello\n",
}
PERMISSIONS = ["kiln.read", "kiln.write", "state", "tools.call", {"net": ["127.0.0.1"]}]
CODE_HASH = "apidoc-examples"
EXAMPLE_PORT = 8080


def test_docs_api_md_is_current():
    current = apidoc.DOC_PATH.read_text(encoding="utf-8") if apidoc.DOC_PATH.exists() else ""
    assert current == apidoc.render_api_doc(), "docs/api.md is stale: run python -m kiln_plugins.apidoc"
    assert apidoc.main(["--check"]) == 0


def test_every_function_is_documented_with_an_example():
    text = apidoc.render_api_doc()
    for fn in HOST_FUNCTIONS:
        assert fn.example.strip(), f"{fn.qualified} has no example"
        assert f"### `{apidoc.signature(fn)}`" in text
        assert fn.example.rstrip() in text


def test_stale_detection_sees_a_changed_table(tmp_path):
    fewer = apidoc.render_api_doc(HOST_FUNCTIONS[:-1])
    assert fewer != apidoc.render_api_doc()
    assert "std-fsm" in apidoc.render_api_doc() and "| [`std-fsm`]" in fewer


class _Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self._reply()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._reply()

    def _reply(self):
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def echo_server():
    """A local server on the port the http examples use, or None when the port is taken."""
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", EXAMPLE_PORT), _Echo)
    except OSError:
        yield None
        return
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def kiln():
    with throwaway_kiln(SAMPLE_KILN, extra_notes=EXAMPLE_NOTES) as k:
        k.approvals.grant(k.root, "apidoc", "net", CODE_HASH)
        yield k


def run_example(kiln, language: str, source: str, line: int):
    ctx = CallContext(kiln=kiln, tree=CallTree(kiln), plugin="apidoc", permissions=PermissionSet.parse(PERMISSIONS),
                      code_hash=CODE_HASH, limits=DEFAULT_LIMITS, caller="test", test_mode=True)
    runtime = kiln.runtime_for(language)
    unit = runtime([], bind_all(HOST_FUNCTIONS, ctx), DEFAULT_LIMITS, plugin="apidoc", on_log=ctx.log)
    try:
        return unit.eval(CodeChunk(source, "docs/api.md", line))
    finally:
        ctx.tree.rollback(RuntimeError("example finished"))


def doc_line(text: str, example: str) -> int:
    return text[:text.index(example.rstrip())].count("\n") + 1


@pytest.mark.parametrize("fn", HOST_FUNCTIONS, ids=lambda f: f.qualified)
def test_lua_example_runs(kiln, echo_server, fn):
    if fn.capability == "net" and echo_server is None:
        pytest.skip(f"port {EXAMPLE_PORT} is in use; {fn.qualified}'s example needs it")
    run_example(kiln, "lua", fn.example, doc_line(apidoc.render_api_doc(), fn.example))


def _rune_ready() -> bool:
    try:
        import kiln_plugins.rune.unit  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("fn", [f for f in HOST_FUNCTIONS if f.rune_example], ids=lambda f: f.qualified)
def test_rune_example_runs(kiln, echo_server, fn):
    if not _rune_ready():
        pytest.skip("the Rune runtime does not import yet")
    if fn.capability == "net" and echo_server is None:
        pytest.skip(f"port {EXAMPLE_PORT} is in use")
    run_example(kiln, "rune", fn.rune_example, doc_line(apidoc.render_api_doc(), fn.rune_example))
