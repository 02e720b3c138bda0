"""``http.*``: requests to the hosts listed under the plugin's ``net`` permission only."""

from __future__ import annotations

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


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def _request(ctx, method: str, url, body=None, opts=None):
    if not isinstance(url, str):
        raise UsageError(f"http.{method.lower()}: url must be a string")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"http.{method.lower()}: only http(s) URLs with a host are allowed: {url!r}")
    host = parts.hostname.lower()
    hostport = f"{host}:{parts.port}" if parts.port else host
    allowed = {h.lower() for h in ctx.scope("net")}
    if host not in allowed and hostport not in allowed:
        raise CapabilityError(f"http: host '{host}' is not in this plugin's net permission "
                              f"({', '.join(sorted(allowed)) or 'none'})")
    opts = opts or {}
    headers = {str(k): str(v) for k, v in (opts.get("headers") or {}).items()}
    data = None
    if body is not None:
        if isinstance(body, (dict, list)):
            import json
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            data = str(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    timeout = max(0.1, min(float(opts.get("timeout_ms", 10_000)) / 1000, ctx.remaining_seconds()))
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            payload = resp.read(MAX_RESPONSE_BYTES + 1)
            status, resp_headers = resp.status, dict(resp.headers.items())
    except urllib.error.HTTPError as e:
        payload, status, resp_headers = e.read(MAX_RESPONSE_BYTES + 1), e.code, dict(e.headers.items())
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise KilnError(f"http.{method.lower()} {url}: {getattr(e, 'reason', e)}") from None
    if len(payload) > MAX_RESPONSE_BYTES:
        raise KilnError(f"http.{method.lower()} {url}: response larger than {MAX_RESPONSE_BYTES} bytes")
    return {"status": status, "headers": resp_headers, "body": payload.decode("utf-8", "replace")}


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
