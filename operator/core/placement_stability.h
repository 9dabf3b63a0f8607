// Judges a workload's current placements (its status.placements) against today's fleet and
// spec, so the engine can keep them exactly when they are still valid: no churn when a
// cheaper pool appears. Pure; thread-safe given its arguments.
#pragma once

#include <vector>

#include "core/placement_filters.h"
#include "core/placement_strategies.h"

namespace hybridai {

// Current placements, resolved to pool indices, each side judged on its own. A side is valid
// when every placement names an existing pool of the named cluster that may keep it
// (WorkloadFilter::MayKeep: no failed pool or cluster, no NoExecute taint, constraints hold),
// each has replicas >= 1 and accelerators == replicas x count, the replicas add up to
// spec.replicas, and the side has the redundancy's shape: Training in one pool; Spread over at
// least minDomains domains; ActivePassive's active in one domain and its standby in one other.
// Capacity and limits depend on the run and are checked by the engine.
struct CurrentPlacements {
  std::vector<Part> active;
  std::vector<Part> standby;
  bool activeValid = false;
  bool standbyValid = false;  // ActivePassive only
  bool empty = true;          // no current placements at all

  bool AllValid(api::RedundancyMode mode) const {
    return activeValid &&
           (mode == api::RedundancyMode::ActivePassive ? standbyValid : standby.empty());
  }
};

CurrentPlacements JudgeCurrent(const FleetIndex& fleet, const WorkloadFilter& filter,
                               const api::AIWorkload& workload);

}  // namespace hybridai
