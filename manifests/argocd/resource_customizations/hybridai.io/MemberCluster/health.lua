-- Argo CD health of a MemberCluster, from its Ready condition and taints (docs/gitops.md).
local hs = { status = "Progressing", message = "Waiting for the operator to probe the cluster" }
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" then
      if c.status == "True" then
        hs.status = "Healthy"
        hs.message = c.message or "Ready"
        if obj.spec ~= nil and obj.spec.taints ~= nil then
          for _, t in ipairs(obj.spec.taints) do
            if t.effect == "NoSchedule" or t.effect == "NoExecute" then
              -- Reachable, but taken out of placement on purpose (maintenance).
              hs.status = "Suspended"
              hs.message = "Tainted " .. t.key .. ":" .. t.effect .. ", no new placements"
            end
          end
        end
      elseif c.status == "False" then
        hs.status = "Degraded"
        hs.message = (c.reason or "NotReady") .. ": " .. (c.message or "")
      end
    end
  end
end
return hs
