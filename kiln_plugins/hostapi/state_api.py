"""``state.*``: the calling plugin's own key-value state (capability ``state``)."""

from __future__ import annotations

from .registry import HostFunction, Param

KEY = {"type": "string"}


def get(ctx, key, default=None):
    value = ctx.state.get(str(key))
    return default if value is None else value


def set_(ctx, key, value):
    ctx.state.set(str(key), value)
    return None


def delete(ctx, key):
    ctx.state.delete(str(key))
    return None


def keys(ctx, prefix=None):
    ks = sorted(ctx.state.keys())
    return [k for k in ks if k.startswith(prefix)] if prefix else ks


FUNCTIONS = (
    HostFunction("state", "get", "Read a value of this plugin's state (nil/default when absent).",
                 (Param("key", KEY), Param("default", {}, required=False)), "the stored value",
                 "state", get, example='local n = state.get("count", 0)'),
    HostFunction("state", "set", "Store a JSON value under a key; kept only if the call succeeds.",
                 (Param("key", KEY), Param("value", {})), "nil", "state", set_,
                 example='state.set("count", (state.get("count", 0)) + 1)'),
    HostFunction("state", "delete", "Remove a key of this plugin's state.",
                 (Param("key", KEY),), "nil", "state", delete, example='state.delete("count")'),
    HostFunction("state", "keys", "List this plugin's state keys, optionally by prefix.",
                 (Param("prefix", KEY, required=False),), "[key] sorted", "state", keys,
                 example='for _, k in ipairs(state.keys()) do print(k) end'),
)
