-- Argo CD health of an AIWorkload, from status.phase and conditions (docs/gitops.md).
local hs = { status = "Progressing", message = "Waiting for the operator" }
local function condition(t)
  if obj.status == nil or obj.status.conditions == nil then return nil end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == t then return c end
  end
  return nil
end
if obj.status == nil or obj.status.phase == nil then return hs end
local gen = obj.metadata.generation
if gen ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < gen) then
  hs.message = "Waiting for the operator to observe generation " .. gen
  return hs
end
local phase = obj.status.phase
local ready = condition("Ready")
local placed = condition("Placed")
local function msg(c, default)
  if c ~= nil and c.message ~= nil and c.message ~= "" then return c.message end
  return default
end
if phase == "Running" then
  hs.status = "Healthy"
  hs.message = msg(ready, "Running")
elseif phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = msg(ready, "Succeeded")
elseif phase == "Placed" then
  hs.status = "Progressing"
  hs.message = "Placed, replicas starting: " .. msg(ready, "")
elseif phase == "Pending" then
  if placed ~= nil and placed.status == "False" and placed.reason ~= nil then
    -- Waits for room, a budget or a lower-priority workload to go: nothing Argo CD can sync.
    hs.status = "Suspended"
    hs.message = "Pending (" .. placed.reason .. "): " .. msg(placed, "")
  else
    hs.message = "Pending: waiting for a placement decision"
  end
elseif phase == "Degraded" then
  hs.status = "Degraded"
  hs.message = msg(condition("Degraded"), "Degraded")
elseif phase == "Throttled" then
  hs.status = "Degraded"
  hs.message = "Throttled by a budget: " .. msg(condition("WithinBudget"), "")
elseif phase == "Failed" then
  hs.status = "Degraded"
  hs.message = "Failed: " .. msg(ready, "")
else
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. tostring(phase)
end
return hs
