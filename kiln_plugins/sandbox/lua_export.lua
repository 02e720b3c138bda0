-- Trusted chunk: Lua value -> JSON text, the only way values leave the sandbox.
--
-- Conversion rules (the contract for plugin authors and for host-function arguments):
--   nil -> null; booleans; integers stay integers; floats stay floats (2.0 -> 2.0);
--   NaN and ±inf are refused; strings must be valid UTF-8;
--   a table whose keys are exactly 1..n (n >= 1) is an array; positive integer keys with
--   holes are an array with null in the holes when at least half the slots are filled;
--   an empty table is an empty array []; any other table is an object whose keys are its
--   string keys and its integer keys written in decimal (a clash like {[1]=…, ["1"]=…} is
--   refused); float, boolean, table and function keys are refused;
--   functions, coroutines and userdata are refused; a table that contains itself is refused;
--   nesting deeper than 200 is refused.
-- Raw access only (next/rawget): no metamethod, so no plugin code, runs while exporting.
local lib = ...

local next, type, rawget, tostring = next, type, rawget, tostring
local s_format, s_gsub, s_byte, s_sub, s_find = string.format, string.gsub, string.byte, string.sub, string.find
local concat, sort, math_type, utf8_len = table.concat, table.sort, math.type, utf8.len
local huge = math.huge

local MAX_DEPTH = 200

local ESCAPES = {['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
                 ["\r"] = "\\r", ["\t"] = "\\t"}
for b = 0, 31 do
  local c = string.char(b)
  ESCAPES[c] = ESCAPES[c] or s_format("\\u%04x", b)
end

local Refused = {}   -- error marker: {message}

local path, path_n = {}, 0   -- keys from the root to the value being encoded

local function refuse(message)
  error({Refused, message .. " (at " .. concat(path, "", 1, path_n) .. ")"}, 0)
end

local function key_text(k)
  if type(k) == "string" then return k end
  if math_type(k) == "integer" then return tostring(k) end
  refuse("a table key of type " .. (math_type(k) or type(k)) .. " is not representable in JSON")
end

local encode

local function encode_string(s, out)
  if not utf8_len(s) then refuse("a string that is not valid UTF-8 is not representable in JSON") end
  out[#out + 1] = '"' .. s_gsub(s, '[%c"\\]', ESCAPES) .. '"'
end

local function encode_table(t, out, depth, open)
  if open[t] then refuse("a table that contains itself is not representable in JSON") end
  if depth > MAX_DEPTH then refuse("tables nested deeper than " .. MAX_DEPTH .. " are not representable in JSON") end
  open[t] = true
  local count, max_int, only_ints = 0, 0, true
  for k in next, t do
    count = count + 1
    if math_type(k) == "integer" and k >= 1 then
      if k > max_int then max_int = k end
    else
      only_ints = false
    end
  end
  if only_ints and max_int <= 2 * count then
    out[#out + 1] = "["
    for i = 1, max_int do
      if i > 1 then out[#out + 1] = "," end
      path[depth + 1] = "[" .. i .. "]"
      path_n = depth + 1
      encode(rawget(t, i), out, depth + 1, open)
    end
    out[#out + 1] = "]"
  else
    local keys, texts, seen = {}, {}, {}
    for k in next, t do
      local text = key_text(k)
      if seen[text] then refuse("the key '" .. text .. "' appears twice (as a string and a number)") end
      seen[text] = true
      keys[#keys + 1] = text
      texts[text] = k
    end
    sort(keys)
    out[#out + 1] = "{"
    for i, text in next, keys do
      if i > 1 then out[#out + 1] = "," end
      encode_string(text, out)
      out[#out + 1] = ":"
      path[depth + 1] = "." .. text
      path_n = depth + 1
      encode(rawget(t, texts[text]), out, depth + 1, open)
    end
    out[#out + 1] = "}"
  end
  open[t] = nil
  path_n = depth
end

encode = function(v, out, depth, open)
  local tv = type(v)
  if v == nil then out[#out + 1] = "null"
  elseif tv == "boolean" then out[#out + 1] = v and "true" or "false"
  elseif tv == "number" then
    if math_type(v) == "integer" then out[#out + 1] = s_format("%d", v)
    elseif v ~= v or v == huge or v == -huge then
      refuse("the number " .. tostring(v) .. " is not representable in JSON")
    else
      local text = s_format("%.17g", v)
      if not s_find(text, "[%.eEn]") then text = text .. ".0" end
      out[#out + 1] = text
    end
  elseif tv == "string" then encode_string(v, out)
  elseif tv == "table" then encode_table(v, out, depth, open)
  else refuse("a " .. tv .. " value is not representable in JSON") end
end

-- export(value, limit_bytes?, args?) -> text | nil, problem, over_limit
-- With args, value is a table.pack(...) result and becomes a JSON array of its n values.
return function(value, limit, args)
  local out, ok, err = {}, nil, nil
  if args then
    ok, err = pcall(function()
      out[1] = "["
      for i = 1, value.n do
        if i > 1 then out[#out + 1] = "," end
        path[1], path_n = "argument " .. i, 1
        encode(value[i], out, 1, {})
      end
      out[#out + 1] = "]"
    end)
  else
    path[1], path_n = "result", 1
    ok, err = pcall(encode, value, out, 1, {})
  end
  if not ok then
    if type(err) == "table" and err[1] == Refused then return nil, err[2], false end
    if err == lib.MEMERR then lib.trip("memory_mb") end
    error(err, 0)
  end
  local text = concat(out)
  if limit and #text > limit then return nil, "result is larger than the output limit", true end
  return text
end
