// The placement engine: decides, for every AIWorkload, which GPU pools of which member
// clusters run it (or why none can), from a snapshot of the fleet, the budgets and the
// workloads' current placements. Pure and deterministic: no I/O, no clock, no randomness; the
// same input in any order gives the same plan. One engine per run; not thread-safe.
//
// How a run goes:
// 1. Keep. In priority order (higher first, then namespace/name), every workload whose current
//    placements are all still valid (core/placement_stability.h) and still fit the pools'
//    capacity and its own limits keeps them exactly: same clusters, pools, replicas and roles;
//    their rates are recomputed from today's prices. Kept placements are never refused by a
//    budget: Deny only stops new and scale-up placements.
// 2. Place. The rest, in the same order. Each pool is checked against the workload (reasons in
//    core/placement_reasons.h, in that order: cluster constraints, taints, readiness, failure,
//    accelerator vendor/model/memory, spot, free capacity, limits, Deny budgets); the pools that
//    pass are ranked (core/placement_scoring.h) and shaped (core/placement_strategies.h).
//    Free capacity = capacity - reservedAccelerators - what this run placed or kept earlier.
//    Limits and Deny budgets are checked per pool as if the whole workload ran there (sound for
//    split plans: cost and power are linear in accelerators) and once more on the final plan.
//    An ActivePassive workload whose active side failed promotes its still-valid standby and
//    gets a new standby; one whose standby alone failed keeps its active. When no other domain
//    has room for a new standby, the active side runs alone (better than nothing) until a
//    later run finds one.
// 3. Finish. Pool totals and budget verdicts over everything placed or kept.
// Standby placements reserve capacity (they are promoted on failure) but are scaled to zero:
// they cost nothing and draw no power, so workload limits and budgets ignore them.
// Replicas 0 is placed with no placements.
#pragma once

#include <memory>

#include "core/placement_input.h"

namespace hybridai {

class PlacementEngine {
 public:
  // `input` must outlive the engine; the engine never copies or changes it.
  explicit PlacementEngine(const PlacementInput& input);
  ~PlacementEngine();
  PlacementEngine(const PlacementEngine&) = delete;
  PlacementEngine& operator=(const PlacementEngine&) = delete;

  // The whole run: KeepValid, PlaceNext until false, Finish.
  PlacementPlan Run();

  // Step by step, so a caller (the benchmark) can observe single decisions.
  void KeepValid();
  bool PlaceNext();  // decides one more workload; false when none is left
  PlacementPlan Finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// PlacementEngine(input).Run().
PlacementPlan PlanPlacements(const PlacementInput& input);

}  // namespace hybridai
