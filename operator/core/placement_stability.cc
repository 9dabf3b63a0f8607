#include "core/placement_stability.h"

#include <algorithm>

namespace hybridai {
namespace {

int64_t SumReplicas(const std::vector<Part>& parts) {
  int64_t s = 0;
  for (const Part& p : parts) s += p.replicas;
  return s;
}

// The distinct failure domains of `parts` under `key`.
size_t DomainCount(const FleetIndex& fleet, const std::vector<Part>& parts, int key) {
  std::vector<int32_t> seen;
  for (const Part& p : parts) {
    const int32_t d = fleet.pools()[p.pool].domain[key];
    if (std::find(seen.begin(), seen.end(), d) == seen.end()) seen.push_back(d);
  }
  return seen.size();
}

}  // namespace

CurrentPlacements JudgeCurrent(const FleetIndex& fleet, const WorkloadFilter& filter,
                               const api::AIWorkload& workload) {
  const api::AIWorkloadSpec& spec = workload.spec;
  const api::RedundancyMode mode = spec.redundancy.mode;
  const int key = static_cast<int>(spec.redundancy.topologyKey);
  const bool gang = spec.type == api::WorkloadType::Training;

  CurrentPlacements cur;
  cur.empty = workload.status.placements.empty();
  bool activeOk = true, standbyOk = mode == api::RedundancyMode::ActivePassive;
  for (const api::Placement& p : workload.status.placements) {
    const bool standby = p.role == api::Role::Standby;
    bool& ok = standby ? standbyOk : activeOk;
    const int32_t pool = fleet.PoolByName(p.pool);
    if (pool < 0) {
      ok = false;
      continue;
    }
    const PoolRow& row = fleet.pools()[pool];
    if (row.pool->spec.cluster != p.cluster || !filter.MayKeep(row) || p.replicas < 1 ||
        p.accelerators != p.replicas * spec.accelerators.count) {
      ok = false;
    }
    (standby ? cur.standby : cur.active).push_back({pool, p.replicas});
  }

  auto shapeOk = [&](const std::vector<Part>& parts) {
    if (parts.empty() || SumReplicas(parts) != spec.replicas) return false;
    if (gang && parts.size() != 1) return false;
    switch (mode) {
      case api::RedundancyMode::None:
        return true;
      case api::RedundancyMode::Spread:
        return !gang && static_cast<int64_t>(DomainCount(fleet, parts, key)) >=
                            std::max<int64_t>(1, spec.redundancy.minDomains);
      case api::RedundancyMode::ActivePassive:
        return DomainCount(fleet, parts, key) == 1;
    }
    return false;
  };
  cur.activeValid = activeOk && shapeOk(cur.active);
  if (mode == api::RedundancyMode::ActivePassive) {
    cur.standbyValid = standbyOk && shapeOk(cur.standby);
    if (cur.standbyValid && !cur.active.empty() &&
        fleet.pools()[cur.active.front().pool].domain[key] ==
            fleet.pools()[cur.standby.front().pool].domain[key]) {
      // Both sides in one domain is no redundancy: keep the active, move the standby.
      cur.standbyValid = !cur.activeValid;
    }
  }
  std::sort(cur.active.begin(), cur.active.end(),
            [](const Part& a, const Part& b) { return a.pool < b.pool; });
  std::sort(cur.standby.begin(), cur.standby.end(),
            [](const Part& a, const Part& b) { return a.pool < b.pool; });
  return cur;
}

}  // namespace hybridai
