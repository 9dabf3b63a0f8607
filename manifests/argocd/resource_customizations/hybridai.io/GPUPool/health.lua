-- Argo CD health of a GPUPool, from its Ready condition and measured capacity (docs/gitops.md).
local hs = { status = "Progressing", message = "Waiting for the operator to measure the pool" }
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" then
      if c.status == "True" then
        hs.status = "Healthy"
        local cap, alloc = 0, 0
        if obj.status.capacity ~= nil then cap = obj.status.capacity.accelerators or 0 end
        if obj.status.allocated ~= nil then alloc = obj.status.allocated.accelerators or 0 end
        hs.message = alloc .. "/" .. cap .. " accelerators allocated"
      elseif c.status == "False" then
        hs.status = "Degraded"
        hs.message = (c.reason or "NotReady") .. ": " .. (c.message or "")
      end
    end
  end
end
return hs
