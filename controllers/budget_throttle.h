// Throttle budgets: which replicas of the selected workloads run, and which are scaled down,
// so that a budget's projection to the period's end fits its limits. Scaling down takes the
// lowest priority first (newest first within a priority): Inference loses replicas one at a
// time, down to zero; a Training or Batch gang runs all or nothing (its Job is suspended).
// Scaling back up goes the other way, highest priority first, only for workloads that have
// stayed down for the hysteresis time, and only as far as the projection still fits.
// Pure functions over values; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/cost_model.h"
#include "core/types.h"

namespace hybridai::controllers {

// Replicas of the Active placements (Standby runs nothing).
int64_t ActiveReplicas(const std::vector<api::Placement>& placements);

// The replicas each placement runs when `throttled` of the Active replicas are scaled down:
// taken from the last Active placement backwards; a gang runs all or nothing. Standby: 0.
std::vector<int64_t> RunningReplicas(const std::vector<api::Placement>& placements,
                                     int64_t throttled, bool gang);

// The hourly rates of what runs: each Active placement's rates in proportion to the replicas
// it still runs.
BudgetRate RunningRate(const std::vector<api::Placement>& placements, int64_t throttled, bool gang);

struct ThrottleMember {
  std::string key;
  int64_t priority = 0;
  int64_t createdUnix = 0;
  bool gang = false;
  std::vector<api::Placement> placements;
  int64_t throttled = 0;    // scaled down now
  bool mayRestore = false;  // down for at least the hysteresis time
};

// The new `throttled` of each member, in the members' order. `usage` and `remainingSeconds`:
// where the budget stands (core/budget_accounting.h PositionAt); `fixed`: the rates of what
// the budget counts besides the members (finished, or held down by another budget).
std::vector<int64_t> PlanThrottle(const api::BudgetLimits& limits, const api::BudgetUsage& usage,
                                  int64_t remainingSeconds, const BudgetRate& fixed,
                                  const std::vector<ThrottleMember>& members);

}  // namespace hybridai::controllers
