"""The sandboxed language runtimes (DESIGN §6): Lua on lupa's Lua 5.4 engine."""

from .lua_runtime import LuaUnit

__all__ = ["LuaUnit"]
