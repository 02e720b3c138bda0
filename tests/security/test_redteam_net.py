"""Red team: a plugin with an approved ``net: [127.0.0.1]`` trying to reach anything else.

A real HTTP server on the loopback stands in for the approved host (and records what it
was sent). Every trick must end in a one-line KilnError, and the host must keep working.
"""

from __future__ import annotations

import http.server
import threading

import pytest

from kiln_plugins.errors import ApprovalRequired, CapabilityError, KilnError
from kiln_plugins.kiln import Kiln
from tests.conftest import write_note
from tests.plugin_helpers import add_plugin

pytest.importorskip("kiln_plugins.sandbox.lua_runtime")


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):
        Recorder.seen.append((self.path, dict(self.headers)))
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_port}/inner")
            self.end_headers()
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_port
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def kiln(tmp_path):
    root = tmp_path / "kiln"
    write_note(root, "a.md", "# A\n")
    add_plugin(root, "net", "function run(a) return http.get(a.url, a.opts) end",
               permissions=[{"net": ["127.0.0.1"]}])
    with Kiln.open(root) as kiln:
        kiln.approve("net")
        Recorder.seen.clear()
        yield kiln


def fetch(kiln, url, opts=None):
    args = {"url": url} if opts is None else {"url": url, "opts": opts}
    return kiln.registry.call("run", args)


def still_works(kiln, port):
    assert fetch(kiln, f"http://127.0.0.1:{port}/ok")["body"] == "hello"


def test_the_approved_host_works(kiln, server):
    result = fetch(kiln, f"http://127.0.0.1:{server}/ok")
    assert (result["status"], result["body"]) == (200, "hello")
    assert Recorder.seen[0][1]["Host"] == f"127.0.0.1:{server}"


@pytest.mark.parametrize("url, message", [
    ("http://localhost:{port}/", "host 'localhost' is not in this plugin's net permission"),
    ("http://[::ffff:127.0.0.1]:{port}/", "host '::ffff:127.0.0.1' is not in"),
    ("http://2130706433:{port}/", "host '2130706433' is not in"),
    ("http://0x7f000001:{port}/", "host '0x7f000001' is not in"),
    ("http://127.1:{port}/", "host '127.1' is not in"),
    ("http://127.0.0.1.nip.io:{port}/", "host '127.0.0.1.nip.io' is not in"),
    ("http://evil.example#@127.0.0.1:{port}/", "host 'evil.example' is not in"),
    ("http://evil.example?@127.0.0.1:{port}/", "host 'evil.example' is not in"),
])
def test_other_spellings_of_loopback_and_parser_confusion_are_refused(kiln, server, url, message):
    with pytest.raises(CapabilityError, match=message):
        fetch(kiln, url.format(port=server))
    assert Recorder.seen == []
    still_works(kiln, server)


@pytest.mark.parametrize("url, message", [
    ("http://user:pw@127.0.0.1:{port}/", "credentials in the URL are not allowed"),
    ("http://127.0.0.1:{port}\\@evil.example/", "credentials in the URL are not allowed"),
    ("http://127.0.0.1%2f@evil.example:{port}/", "credentials in the URL are not allowed"),
    ("http://127.0.0.1:{port}/\r\nX-Injected: 1", "spaces or control characters"),
    ("http://127.0.0.1:99999/", "bad URL .*Port out of range"),
    ("file:///etc/passwd", "only http\\(s\\) URLs with a host"),
    ("gopher://127.0.0.1:{port}/", "only http\\(s\\) URLs"),
])
def test_malformed_urls_are_one_line_errors(kiln, server, url, message):
    with pytest.raises(KilnError, match=message):
        fetch(kiln, url.format(port=server))
    assert Recorder.seen == []
    still_works(kiln, server)


def test_redirect_off_the_approved_host_is_refused(kiln, server):
    with pytest.raises(KilnError, match=f"redirect to http://localhost:{server}/inner refused"):
        fetch(kiln, f"http://127.0.0.1:{server}/redirect")
    assert [p for p, _ in Recorder.seen] == ["/redirect"]
    still_works(kiln, server)


@pytest.mark.parametrize("opts, error, message", [
    ({"headers": {"Host": "admin.internal"}}, CapabilityError, "setting the Host header is not allowed"),
    ({"headers": {"host ": "admin.internal"}}, CapabilityError, "setting the Host header is not allowed"),
    ({"headers": {"X": "a\r\nHost: admin.internal"}}, KilnError, "Invalid header value"),
    ({"headers": [1, 2]}, KilnError, "opts.headers must be a table/object"),
    ({"timeout_ms": "soon"}, KilnError, "opts.timeout_ms must be a number"),
])
def test_header_tricks_and_bad_options(kiln, server, opts, error, message):
    with pytest.raises(error, match=message):
        fetch(kiln, f"http://127.0.0.1:{server}/", opts)
    assert Recorder.seen == []
    still_works(kiln, server)


def test_net_needs_approval_for_the_current_code(tmp_path, server):
    root = tmp_path / "k"
    write_note(root, "a.md", "# A\n")
    note = add_plugin(root, "net", "function run(a) return http.get(a.url) end", permissions=[{"net": ["127.0.0.1"]}])
    with Kiln.open(root) as kiln:
        kiln.approve("net")
        assert kiln.registry.call("run", {"url": f"http://127.0.0.1:{server}/"})["status"] == 200
    # Widening the host list is an edit of the manifest: the approval no longer applies.
    note.write_text(note.read_text().replace("- 127.0.0.1", "- 127.0.0.1\n  - localhost"))
    with Kiln.open(root) as kiln:
        assert kiln.plugins.get("net").permissions[0].scope == ("127.0.0.1", "localhost")
        with pytest.raises(ApprovalRequired, match="cru plugins approve net --capability net"):
            kiln.registry.call("run", {"url": f"http://localhost:{server}/"})


def _loopback_name() -> str | None:
    """A DNS name other than 'localhost' that resolves to loopback here (the machine's name, usually)."""
    import ipaddress
    import socket

    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, 80, proto=socket.IPPROTO_TCP)
    except OSError:
        return None
    addresses = {ipaddress.ip_address(i[4][0]) for i in infos}
    return name if name != "localhost" and addresses and all(a.is_loopback for a in addresses) else None


def test_an_approved_dns_name_that_resolves_to_loopback_is_refused(tmp_path, server):
    name = _loopback_name()
    if name is None:
        pytest.skip("this machine's name does not resolve to loopback only")
    root = tmp_path / "k"
    write_note(root, "a.md", "# A\n")
    add_plugin(root, "rebind", "function run(a) return http.get(a.url) end", permissions=[{"net": [name, "127.0.0.1"]}])
    with Kiln.open(root) as kiln:
        kiln.approve("rebind")
        Recorder.seen.clear()
        with pytest.raises(CapabilityError, match=f"host '{name}' resolves to the non-public address 127.0.0.1"):
            kiln.registry.call("run", {"url": f"http://{name}:{server}/"})
        assert Recorder.seen == []
        # The same server by its approved IP literal is fine: the person named that address.
        assert kiln.registry.call("run", {"url": f"http://127.0.0.1:{server}/"})["status"] == 200


def test_localhost_by_name_is_allowed_when_approved_by_name(tmp_path, server):
    root = tmp_path / "k"
    write_note(root, "a.md", "# A\n")
    add_plugin(root, "local", "function run(a) return http.get(a.url) end", permissions=[{"net": ["localhost"]}])
    with Kiln.open(root) as kiln:
        kiln.approve("local")
        try:
            result = kiln.registry.call("run", {"url": f"http://localhost:{server}/"})
        except KilnError as exc:  # localhost may resolve to ::1 first where the server is not listening
            assert "Connection refused" in str(exc) or "Cannot assign" in str(exc)
        else:
            assert result["status"] == 200
