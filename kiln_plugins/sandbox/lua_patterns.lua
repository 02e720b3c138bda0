-- Trusted chunk: string.find/match/gmatch/gsub (and table.move) that cannot run for minutes.
--
-- Lua's pattern matcher backtracks: one call like ("a"):rep(1e5):find(".-.-.-b") runs for
-- minutes inside C, where neither the count hook nor the clock check can stop it. Each call
-- first bounds its worst case: the matcher's steps at one start position are at most
-- plen * (n+1)^k * 2^q (k = items that repeat: * + - %b and back-references, q = items with ?),
-- times the number of start positions. Below GUARD_STEPS the native function runs (fast, and
-- the bound guarantees it ends soon); above it, the same algorithm runs here in Lua, where the
-- count hook and the clock see every step. Plain searches run natively in windows of bounded
-- cost, checking the budget between windows. Semantics follow Lua 5.4's lstrlib.
local lib = ...
local charge = lib.charge

local byte, sub, char, s_find, s_match, s_gmatch, s_gsub =
  string.byte, string.sub, string.char, string.find, string.match, string.gmatch, string.gsub
local concat, t_move, tostring, type, error, select, floor =
  table.concat, table.move, tostring, type, error, select, math.floor
local tointeger, tonumber, rawequal, unpack = math.tointeger, tonumber, rawequal, table.unpack

local GUARD_STEPS = lib.guard_steps or 1e7   -- worst-case native matcher steps in one C call
local CHARGE_DIVISOR = 16        -- native steps per charged instruction
local MAXCCALLS = 200            -- matcher recursion, as in lstrlib
local CAP_UNFINISHED, CAP_POSITION = -1, -2
local SPECIALS = "^$*+?.([%-"

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

-- ------------------------------------------------------------------ the matcher in Lua
local class_tables = nil   -- letter -> {[byte] = true}, built on first use from the C classes

local function classes()
  if class_tables then return class_tables end
  class_tables = {}
  for letter in s_gmatch("acdglpsuwx", ".") do
    local set, pat = {}, "^%" .. letter
    for b = 0, 255 do
      if s_find(char(b), pat) then set[b] = true end
    end
    class_tables[letter] = set
  end
  return class_tables
end

local function match_class(c, cl)
  local lower = cl
  if cl >= 65 and cl <= 90 then lower = cl + 32 end
  local set = classes()[char(lower)]
  if not set then return cl == c end
  local res = set[c] == true
  if lower ~= cl then return not res end
  return res
end

local function class_end(ms, p)
  local pat, plen = ms.pat, ms.plen
  local c = byte(pat, p)
  p = p + 1
  if c == 37 then
    if p > plen then error("malformed pattern (ends with '%')", 0) end
    return p + 1
  elseif c == 91 then
    if byte(pat, p) == 94 then p = p + 1 end
    repeat
      if p > plen then error("malformed pattern (missing ']')", 0) end
      local cc = byte(pat, p)
      p = p + 1
      if cc == 37 and p <= plen then p = p + 1 end
    until byte(pat, p) == 93
    return p + 1
  end
  return p
end

local function match_bracket(ms, c, p, ec)   -- p at '[', ec at ']'
  local pat = ms.pat
  local sig = true
  if byte(pat, p + 1) == 94 then sig = false; p = p + 1 end
  p = p + 1
  while p < ec do
    local pc = byte(pat, p)
    if pc == 37 then
      p = p + 1
      if match_class(c, byte(pat, p)) then return sig end
      p = p + 1
    elseif byte(pat, p + 1) == 45 and p + 2 < ec then
      if pc <= c and c <= byte(pat, p + 2) then return sig end
      p = p + 3
    else
      if pc == c then return sig end
      p = p + 1
    end
  end
  return not sig
end

local function single_match(ms, s, p, ep)
  if s > ms.slen then return false end
  local c, pc = byte(ms.src, s), byte(ms.pat, p)
  if pc == 46 then return true end
  if pc == 37 then return match_class(c, byte(ms.pat, p + 1)) end
  if pc == 91 then return match_bracket(ms, c, p, ep - 1) end
  return pc == c
end

local do_match

local function max_expand(ms, s, p, ep)
  local i = 0
  while single_match(ms, s + i, p, ep) do i = i + 1 end
  while i >= 0 do
    local res = do_match(ms, s + i, ep + 1)
    if res then return res end
    i = i - 1
  end
  return nil
end

local function min_expand(ms, s, p, ep)
  while true do
    local res = do_match(ms, s, ep + 1)
    if res then return res end
    if single_match(ms, s, p, ep) then s = s + 1 else return nil end
  end
end

local function start_capture(ms, s, p, what)
  local level = ms.level + 1
  if level > 32 then error("too many captures", 0) end
  ms.cinit[level], ms.clen[level], ms.level = s, what, level
  local res = do_match(ms, s, p)
  if not res then ms.level = ms.level - 1 end
  return res
end

local function end_capture(ms, s, p)
  local l = nil
  for i = ms.level, 1, -1 do
    if ms.clen[i] == CAP_UNFINISHED then l = i; break end
  end
  if not l then error("invalid pattern capture", 0) end
  ms.clen[l] = s - ms.cinit[l]
  local res = do_match(ms, s, p)
  if not res then ms.clen[l] = CAP_UNFINISHED end
  return res
end

local function match_balance(ms, s, p)
  if p + 1 > ms.plen then error("malformed pattern (missing arguments to '%b')", 0) end
  local src = ms.src
  if s > ms.slen or byte(src, s) ~= byte(ms.pat, p) then return nil end
  local b, e, cont = byte(ms.pat, p), byte(ms.pat, p + 1), 1
  s = s + 1
  while s <= ms.slen do
    local c = byte(src, s)
    if c == e then
      cont = cont - 1
      if cont == 0 then return s + 1 end
    elseif c == b then
      cont = cont + 1
    end
    s = s + 1
  end
  return nil
end

local function match_capture(ms, s, d)
  local l = d - 48
  if l < 1 or l > ms.level or ms.clen[l] == CAP_UNFINISHED then
    error("invalid capture index %" .. l .. " in pattern", 0)
  end
  local len = ms.clen[l]
  if len >= 0 and ms.slen - s + 1 >= len
     and sub(ms.src, ms.cinit[l], ms.cinit[l] + len - 1) == sub(ms.src, s, s + len - 1) then
    return s + len
  end
  return nil
end

do_match = function(ms, s, p)
  ms.depth = ms.depth - 1
  if ms.depth == 0 then error("pattern too complex", 0) end
  local pat, plen = ms.pat, ms.plen
  local result
  while true do
    if p > plen then result = s; break end
    local pc = byte(pat, p)
    local pn = byte(pat, p + 1)
    if pc == 40 then
      if pn == 41 then result = start_capture(ms, s, p + 2, CAP_POSITION)
      else result = start_capture(ms, s, p + 1, CAP_UNFINISHED) end
      break
    elseif pc == 41 then
      result = end_capture(ms, s, p + 1)
      break
    elseif pc == 36 and p == plen then
      if s == ms.slen + 1 then result = s end
      break
    elseif pc == 37 and pn == 98 then
      s = match_balance(ms, s, p + 2)
      if not s then break end
      p = p + 4
    elseif pc == 37 and pn == 102 then
      p = p + 2
      if byte(pat, p) ~= 91 then error("missing '[' after '%f' in pattern", 0) end
      local ep = class_end(ms, p)
      local prev = s == 1 and 0 or byte(ms.src, s - 1)
      local cur = s <= ms.slen and byte(ms.src, s) or 0
      if match_bracket(ms, prev, p, ep - 1) or not match_bracket(ms, cur, p, ep - 1) then break end
      p = ep
    elseif pc == 37 and pn and pn >= 48 and pn <= 57 then
      s = match_capture(ms, s, pn)
      if not s then break end
      p = p + 2
    else
      local ep = class_end(ms, p)
      local epc = byte(pat, ep)
      if not single_match(ms, s, p, ep) then
        if epc == 42 or epc == 63 or epc == 45 then p = ep + 1 else break end
      elseif epc == 63 then
        local res = do_match(ms, s + 1, ep + 1)
        if res then result = res; break end
        p = ep + 1
      elseif epc == 43 then result = max_expand(ms, s + 1, p, ep); break
      elseif epc == 42 then result = max_expand(ms, s, p, ep); break
      elseif epc == 45 then result = min_expand(ms, s, p, ep); break
      else s = s + 1; p = ep end
    end
  end
  ms.depth = ms.depth + 1
  return result
end

local function new_state(s, p)
  return {src = s, slen = #s, pat = p, plen = #p, level = 0, depth = MAXCCALLS, cinit = {}, clen = {}}
end

local function reset(ms)
  ms.level, ms.depth = 0, MAXCCALLS
end

local function get_capture(ms, i, s, e)   -- i is 1-based
  if i > ms.level then
    if i ~= 1 then error("invalid capture index %" .. i, 0) end
    return sub(ms.src, s, e - 1)
  end
  local l = ms.clen[i]
  if l == CAP_UNFINISHED then error("unfinished capture", 0) end
  if l == CAP_POSITION then return ms.cinit[i] end
  return sub(ms.src, ms.cinit[i], ms.cinit[i] + l - 1)
end

local function captures(ms, s, e, whole)
  local n = (ms.level == 0 and whole) and 1 or ms.level
  local out = {}
  for i = 1, n do out[i] = get_capture(ms, i, s, e) end
  return out, n
end

local function lua_find(s, p, init, find)
  local ms = new_state(s, p)
  local anchor = byte(p, 1) == 94
  local pstart = anchor and 2 or 1
  local s1 = init
  repeat
    reset(ms)
    local e = do_match(ms, s1, pstart)
    if e then
      if find then
        local caps, n = captures(ms, nil, 0, false)
        return s1, e - 1, unpack(caps, 1, n)
      end
      local caps, n = captures(ms, s1, e, true)
      return unpack(caps, 1, n)
    end
    s1 = s1 + 1
  until anchor or s1 > ms.slen + 1
  return nil
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

return guarded
