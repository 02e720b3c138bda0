"""``tools.*``: call other tools (capability ``tools.call``) — they run under their own permissions."""

from __future__ import annotations

from .registry import HostFunction, Param


def call(ctx, name, args=None):
    return ctx.call_tool(str(name), args or {})


def list_tools(ctx):
    return ctx.list_tools()


FUNCTIONS = (
    HostFunction("tools", "call", "Call another tool by name; it runs with its own permissions and limits.",
                 (Param("name", {"type": "string"}), Param("args", {"type": "object"}, required=False)),
                 "the tool's result", "tools.call", call,
                 example='local r = tools.call("list_notes", {})'),
    HostFunction("tools", "list", "Names and descriptions of every tool in the registry.",
                 (), "[{name, description, plugin}]", "tools.call", list_tools,
                 example='for _, t in ipairs(tools.list()) do print(t.name) end'),
)
