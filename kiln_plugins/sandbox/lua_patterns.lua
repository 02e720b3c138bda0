-- Trusted chunk: string.find/match/gmatch/gsub (and table.move) that cannot run for minutes.
--
-- Lua's pattern matcher backtracks: one call like ("a"):rep(1e5):find(".-.-.-b") runs for
-- minutes inside C, where neither the count hook nor the clock check can stop it. Each call
-- first bounds its worst case: the matcher's steps at one start position are at most
-- plen * (n+1)^k * 2^q (k = items that repeat: * + - %b and back-references, q = items with ?),
-- times the number of start positions. Below GUARD_STEPS the native function runs (fast, and
-- the bound guarantees it ends soon); above it, the same algorithm runs here in Lua, where the
-- count hook and the clock see every step (lua_matcher.lua). Plain searches run natively in windows of bounded
-- cost, checking the budget between windows. Semantics follow Lua 5.4's lstrlib.
local lib = ...
local charge = lib.charge

local byte, sub, char, s_find, s_match, s_gmatch, s_gsub =
  string.byte, string.sub, string.char, string.find, string.match, string.gmatch, string.gsub
local concat, t_move, tostring, type, error, select, floor =
  table.concat, table.move, tostring, type, error, select, math.floor
local tointeger, tonumber, rawequal, unpack = math.tointeger, tonumber, rawequal, table.unpack

local GUARD_STEPS = lib.guard_steps or 5e7   -- worst-case native matcher steps in one C call (≈0.1 s)
local CHARGE_DIVISOR = 16        -- native steps per charged instruction
local matcher = lib.matcher
local new_state, reset, do_match = matcher.new_state, matcher.reset, matcher.do_match
local captures, get_capture, lua_find = matcher.captures, matcher.get_capture, matcher.find

local function argcheck_string(v, n, fname)
  local tv = type(v)
  if tv == "string" then return v end
  if tv == "number" then return tostring(v) end
  error("bad argument #" .. n .. " to '" .. fname .. "' (string expected, got " .. (v == nil and "no value" or tv) .. ")", 3)
end

local function argcheck_int(v, n, fname, default)
  if v == nil then return default end
  local i = tointeger(v)
  if i == nil and type(v) == "string" then i = tointeger(tonumber(v)) end
  if i == nil then
    error("bad argument #" .. n .. " to '" .. fname .. "' (number has no integer representation)", 3)
  end
  return i
end

-- posrelatI of lstrlib: a start position in 1..len+1 (may exceed len+1; callers check).
local function posrelat(pos, len)
  if pos > 0 then return pos end
  if pos == 0 then return 1 end
  if pos < -len then return 1 end
  return len + pos + 1
end

-- ------------------------------------------------------------------ cost bound
local function skip_set(p, i, plen)   -- i at '['; index after the closing ']'
  i = i + 1
  if byte(p, i) == 94 then i = i + 1 end
  repeat
    if i > plen then return plen + 1 end
    local c = byte(p, i)
    i = i + 1
    if c == 37 then i = i + 1 end
  until byte(p, i) == 93
  return i + 1
end

local function per_start_cost(p, n)
  local plen = #p
  local cost, i = plen + 1.0, 1   -- a float: the bound overflows 64-bit integers
  if byte(p, 1) == 94 then i = 2 end
  while i <= plen do
    local c, single_end = byte(p, i), nil
    if c == 37 then
      local d = byte(p, i + 1)
      if d == 98 then cost = cost * (n + 1); i = i + 4
      elseif d == 102 then i = skip_set(p, i + 2, plen)
      elseif d and d >= 48 and d <= 57 then cost = cost * (n + 1); i = i + 2
      else single_end = i + 2 end
    elseif c == 91 then single_end = skip_set(p, i, plen)
    elseif c == 40 or c == 41 then i = i + 1
    else single_end = i + 1 end
    if single_end then
      local q = byte(p, single_end)
      if q == 42 or q == 43 or q == 45 then cost = cost * (n + 1); i = single_end + 1
      elseif q == 63 then cost = cost * 2; i = single_end + 1
      else i = single_end end
    end
    if cost > 1e300 then return 1e300 end
  end
  return cost
end

-- Worst-case steps of one native call; charges it; true when the native call is safe.
local function native_ok(s, p, starts)
  local cost = per_start_cost(p, #s) * starts
  if cost <= GUARD_STEPS then
    if cost > 1e5 then charge(floor(cost / CHARGE_DIVISOR)) end
    return true
  end
  return false
end

-- ------------------------------------------------------------------ plain search in windows
local function plain_find(s, needle, init)
  local n, m = #s, #needle
  if m == 0 then return init, init - 1 end
  if (n - init + 1) * m <= GUARD_STEPS then return s_find(s, needle, init, true) end
  local window = floor(GUARD_STEPS / m)
  if window < 1 then window = 1 end
  local pos = init
  while pos + m - 1 <= n do
    local last = pos + window + m - 2
    if last > n then last = n end
    local a, b = s_find(sub(s, pos, last), needle, 1, true)
    if a then return pos + a - 1, pos + b - 1 end
    charge(floor(window * m / CHARGE_DIVISOR))
    pos = pos + window
  end
  return nil
end

-- ------------------------------------------------------------------ the public functions
local guarded = {}

function guarded.find(s, p, init, plain)
  s = argcheck_string(s, 1, "find")
  p = argcheck_string(p, 2, "find")
  local ls = #s
  init = posrelat(argcheck_int(init, 3, "find", 1), ls)
  if init > ls + 1 then return nil end
  if plain or not s_find(p, "[%^%$%*%+%?%.%(%[%%%-]") then
    return plain_find(s, p, init)
  end
  local starts = byte(p, 1) == 94 and 1 or (ls - init + 2)
  if native_ok(s, p, starts) then return s_find(s, p, init) end
  return lua_find(s, p, init, true)
end

function guarded.match(s, p, init)
  s = argcheck_string(s, 1, "match")
  p = argcheck_string(p, 2, "match")
  local ls = #s
  init = posrelat(argcheck_int(init, 3, "match", 1), ls)
  if init > ls + 1 then return nil end
  local starts = byte(p, 1) == 94 and 1 or (ls - init + 2)
  if native_ok(s, p, starts) then return s_match(s, p, init) end
  return lua_find(s, p, init, false)
end

function guarded.gmatch(s, p, init)
  s = argcheck_string(s, 1, "gmatch")
  p = argcheck_string(p, 2, "gmatch")
  local ls = #s
  init = posrelat(argcheck_int(init, 3, "gmatch", 1), ls)
  if init > ls + 1 then init = ls + 2 end
  if native_ok(s, p, ls - init + 2) then return s_gmatch(s, p, init) end
  local ms = new_state(s, p)
  local pos, lastmatch = init, nil
  return function()
    local src = pos
    while src <= ms.slen + 1 do
      reset(ms)
      local e = do_match(ms, src, 1)
      if e and e ~= lastmatch then
        pos, lastmatch = e, e
        local caps, n = captures(ms, src, e, true)
        return unpack(caps, 1, n)
      end
      src = src + 1
    end
    pos = src
    return nil
  end
end

local function add_string(ms, out, o, repl, s, e)
  if not s_find(repl, "%", 1, true) then out[o + 1] = repl; return o + 1 end
  local i, l = 1, #repl
  while i <= l do
    local c = byte(repl, i)
    if c == 37 then
      i = i + 1
      local d = byte(repl, i)
      if d == 37 then
        o = o + 1; out[o] = "%"
      elseif d and d >= 48 and d <= 57 then
        local v = d == 48 and sub(ms.src, s, e - 1) or get_capture(ms, d - 48, s, e)
        o = o + 1; out[o] = tostring(v)
      else
        error("invalid use of '%' in replacement string", 0)
      end
    else
      o = o + 1; out[o] = char(c)
    end
    i = i + 1
  end
  return o
end

local function add_value(ms, out, o, s, e, repl, tr)
  local value
  if tr == "function" then
    local caps, n = captures(ms, s, e, true)
    value = repl(unpack(caps, 1, n))
  elseif tr == "table" then
    value = repl[get_capture(ms, 1, s, e)]
  else
    return add_string(ms, out, o, tostring(repl), s, e)
  end
  if not value then
    value = sub(ms.src, s, e - 1)
  elseif type(value) ~= "string" and type(value) ~= "number" then
    error("invalid replacement value (a " .. type(value) .. ")", 0)
  end
  out[o + 1] = tostring(value)
  return o + 1
end

function guarded.gsub(s, p, repl, max_n)
  s = argcheck_string(s, 1, "gsub")
  p = argcheck_string(p, 2, "gsub")
  local tr = type(repl)
  if tr ~= "number" and tr ~= "string" and tr ~= "table" and tr ~= "function" then
    error("bad argument #3 to 'gsub' (string/function/table expected, got " .. (repl == nil and "no value" or tr) .. ")", 2)
  end
  local ls = #s
  max_n = argcheck_int(max_n, 4, "gsub", ls + 1)
  local anchor = byte(p, 1) == 94
  if native_ok(s, p, anchor and 1 or ls + 1) then return s_gsub(s, p, repl, max_n) end
  local ms = new_state(s, p)
  local pstart = anchor and 2 or 1
  local out, o, src, lastmatch, n = {}, 0, 1, nil, 0
  while n < max_n do
    reset(ms)
    local e = do_match(ms, src, pstart)
    if e and e ~= lastmatch then
      n = n + 1
      o = add_value(ms, out, o, src, e, repl, tr)
      src, lastmatch = e, e
    elseif src <= ls then
      o = o + 1; out[o] = sub(s, src, src)
      src = src + 1
    else
      break
    end
    if anchor then break end
  end
  o = o + 1; out[o] = sub(s, src)
  return concat(out), n
end

-- table.move copies element by element in C; a huge range would be one endless C call.
local MOVE_CHUNK = 100000
function guarded.table_move(a1, f, e, t, a2)
  if a2 == nil then a2 = a1 end
  if type(f) ~= "number" or type(e) ~= "number" or type(t) ~= "number" or e < f
     or e - f < MOVE_CHUNK then
    return t_move(a1, f, e, t, a2)
  end
  if t > e or t <= f or not rawequal(a1, a2) then
    for cs = f, e, MOVE_CHUNK do
      local ce = cs + MOVE_CHUNK - 1
      if ce > e then ce = e end
      t_move(a1, cs, ce, t + (cs - f), a2)
      charge(MOVE_CHUNK)
    end
  else
    for ce = e, f, -MOVE_CHUNK do
      local cs = ce - MOVE_CHUNK + 1
      if cs < f then cs = f end
      t_move(a1, cs, ce, t + (cs - f), a2)
      charge(MOVE_CHUNK)
    end
  end
  return a2
end

-- table.insert/remove shift elements in one C loop up to #t, and __len may lie: refuse a
-- length no table within the memory limit can have, and charge the shifting to the budget.
local MAX_ARRAY = 1 << 27
local t_insert, t_remove, math_type = table.insert, table.remove, math.type

local function length_guard(t, fname)
  local n = #t
  if math_type(n) == "integer" then
    if n > MAX_ARRAY then
      error("bad argument #1 to '" .. fname .. "' (a length of " .. n .. " is beyond any real table)", 3)
    end
    if n > 100000 then charge(n) end   -- one element moved costs about one instruction
  end
end

function guarded.table_insert(t, ...)
  if type(t) == "table" then length_guard(t, "insert") end
  return t_insert(t, ...)
end

function guarded.table_remove(t, ...)
  if type(t) == "table" then length_guard(t, "remove") end
  return t_remove(t, ...)
end

return guarded
