"""``http.*``: requests to the hosts listed under the plugin's ``net`` permission only."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request

from ..errors import CapabilityError, KilnError, UsageError
from .registry import HostFunction, Param

MAX_RESPONSE_BYTES = 5 * 1024 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are refused: following one could leave the approved hosts."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise KilnError(f"http: redirect to {newurl} refused (only approved hosts may be reached)")


def _guarded_connect(host: str, allow_private: bool):
    """``socket.create_connection`` that refuses a non-public peer unless that was approved.

    The check is on the address actually connected (not a separate lookup), so a DNS name the
    person approved cannot be rebound to 127.0.0.1, the LAN or 169.254.169.254 in between.
    """

    def connect(address, *args, **kwargs):
        sock = socket.create_connection(address, *args, **kwargs)
        peer = ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
        if not allow_private and not peer.is_global:
            sock.close()
            raise CapabilityError(f"http: host '{host}' resolves to the non-public address {peer}; only an "
                                  f"approved IP address (or localhost) may reach local or private networks")
        return sock

    return connect


def _opener(host: str, allow_private: bool) -> urllib.request.OpenerDirector:
    connect = _guarded_connect(host, allow_private)

    class Http(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class Https(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class HttpHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Http, req)

    class HttpsHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(Https, req, context=self._context)

    return urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}), HttpHandler, HttpsHandler)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _request(ctx, method: str, url, body=None, opts=None):
    if not isinstance(url, str):
        raise UsageError(f"http.{method.lower()}: url must be a string")
    fn = f"http.{method.lower()}"
    if any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise UsageError(f"{fn}: the URL contains spaces or control characters: {url!r}")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise UsageError(f"{fn}: bad URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{fn}: only http(s) URLs with a host are allowed: {url!r}")
    if "@" in parts.netloc:
        raise UsageError(f"{fn}: credentials in the URL are not allowed (send an Authorization header): {url!r}")
    host = parts.hostname.lower()
    hostport = f"{host}:{parts.port}" if parts.port else host
    allowed = {h.lower() for h in ctx.scope("net")}
    if host not in allowed and hostport not in allowed:
        raise CapabilityError(f"http: host '{host}' is not in this plugin's net permission "
                              f"({', '.join(sorted(allowed)) or 'none'})")
    opts = _table(opts, fn, "opts")
    headers = {str(k): str(v) for k, v in _table(opts.get("headers"), fn, "opts.headers").items()}
    if any(k.strip().lower() == "host" for k in headers):
        # The Host header picks the site on a shared server or proxy: it must be the approved host.
        raise CapabilityError(f"{fn}: setting the Host header is not allowed (it must match the approved host)")
    data = None
    if body is not None:
        if isinstance(body, (dict, list)):
            import json
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            data = str(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        timeout = max(0.1, min(float(opts.get("timeout_ms", 10_000)) / 1000, ctx.remaining_seconds()))
    except (TypeError, ValueError):
        raise UsageError(f"{fn}: opts.timeout_ms must be a number, got {opts.get('timeout_ms')!r}") from None
    try:
        opener = _opener(host, allow_private=_is_ip(host) or host == "localhost")
        with opener.open(req, timeout=timeout) as resp:
            payload = resp.read(MAX_RESPONSE_BYTES + 1)
            status, resp_headers = resp.status, dict(resp.headers.items())
    except urllib.error.HTTPError as e:
        payload, status, resp_headers = e.read(MAX_RESPONSE_BYTES + 1), e.code, dict(e.headers.items())
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as e:
        raise KilnError(f"http.{method.lower()} {url}: {getattr(e, 'reason', e)}") from None
    if len(payload) > MAX_RESPONSE_BYTES:
        raise KilnError(f"http.{method.lower()} {url}: response larger than {MAX_RESPONSE_BYTES} bytes")
    return {"status": status, "headers": resp_headers, "body": payload.decode("utf-8", "replace")}


def _table(value, fn: str, what: str) -> dict:
    if value is None or value == []:  # an empty Lua table arrives as []
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"{fn}: {what} must be a table/object, got {type(value).__name__}")
    return value


def get(ctx, url, opts=None):
    return _request(ctx, "GET", url, None, opts)


def post(ctx, url, body=None, opts=None):
    return _request(ctx, "POST", url, body, opts)


FUNCTIONS = (
    HostFunction("http", "get", "HTTP GET to a host listed in the plugin's `net` permission (no redirects).",
                 (Param("url", {"type": "string"}), Param("opts", {"type": "object"}, "{headers, timeout_ms}", required=False)),
                 "{status, headers, body}", "net", get,
                 example='local r = http.get("http://127.0.0.1:8080/")'),
    HostFunction("http", "post", "HTTP POST (a table body is sent as JSON) to an approved host.",
                 (Param("url", {"type": "string"}), Param("body", {}, required=False),
                  Param("opts", {"type": "object"}, required=False)),
                 "{status, headers, body}", "net", post,
                 example='local r = http.post("http://127.0.0.1:8080/", {a = 1})'),
)
