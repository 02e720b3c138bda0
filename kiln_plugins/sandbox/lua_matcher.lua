-- Trusted chunk: Lua 5.4's pattern matcher (lstrlib's algorithm) written in Lua.
--
-- Used by lua_patterns.lua when a native call's worst case is too large: here every step is a
-- Lua instruction, so the count hook charges it and the clock check can stop it. Same
-- semantics as the C matcher (tests compare the two on random subjects and patterns).
local lib = ...

local byte, sub, char, s_find = string.byte, string.sub, string.char, string.find
local error, unpack = error, table.unpack

local MAXCCALLS = 200            -- matcher recursion, as in lstrlib
local CAP_UNFINISHED, CAP_POSITION = -1, -2
local class_tables = nil   -- letter -> {[byte] = true}, built on first use from the C classes

local function classes()
  if class_tables then return class_tables end
  class_tables = {}
  for i = 1, 10 do
    local letter = sub("acdglpsuwx", i, i)
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

return {new_state = new_state, reset = reset, do_match = do_match, captures = captures,
        get_capture = get_capture, find = lua_find}
