"""Escape and abuse attempts against the Lua sandbox (issue 4, DESIGN §6).

Each case is one ``attack(args)`` function, the exact error class and message it must end
with, and then the same unit must still answer an ordinary call (the host keeps working,
the unit is not left broken).
"""

from __future__ import annotations

import re

import pytest

from kiln_plugins.errors import CapabilityError, LimitExceeded, PluginRuntimeError, ValidationError



LOOP = "while true do end"

# (id, body of attack(args), expected exception class, regex the message must match)
CASES = [
    ("os.execute", 'return os.execute("id")', PluginRuntimeError, r"field 'execute'"),
    ("os.getenv", 'return os.getenv("HOME")', PluginRuntimeError, r"field 'getenv'"),
    ("io", 'return io.open("/etc/passwd")', PluginRuntimeError, r"global 'io'"),
    ("require", 'return require("os")', PluginRuntimeError, r"global 'require'"),
    ("package.loadlib", 'return package.loadlib("libc.so.6", "system")', PluginRuntimeError, r"global 'package'"),
    ("dofile", 'return dofile("/etc/passwd")', PluginRuntimeError, r"global 'dofile'"),
    ("loadfile", 'return loadfile("/etc/passwd")', PluginRuntimeError, r"global 'loadfile'"),
    ("binary chunk", 'local f, e = load("\\27Lua\\84\\0") error(e)', PluginRuntimeError, r"binary chunk"),
    ("binary chunk via reader",
     'local sent = false\n local f, e = load(function() if sent then return nil end sent = true return "\\27Lua" end)\n error(e)',
     PluginRuntimeError, r"binary chunk"),
    ("string.dump", "return string.dump(attack)", PluginRuntimeError, r"field 'dump'"),
    ("string method dump", 'return ("x"):dump()', PluginRuntimeError, r"method 'dump'"),
    ("debug", "return debug.getregistry()", PluginRuntimeError, r"global 'debug'"),
    ("string metatable", 'getmetatable("").__index = {}', PluginRuntimeError, r"index a boolean value"),
    ("setmetatable on string", 'setmetatable("", {})', PluginRuntimeError, r"table expected, got string"),
    ("python global", 'return python.eval("1")', PluginRuntimeError, r"global 'python'"),
    ("attribute of host function", "return kiln.echo.__class__", PluginRuntimeError, r"index a function value"),
    ("capability error through pcall",
     'local ok, e = pcall(kiln.deny, "x")\n return "swallowed"', CapabilityError, r"may not use kiln.write"),
    ("limit error through pcall", 'pcall(kiln.over)\n return "swallowed"', LimitExceeded, r"write_mb"),
    ("capability error through coroutine",
     'local co = coroutine.create(function() kiln.deny() end)\n coroutine.resume(co)\n return "swallowed"',
     CapabilityError, r"may not use"),
    ("pcall swallowing the budget", "while true do pcall(function() " + LOOP + " end) end",
     LimitExceeded, r"instructions"),
    ("error loop in pcall", 'for i = 1, math.maxinteger do pcall(error, "x") end', LimitExceeded, r"instructions"),
    ("plain loop", LOOP, LimitExceeded, r"instructions = 5000000"),
    ("gsub callback loop", 'return ("abc"):gsub(".", function() ' + LOOP + " end)", LimitExceeded, r"instructions"),
    ("__index loop", "local t = setmetatable({}, {__index = function() " + LOOP + " end})\n return t.x",
     LimitExceeded, r"instructions"),
    ("__eq loop", "local mt = {__eq = function() " + LOOP + " end}\n"
     " return setmetatable({}, mt) == setmetatable({}, mt)", LimitExceeded, r"instructions"),
    ("__lt loop", "local mt = {__lt = function() " + LOOP + " end}\n"
     " return setmetatable({}, mt) < setmetatable({}, mt)", LimitExceeded, r"instructions"),
    ("__tostring loop in error value",
     "error(setmetatable({}, {__tostring = function() " + LOOP + " end}))", LimitExceeded, r"instructions"),
    ("__close loop", "do local x <close> = setmetatable({}, {__close = function() " + LOOP + " end}) end",
     LimitExceeded, r"instructions"),
    ("coroutine.wrap escape of the hook", "coroutine.wrap(function() " + LOOP + " end)()",
     LimitExceeded, r"instructions"),
    ("nested coroutine", "coroutine.wrap(function() coroutine.wrap(function() " + LOOP + " end)() end)()",
     LimitExceeded, r"instructions"),
    ("coroutine.resume returns false",
     "local co = coroutine.create(function() " + LOOP + " end)\n local ok = coroutine.resume(co)\n return ok",
     LimitExceeded, r"instructions"),
    ("xpcall handler loop", 'return xpcall(function() error("x") end, function() ' + LOOP + " end)",
     LimitExceeded, r"instructions"),
    ("xpcall handler after trip",
     "return xpcall(function() " + LOOP + " end, function() " + LOOP + " end)", LimitExceeded, r"instructions"),
    ("table.sort comparator loop", "table.sort({3, 2, 1}, function() " + LOOP + " end)",
     LimitExceeded, r"instructions"),
    ("table.move over a huge range", "table.move({}, 1, math.maxinteger - 1, 2)", LimitExceeded, r"instructions"),
    ("table.insert with a lying __len",
     "local t = setmetatable({}, {__len = function() return math.maxinteger end})\n table.insert(t, 1, 0)",
     PluginRuntimeError, r"beyond any real table"),
    ("table.remove with a lying __len",
     "local t = setmetatable({}, {__len = function() return 1 << 26 end})\n"
     " for i = 1, 1e9 do table.remove(t, 1) end", LimitExceeded, r"instructions"),
    ("string.rep bomb", 'return #string.rep("x", 1e9)', LimitExceeded, r"memory_mb = 32"),
    ("table growth", "local t = {}\n for i = 1, 1e9 do t[i] = i end", LimitExceeded, r"memory_mb"),
    ("concatenation doubling", 'local s = "x"\n while true do s = s .. s end', LimitExceeded, r"memory_mb"),
    ("memory error swallowed by pcall",
     'local ok = pcall(string.rep, "x", 1e9)\n return "swallowed"', LimitExceeded, r"memory_mb"),
    ("pattern blow-up find", 'return string.find(("a"):rep(100000), ".-.-.-.-b")', LimitExceeded, r"instructions"),
    ("pattern blow-up match", 'return (" "):rep(100000):match("^(%s*)%s*%s*x")', LimitExceeded, r"instructions"),
    ("pattern blow-up gsub", 'return ((" "):rep(100000) .. "y"):gsub("%s*%s*x", "")', LimitExceeded, r"instructions"),
    ("pattern blow-up gmatch", 'for w in ("a"):rep(100000):gmatch("a-a-a-b") do end', LimitExceeded, r"instructions"),
    ("huge plain needle", 'local h = ("a"):rep(4000000)\n return h:find(("a"):rep(100000) .. "b", 1, true)',
     LimitExceeded, r"instructions"),
    ("compiling a huge chunk is paid up front", 'return load(("x = 1 "):rep(2000000))',
     LimitExceeded, r"instructions"),
    ("__gc finalizer", "setmetatable({}, {__gc = function() " + LOOP + " end})", PluginRuntimeError, r"__gc"),
    ("collectgarbage stop", 'collectgarbage("stop")', PluginRuntimeError, r'only "count"'),
    ("setmetatable _G", "setmetatable(_G, {__index = function() " + LOOP + " end})\n return undefined_name",
     LimitExceeded, r"instructions"),
    ("load with nil env", 'return load("return debug", "x", "t", nil)()', PluginRuntimeError, r"upvalue '_ENV'"),
    ("print flood", 'for i = 1, 1e6 do print(("x"):rep(100)) end', LimitExceeded, r"output_kb"),
    ("result too large", 'return ("x"):rep(2 * 1024 * 1024)', LimitExceeded, r"output_kb"),
]

# (id, body of attack(args), expected plain result): things that must be harmless
HARMLESS = [
    ("host error is a plain string", "local ok, e = pcall(kiln.fail)\n return {ok, type(e), e}",
     [False, "string", "note not found: nowhere.md"]),
    ("no metatable on host functions", "return getmetatable(kiln.echo) == nil", True),
    ("_ENV is the plugin env", 'return {_ENV == _G, rawget(_ENV, "python") == nil, rawget(_G, "debug") == nil}',
     [True, True, True]),
    ("load with an explicit env sees only it", 'return load("return os, print", "x", "t", {})() == nil', True),
    ("load defaults to the plugin env", 'return load("return os.getenv")() == nil', True),
    ("pcall results carry no python objects",
     'local r = {pcall(kiln.fail)}\n for _, v in ipairs(r) do assert(type(v) ~= "userdata") end\n return #r', 2),
    ("collectgarbage count", 'return type(collectgarbage("count"))', "number"),
    ("__gc added after setmetatable never runs",
     "local mt = {}\n for i = 1, 1000 do setmetatable({}, mt) end\n mt.__gc = function() " + LOOP + " end\n"
     " local t = {}\n for i = 1, 200000 do t[i % 100] = {i} end\n return \"done\"", "done"),
]


@pytest.mark.parametrize("body, exc_type, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_attack_is_stopped_and_unit_still_works(sandbox, body, exc_type, pattern):
    unit = sandbox.unit(f"function attack(args)\n {body}\nend", output_kb=64)
    with pytest.raises(exc_type) as info:
        unit.call("attack", {})
    assert re.search(pattern, str(info.value)), str(info.value)
    assert unit.call("ok", {}) == sandbox.ok_result


@pytest.mark.parametrize("body, expected", [c[1:] for c in HARMLESS], ids=[c[0] for c in HARMLESS])
def test_harmless(sandbox, body, expected):
    unit = sandbox.unit(f"function attack(args)\n {body}\nend")
    assert unit.call("attack", {}) == expected
    assert unit.call("ok", {}) == sandbox.ok_result


def test_at_least_thirty_attacks():
    assert len(CASES) >= 30


def test_string_metatable_tampering_does_not_leak_to_another_unit(sandbox):
    evil = sandbox.unit('rawset(string, "upper", function() return "pwned" end)\n'
                        'string.lower = function() return "pwned" end')
    assert evil.call("ok", {})["upper"] == "pwned"
    other = sandbox.unit("")
    assert other.call("ok", {}) == sandbox.ok_result


def test_limit_trip_in_top_level_code_is_reported_at_load(sandbox):
    with pytest.raises(LimitExceeded, match="plugins/attacker.md:10: .*instructions"):
        sandbox.unit(LOOP)


def test_binary_chunk_rejected_by_the_runtime_itself(sandbox):
    with pytest.raises(ValidationError):
        sandbox.unit("\x1bLua")


def test_wall_clock_limit_in_lua_code(sandbox):
    unit = sandbox.unit("function attack() " + LOOP + " end", instructions=10**12, timeout_ms=200)
    with pytest.raises(LimitExceeded, match="timeout_ms = 200"):
        unit.call("attack", {})
    assert unit.call("ok", {}) == sandbox.ok_result


def test_watchdog_fires_during_one_long_host_call(sandbox):
    unit = sandbox.unit("function attack() return kiln.sleep(0.6) end", timeout_ms=100)
    with pytest.raises(LimitExceeded, match="timeout_ms = 100"):
        unit.call("attack", {})
    assert len(sandbox.hard_timeouts) == 1
    assert isinstance(sandbox.hard_timeouts[0], LimitExceeded)
    assert sandbox.hard_timeouts[0].limit == "timeout_ms"
    assert unit.call("ok", {}) == sandbox.ok_result


def test_deep_recursion_is_a_clean_error(sandbox):
    unit = sandbox.unit("function attack() local function f(n) return f(n + 1) + 1 end return f(1) end",
                        memory_mb=512, instructions=10**9)
    with pytest.raises(PluginRuntimeError, match=r"plugins/attacker.md:10: stack overflow"):
        unit.call("attack", {})
    assert unit.call("ok", {}) == sandbox.ok_result


def test_ctrl_c_ends_the_call_and_never_reaches_plugin_code(sandbox):
    import os
    import signal
    import threading

    # a plugin that swallows every error: if the interrupt reached it as a value, it would spin on
    code = "function attack()\n while true do pcall(function() for i = 1, 1e5 do end end) end\nend"
    unit = sandbox.unit(code, instructions=10**12, timeout_ms=60_000)
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        unit.call("attack", {})
    assert unit.call("ok", {}) == sandbox.ok_result
