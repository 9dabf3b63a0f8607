-- Runs Argo CD resource health checks the way Argo CD's own tests do: for every case of
-- <dir>/health_test.yaml, loads its inputPath as `obj`, runs <dir>/health.lua and compares
-- status and message. Lua 5.1 (Argo CD embeds gopher-lua, a Lua 5.1) with lyaml.
--   lua5.1 health_test.lua DIR...   exit 1 on any mismatch
local lyaml = require("lyaml")

local function read(path)
  local f = assert(io.open(path, "r"))
  local s = f:read("*a")
  f:close()
  return s
end

local failures, total = 0, 0
for _, dir in ipairs(arg) do
  local tests = lyaml.load(read(dir .. "/health_test.yaml")).tests
  for _, t in ipairs(tests) do
    total = total + 1
    local obj = lyaml.load(read(dir .. "/" .. t.inputPath))
    local chunk = assert(loadfile(dir .. "/health.lua"))
    setfenv(chunk, setmetatable({ obj = obj }, { __index = _G }))
    local ok, hs = pcall(chunk)
    local want = t.healthStatus
    if not ok then
      failures = failures + 1
      print("FAIL " .. dir .. " " .. t.inputPath .. ": error: " .. tostring(hs))
    elseif hs.status ~= want.status or (want.message ~= nil and hs.message ~= want.message) then
      failures = failures + 1
      print(string.format("FAIL %s %s: want %s %q, got %s %q", dir, t.inputPath, want.status,
        tostring(want.message), tostring(hs.status), tostring(hs.message)))
    end
  end
end
print(string.format("%d/%d health cases pass", total - failures, total))
if failures > 0 or total == 0 then os.exit(1) end
