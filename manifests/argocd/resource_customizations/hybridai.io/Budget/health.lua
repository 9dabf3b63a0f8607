-- Argo CD health of a Budget, from its Exceeded and Warning conditions (docs/gitops.md).
local hs = { status = "Healthy", message = "Within limits" }
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the first accounting"
  return hs
end
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Exceeded" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = "Exceeded: " .. (c.message or "")
    return hs
  end
end
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Warning" and c.status == "True" then
    hs.message = "Warning: " .. (c.message or "")
  end
end
return hs
