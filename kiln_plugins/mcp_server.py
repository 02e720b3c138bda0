"""``cru mcp``: the kiln's tools over the Model Context Protocol on stdio (DESIGN §11).

A thin adapter: the tool list comes from the one :class:`~kiln_plugins.tools.ToolRegistry`
(plus the agent tools of :mod:`kiln_plugins.agent_tools`), and every call runs on the worker
pool (``isolation="process"``) with caller ``mcp`` — so limits, capabilities, approvals and
the audit are exactly the CLI's. Calls are rate-limited per plugin (they wait, they do not
fail). A KilnError becomes an MCP tool error (``isError``) carrying the same one-line message.
Changed notes are picked up by watchfiles; when the plugins change the server sends
``notifications/tools/list_changed``.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import watchfiles
from mcp.server.lowlevel.server import NotificationOptions, Server

from .agent_tools import AGENT, AGENT_TOOL_TABLE, AGENT_TOOLS
from .errors import KilnError
from .ratelimit import RateLimiter
from .watch import DEBOUNCE_MS, READY_POLL_MS, ReloadReport, note_filter, reload_kiln, watch_paths
from .workers import CallLimits, WorkerPool, limits_for, open_runner

__all__ = ["McpService", "serve_stdio", "error_text", "DEFAULT_WORKERS"]

DEFAULT_WORKERS = 2
"""Worker processes of ``cru mcp`` unless ``--workers`` says otherwise."""
AGENT_LIMITS = CallLimits(timeout_ms=120_000, memory_mb=256, plugin=AGENT)
"""Agent tools run whole test suites in a kiln copy: a generous wall clock."""
_WRITING_AGENT_TOOLS = {"create_plugin", "update_plugin"}


def error_text(exc: KilnError) -> str:
    """The error's one line, then one line per further diagnostic."""
    lines = [str(exc)]
    lines += [str(d) for d in getattr(exc, "diagnostics", ()) if str(d) != str(exc)]
    return "\n".join(lines)


def _annotations(raw: dict) -> types.ToolAnnotations:
    return types.ToolAnnotations(read_only_hint=raw.get("readOnlyHint"), destructive_hint=raw.get("destructiveHint"),
                                 open_world_hint=raw.get("openWorldHint"))


def _result(value: Any, *, agent: bool) -> types.CallToolResult:
    """A tool's return value as JSON text (and structured content when it is an object).

    Agent tools answer with a report: its ``lines`` are the text, and ``ok: false`` (a failing
    test, an invalid note) makes it an error result the agent cannot overlook.
    """
    report = agent and isinstance(value, dict) and "lines" in value
    text = "\n".join(value["lines"]) if report else json.dumps(value, ensure_ascii=False, default=str)
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                structured_content=value if isinstance(value, dict) else None,
                                is_error=bool(report and value.get("ok") is False))


class McpService:
    """The MCP server's state: the kiln (tool list), the worker pool, rate limits, the session."""

    def __init__(self, kiln, pool: WorkerPool):
        """``pool`` is a WorkerPool, or an InProcessRunner for ``--isolation in-process``."""
        self.kiln = kiln
        self.pool = pool
        self.limiter = RateLimiter(kiln.settings.rate)
        self.capacity = anyio.CapacityLimiter(pool.size)
        self.session = None  # the last request's session: its standalone channel outlives the request
        self.ready = anyio.Event()
        self.server = Server("cru", version=_version(), instructions=(
            "Tools of a markdown kiln. Plugins are notes; use list_plugins/describe_plugin to learn them, "
            "test_plugin to try a plugin note, create_plugin to add one."),
            on_list_tools=self.on_list_tools, on_call_tool=self.on_call_tool)

    # -- tools/list ---------------------------------------------------------------------
    def tools(self) -> list[types.Tool]:
        """Registry tools (built-in and plugin) followed by the agent tools."""
        listed = [types.Tool(name=t.name, description=t.description or t.name, input_schema=t.input_schema,
                             annotations=_annotations(t.annotations))
                  for t in self.kiln.registry.tools() if t.name not in AGENT_TOOL_TABLE]
        listed += [types.Tool(name=t.name, description=t.description, input_schema=t.input_schema,
                              annotations=_annotations(t.annotations)) for t in AGENT_TOOLS]
        return listed

    async def on_list_tools(self, ctx, params) -> types.ListToolsResult:
        """``tools/list``: every tool, with schemas and annotations."""
        self.session = ctx.session
        return types.ListToolsResult(tools=self.tools())

    # -- tools/call ---------------------------------------------------------------------
    async def on_call_tool(self, ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        """``tools/call``: wait for the plugin's rate, run on the pool, KilnError → ``isError``."""
        self.session = ctx.session
        name, args = params.name, params.arguments or {}
        try:
            if name in AGENT_TOOL_TABLE:
                await self.limiter.acquire(AGENT)
                run = functools.partial(self.pool.agent, name, args, client=_client_name(ctx), limits=AGENT_LIMITS)
            else:
                limits = limits_for(self.kiln, name)
                await self.limiter.acquire(limits.plugin)
                run = functools.partial(self.pool.call, name, args, caller="mcp", limits=limits)
            value = await anyio.to_thread.run_sync(run, limiter=self.capacity)
        except KilnError as exc:
            return types.CallToolResult(content=[types.TextContent(type="text", text=error_text(exc))],
                                        is_error=True)
        if name in _WRITING_AGENT_TOOLS and isinstance(value, dict) and value.get("written"):
            await self.reload()  # the new tool is listed before the agent hears back
        return _result(value, agent=name in AGENT_TOOL_TABLE)

    # -- hot reload ---------------------------------------------------------------------
    async def reload(self) -> ReloadReport:
        """Re-index, re-discover, tell the workers, and notify clients when the tools changed."""
        report = reload_kiln(self.kiln)
        if report.plugins_changed or report.notes:
            self.pool.reload()
        if report.plugins_changed:
            for line in report.lines():
                print(f"cru mcp: {line}", file=sys.stderr, flush=True)
            if self.session is not None:
                await self.session.send_tool_list_changed()  # best effort: a gone client drops it
        return report

    async def watch(self) -> None:
        """Reload on every batch of changed notes until cancelled.

        The first (empty) batch arrives once the watcher is armed; reloading then catches edits
        made between opening the kiln and arming.
        """
        paths = watch_paths(self.kiln)
        async for changes in watchfiles.awatch(*paths, watch_filter=note_filter(paths), debounce=DEBOUNCE_MS,
                                               rust_timeout=READY_POLL_MS, yield_on_timeout=True):
            if changes or not self.ready.is_set():
                await self.reload()
            self.ready.set()

    async def run_stdio(self) -> None:
        """Serve one client on stdin/stdout while watching the kiln."""
        from mcp.server.stdio import stdio_server

        options = self.server.create_initialization_options(NotificationOptions(tools_changed=True))
        async with stdio_server() as (read_stream, write_stream):
            async with anyio.create_task_group() as tg:
                tg.start_soon(self.watch)
                await self.server.run(read_stream, write_stream, options)
                tg.cancel_scope.cancel()


def _client_name(ctx) -> str:
    params = getattr(ctx.session, "client_params", None)
    info = getattr(params, "client_info", None)
    return getattr(info, "name", None) or "mcp-client"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kiln-plugins")
    except PackageNotFoundError:
        return "0"


def serve_stdio(root: str | Path, *, workers: int = DEFAULT_WORKERS, isolation: str = "process") -> None:
    """Open the kiln, start the worker pool, and serve MCP on stdio until the client leaves."""
    from .kiln import Kiln

    kiln = Kiln.open(root, caller="mcp")
    try:
        with open_runner(kiln, isolation, size=workers) as runner:
            anyio.run(McpService(kiln, runner).run_stdio)
    finally:
        kiln.close()
