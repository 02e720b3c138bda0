-- Trusted chunk: the assertion helpers of `lua test` fences.
-- A failed assertion raises a failure object carrying the note line of the assert call;
-- the runtime turns it into TestFailure("path:line: assert_eq failed: expected …, got …").
local lib = ...
local debug_getinfo, pcall, guarded_find = lib.debug_getinfo, lib.sandbox_pcall, lib.find
local type, next, rawget, tostring, select, error = type, next, rawget, tostring, select, error
local setmetatable, getmetatable, rawequal = setmetatable, getmetatable, rawequal
local s_format, s_find, concat, sort, math_type = string.format, string.find, table.concat, table.sort, math.type
local abs = math.abs

local FAILURE = {}

local function fail(message, level)
  local info = debug_getinfo(level + 1, "Sl")
  error(setmetatable({message = message, source = info and info.source or "?",
                      line = info and info.currentline or 0}, FAILURE), 0)
end

lib.test_failure = function(e)
  if type(e) == "table" and rawequal(getmetatable(e), FAILURE) then
    return e.source .. "\t" .. e.line .. "\t" .. e.message
  end
end

-- A short, deterministic rendering of a value for failure messages.
local function show(v, depth)
  local tv = type(v)
  if tv == "string" then return s_format("%q", v) end
  if tv ~= "table" then return tostring(v) end
  if depth > 3 then return "{…}" end
  local keys = {}
  for k in next, v do keys[#keys + 1] = k end
  sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then return a < b end
    return type(a) < type(b)
  end)
  local parts, n, i = {}, 0, 0
  for _, k in next, keys do
    n = n + 1
    if n > 20 then parts[n] = "…"; break end
    i = i + 1
    if rawequal(k, i) then parts[n] = show(rawget(v, k), depth + 1)
    else
      local key = type(k) == "string" and s_find(k, "^[%a_][%w_]*$") and k or ("[" .. show(k, depth + 1) .. "]")
      parts[n] = key .. " = " .. show(rawget(v, k), depth + 1)
    end
  end
  return "{" .. concat(parts, ", ") .. "}"
end

local function deep_equal(a, b, seen)
  if rawequal(a, b) then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in next, a do
    if not deep_equal(v, rawget(b, k), seen) then return false end
  end
  for k in next, b do
    if rawget(a, k) == nil then return false end
  end
  return true
end

local function suffix(msg)
  if msg == nil then return "" end
  return ": " .. tostring(msg)
end

return function()
  local h = {}
  function h.assert_eq(actual, expected, msg)
    if not deep_equal(actual, expected) then
      fail("assert_eq failed" .. suffix(msg) .. ": expected " .. show(expected, 0) .. ", got " .. show(actual, 0), 2)
    end
  end
  function h.assert_ne(actual, unexpected, msg)
    if deep_equal(actual, unexpected) then
      fail("assert_ne failed" .. suffix(msg) .. ": both are " .. show(actual, 0), 2)
    end
  end
  function h.assert_true(v, msg)
    if v ~= true then fail("assert_true failed" .. suffix(msg) .. ": got " .. show(v, 0), 2) end
  end
  function h.assert_false(v, msg)
    if v ~= false then fail("assert_false failed" .. suffix(msg) .. ": got " .. show(v, 0), 2) end
  end
  function h.assert_near(a, b, eps, msg)
    eps = eps or 1e-9
    if type(a) ~= "number" or type(b) ~= "number" or abs(a - b) > eps then
      fail("assert_near failed" .. suffix(msg) .. ": expected " .. show(b, 0) .. " ± " .. tostring(eps)
           .. ", got " .. show(a, 0), 2)
    end
  end
  function h.assert_error(fn, pattern, msg)
    local ok, err = pcall(fn)
    if ok then fail("assert_error failed" .. suffix(msg) .. ": the function did not raise an error", 2) end
    if pattern ~= nil then
      local text = tostring(err)
      local okp, found = pcall(guarded_find, text, pattern)
      if not guarded_find(text, pattern, 1, true) and not (okp and found) then
        fail("assert_error failed" .. suffix(msg) .. ": error " .. show(text, 0) .. " does not match "
             .. show(pattern, 0), 2)
      end
    end
    return err
  end
  return h
end
