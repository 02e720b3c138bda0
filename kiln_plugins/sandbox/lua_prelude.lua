-- Trusted start-up chunk of every plugin runtime (DESIGN §6).
--
-- Runs once, with the full standard library, before any plugin code. It captures what it needs
-- in locals (plugin code can never reach a local of this chunk: there is no `debug` library in
-- the sandbox), builds the plugin's environment from a whitelist and returns the control table
-- the Python side drives. Contract for everything below:
--   * no plugin code runs while hooks are disabled (message handlers never call plugin code,
--     never `tostring` a table, never trigger a metamethod);
--   * once a limit trips, `tripped` stays set for the rest of the call and every protected-call
--     wrapper re-raises, so no plugin `pcall` can swallow it;
--   * nothing returned to plugin code is a Python object.
local dispatch, monotonic, hook_every, sources = ...

local debug_sethook, debug_getinfo = debug.sethook, debug.getinfo
local raw_load, raw_pcall, raw_error = load, pcall, error
local raw_setmetatable, raw_getmetatable = setmetatable, getmetatable
local rawget, rawset, rawequal, rawlen = rawget, rawset, rawequal, rawlen
local type, select, tostring, tonumber, next, pairs, ipairs = type, select, tostring, tonumber, next, pairs, ipairs
local pack, unpack, concat, insert, sort = table.pack, table.unpack, table.concat, table.insert, table.sort
local co_create, co_resume, co_close, co_status = coroutine.create, coroutine.resume, coroutine.close, coroutine.status
local s_byte, s_sub, s_format, s_find = string.byte, string.sub, string.format, string.find
local raw_collectgarbage = collectgarbage
local huge = math.huge
local MEMERR = "not enough memory"   -- the error value Lua 5.4 uses for allocation failures

-- ------------------------------------------------------------------ budget and limits
local budget_left, deadline, tripped = 0, huge, nil   -- tripped: nil or a limit name / "fatal"
local SENTINEL = raw_setmetatable({}, {__metatable = false, __tostring = function() return "limit exceeded" end})

local function trip(kind)
  tripped = tripped or kind
  raw_error(SENTINEL, 0)
end

-- The clock, read through pcall: a Python exception raised inside it (KeyboardInterrupt
-- delivered while Lua runs) must never reach plugin code as a value; it ends the call.
local function now()
  local ok, t = raw_pcall(monotonic)
  if ok then return t end
  trip("interrupted")
end

-- The count hook. Sticky: after a trip it raises again every time it fires.
local function hook()
  if tripped then raw_error(SENTINEL, 0) end
  budget_left = budget_left - hook_every
  if budget_left < 0 then trip("instructions") end
  if now() > deadline then trip("timeout_ms") end
end

-- Charge work done inside one C call (pattern matching, table.move) and check the clock.
local function charge(units)
  if tripped then raw_error(SENTINEL, 0) end
  budget_left = budget_left - units
  if budget_left < 0 then trip("instructions") end
  if now() > deadline then trip("timeout_ms") end
end

local function hooked(co)
  debug_sethook(co, hook, "", hook_every)
  return co
end

-- After any protected call: a tripped budget or a memory error is re-raised, never returned.
local function pass(ok, ...)
  if tripped then raw_error(SENTINEL, 0) end
  if not ok and rawequal((...), MEMERR) then trip("memory_mb") end
  return ok, ...
end

local function sandbox_pcall(f, ...)
  return pass(raw_pcall(f, ...))
end

-- The plugin's handler runs after the stack unwinds, in normal code with the hook active
-- (Lua runs message handlers with hooks disabled, so a looping handler would never stop).
local function sandbox_xpcall(f, handler, ...)
  if type(handler) ~= "function" then
    raw_error("bad argument #2 to 'xpcall' (function expected, got " .. type(handler) .. ")", 2)
  end
  local r = pack(raw_pcall(f, ...))
  pass(r[1], r[2])
  if r[1] then return unpack(r, 1, r.n) end
  local _, value = pass(raw_pcall(handler, r[2]))
  return false, value
end

-- ------------------------------------------------------------------ coroutines
local sandbox_coroutine = {}
for k, v in next, coroutine do sandbox_coroutine[k] = v end

function sandbox_coroutine.create(f)
  if type(f) ~= "function" then
    raw_error("bad argument #1 to 'create' (function expected, got " .. type(f) .. ")", 2)
  end
  return hooked(co_create(f))
end

function sandbox_coroutine.resume(co, ...)
  return pass(co_resume(co, ...))
end

function sandbox_coroutine.close(co)
  return pass(co_close(co))
end

local function wrap_result(ok, ...)
  if tripped then raw_error(SENTINEL, 0) end
  if ok then return ... end
  local e = ...
  if rawequal(e, MEMERR) then trip("memory_mb") end
  raw_error(e, 0)
end

function sandbox_coroutine.wrap(f)
  local co = sandbox_coroutine.create(f)
  return function(...)
    return wrap_result(co_resume(co, ...))
  end
end

-- ------------------------------------------------------------------ host functions
-- dispatch(id, ...) -> status, value: 0 ok, 1 ordinary error (catchable, a plain string),
-- 2 fatal (capability or limit: the Python side keeps the exception; not catchable).
local export   -- set below, once the trusted chunks are loaded

local function host_function(id, qualified)
  return function(...)
    if tripped then raw_error(SENTINEL, 0) end
    local args, problem = export(pack(...), nil, true)
    if not args then raw_error("bad argument to '" .. qualified .. "' (" .. problem .. ")", 2) end
    local status, value = dispatch(id, args)
    if status == 0 then return value end
    if status == 1 then raw_error(value, 2) end
    trip("fatal")
  end
end

-- ------------------------------------------------------------------ the environment
local env = {}
local plugin_sources = {}   -- chunk names of plugin code (for error places)

local lib = {
  charge = charge, pass = pass, trip = trip, plugin_sources = plugin_sources,
  debug_getinfo = debug_getinfo, MEMERR = MEMERR, sandbox_pcall = sandbox_pcall,
}

local function trusted(name, ...)
  local f = assert(raw_load(sources[name], "=[sandbox]", "t", _G))
  return f(lib, ...)
end

lib.matcher = trusted("matcher")
local patterns = trusted("patterns")
lib.find = patterns.find
export = trusted("export")

local sandbox_string = {}
for k, v in next, string do
  if k ~= "dump" then sandbox_string[k] = v end
end
for _, k in ipairs({"find", "match", "gmatch", "gsub"}) do sandbox_string[k] = patterns[k] end
string.dump = nil
do
  local meta = raw_getmetatable("")
  meta.__index = sandbox_string
  meta.__metatable = false
end

local sandbox_table = {}
for k, v in next, table do sandbox_table[k] = v end
sandbox_table.move = patterns.table_move
sandbox_table.insert = patterns.table_insert
sandbox_table.remove = patterns.table_remove

local function copy(t)
  local c = {}
  for k, v in next, t do c[k] = v end
  return c
end

local function sandbox_load(chunk, name, mode, ...)
  local src
  if type(chunk) == "string" then
    src = chunk
  elseif type(chunk) == "function" then
    local parts, n = {}, 0
    while true do
      local piece = chunk()
      if piece == nil or piece == "" then break end
      if type(piece) ~= "string" then return nil, "reader function must return a string" end
      n = n + 1
      parts[n] = piece
    end
    src = concat(parts)
  else
    raw_error("bad argument #1 to 'load' (string expected, got " .. type(chunk) .. ")", 2)
  end
  if s_byte(src, 1) == 27 then
    return nil, "attempt to load a binary chunk (only text chunks are allowed)"
  end
  charge(#src)   -- compiling is one C call: pay for it up front, one instruction per byte
  local chunkname = "=load"
  if type(name) == "string" then
    chunkname = "=load:" .. s_sub(name, 1, 40)
  end
  if select("#", ...) > 0 then
    return raw_load(src, chunkname, "t", (...))
  end
  return raw_load(src, chunkname, "t", env)
end

local function sandbox_setmetatable(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    raw_error("setmetatable: __gc metamethods are not allowed in the sandbox", 2)
  end
  return raw_setmetatable(t, mt)
end

local function sandbox_collectgarbage(opt)
  if opt == "count" then return raw_collectgarbage("count") end
  raw_error("collectgarbage: only \"count\" is allowed in the sandbox", 2)
end

local function sandbox_print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  local status = dispatch(0, concat(parts, "\t"))
  if status ~= 0 then trip("fatal") end
end

for _, name in ipairs({"assert", "error", "ipairs", "next", "pairs", "rawequal", "rawget",
                       "rawlen", "rawset", "select", "tonumber", "tostring", "type", "getmetatable",
                       "_VERSION"}) do
  env[name] = _G[name]
end
env.pcall = sandbox_pcall
env.xpcall = sandbox_xpcall
env.load = sandbox_load
env.setmetatable = sandbox_setmetatable
env.collectgarbage = sandbox_collectgarbage
env.print = sandbox_print
env.string = sandbox_string
env.table = sandbox_table
env.math = copy(math)
env.utf8 = copy(utf8)
env.coroutine = sandbox_coroutine
env.os = {time = os.time, clock = os.clock, date = os.date}
env._G = env

local builtin = {}
for k, v in next, env do builtin[k] = v end

-- ------------------------------------------------------------------ control (Python side only)
local control = {}

-- Install host modules: modules = {{"std.json", {{"encode", id}, …}}, …}
function control.install(modules)
  for _, m in ipairs(modules) do
    local t = env
    for part in m[1]:gmatch("[^.]+") do
      local sub = rawget(t, part)
      if type(sub) ~= "table" then
        sub = {}
        rawset(t, part, sub)
      end
      t = sub
    end
    for _, f in ipairs(m[2]) do rawset(t, f[1], host_function(f[2], m[1] .. "." .. f[1])) end
    builtin[m[1]:match("^[^.]+")] = rawget(env, m[1]:match("^[^.]+"))
  end
end

-- Plugin frames for a message handler: "chunk\tline\tname" lines, innermost first.
local function plugin_frames(first_level)
  local out, n = {}, 0
  for level = first_level, first_level + 200 do
    local info = debug_getinfo(level, "Sln")
    if not info then break end
    if plugin_sources[info.source] and info.currentline > 0 then
      n = n + 1
      local what = "function <line " .. info.linedefined .. ">"
      if info.what == "main" then what = "main chunk"
      elseif info.name and info.namewhat ~= "local" then what = "function '" .. info.name .. "'" end
      out[n] = s_sub(info.source, 2) .. "\t" .. info.currentline .. "\t" .. what
      if n >= 12 then break end
    end
  end
  return concat(out, "\n")
end

local WRAPPED = {}   -- metatable marking what the message handler returns

local function handler(e)
  return raw_setmetatable({e, plugin_frames(3)}, WRAPPED)
end

-- Describe a failure for Python: kind ("error" | limit name | "fatal" | "failure"), message, frames.
local function failure(caught)
  local e, frames = caught, ""
  if type(caught) == "table" and raw_getmetatable(caught) == WRAPPED then
    e, frames = caught[1], caught[2]
  end
  if tripped then return false, tripped, nil, frames end
  if rawequal(e, MEMERR) then return false, "memory_mb", nil, frames end
  local failed = lib.test_failure and lib.test_failure(e)
  if failed then return false, "failure", failed, frames end
  if type(e) == "string" then return false, "error", e, frames end
  if type(e) == "number" then return false, "error", tostring(e), frames end
  local mt = raw_getmetatable(e)
  if type(mt) == "table" and rawget(mt, "__tostring") then
    local ok, text = raw_pcall(tostring, e)      -- hook active here: bounded
    if tripped then return false, tripped, nil, frames end
    if ok and type(text) == "string" then return false, "error", text, frames end
  end
  return false, "error", "(error object is a " .. type(e) .. " value)", frames
end

-- Between calls only trusted code runs: no budget, nothing tripped.
local function idle()
  tripped, budget_left, deadline = nil, huge, huge
end

-- Run f(...) under the budget; returns true, results… or false, kind, message, frames.
local function run(instructions, seconds, f, ...)
  tripped, budget_left, deadline = nil, instructions, now() + seconds
  local r = pack(xpcall(f, handler, ...))
  if r[1] and tripped then r = pack(false, tripped, nil, "")
  elseif not r[1] then r = pack(failure(r[2])) end
  idle()
  return unpack(r, 1, r.n)
end

-- Compile one plugin chunk; chunk names are registered so errors can name the note.
-- Lua quotes the bytes near a syntax error, which can cut a UTF-8 character in two; such a
-- message must still cross into Python as text, so invalid bytes become '?'.
local utf8_len = utf8.len
local function valid_utf8(s)
  local out, i = {}, 1
  while true do
    local n, bad = utf8_len(s, i)
    if n then out[#out + 1] = s:sub(i) break end
    out[#out + 1] = s:sub(i, bad - 1) .. "?"
    i = bad + 1
  end
  return table.concat(out)
end

function control.compile(src, chunkname, use_env)
  plugin_sources[chunkname] = true
  local f, err = raw_load(src, chunkname, "t", use_env or env)
  if not f then return false, valid_utf8(err) end
  return true, f
end

function control.run(instructions, seconds, f)
  return run(instructions, seconds, f)
end

-- The exported result, or nil, why, and where the function was defined.
local function finish(f, text, problem, over)
  if over then trip("output_kb") end
  if text then return text end
  local info = debug_getinfo(f, "S")
  return nil, problem, info.source, info.linedefined
end

-- Call a global function of the plugin and export its first result as JSON text.
function control.call(instructions, seconds, name, args, out_limit)
  local f = rawget(env, name)
  if type(f) ~= "function" then return false, "missing", name end
  local function body()
    return finish(f, export((f(args)), out_limit))
  end
  return run(instructions, seconds, body)
end

-- Run a compiled snippet and export its first result.
function control.eval(instructions, seconds, f, out_limit)
  return run(instructions, seconds, function() return finish(f, export((f()), out_limit)) end)
end

-- Global functions the plugin code defined (not the builtins).
function control.functions()
  local names = {}
  for k, v in next, env do
    if type(k) == "string" and type(v) == "function" and not rawequal(builtin[k], v) then
      names[#names + 1] = k
    end
  end
  return concat(names, "\n")
end

-- An environment for a test fence: the assertion helpers, reading and writing through to env.
local make_helpers
function control.test_env()
  make_helpers = make_helpers or trusted("asserts")
  return raw_setmetatable(make_helpers(), {__index = env, __newindex = env, __metatable = false})
end

control.export = export
control.is_pending = function() return tripped end

-- Seal the real globals: plugin code never sees them, but nothing later needs them either.
for _, name in ipairs({"python", "debug", "io", "os", "package", "require", "dofile", "loadfile",
                       "load", "collectgarbage"}) do
  rawset(_G, name, nil)
end

idle()
debug_sethook(hook, "", hook_every)   -- the main thread; coroutines get theirs in create()
return control
