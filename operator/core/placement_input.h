// What the placement engine reads (the fleet, budgets, workloads with their current
// placements) and what it answers (a decision per workload, pool totals, budget verdicts).
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cost_model.h"
#include "core/types.h"

namespace hybridai {

// A member cluster with the operator's view of its health. `ready` unset: derived from the
// status (a Ready condition False means not ready; no status or Unknown counts as ready, which
// is what the offline planner needs). `failed`: unready for longer than the workloads'
// failoverAfterSeconds, as judged by the caller; placements there are then moved elsewhere.
struct ClusterInput {
  api::MemberCluster cluster;
  std::optional<bool> ready;
  bool failed = false;
};

// A GPU pool; readiness and failure as for clusters. Capacity: status.capacityAccelerators when
// the pool has a status, else spec.capacity.accelerators, else 0. `reservedAccelerators` are
// taken by things outside the workloads given to the engine.
struct PoolInput {
  api::GPUPool pool;
  std::optional<bool> ready;
  bool failed = false;
  int64_t reservedAccelerators = 0;
};

// A budget with what its period has used so far. `usageSoFar` unset: budget.status.usage.
// `remainingSeconds` unset: a whole nominal period ahead (NominalPeriodSeconds), for planning
// without a clock; the operator passes PeriodAt(now).end - now.
// `committedRate`: the hourly rates of selected workloads that are not in the input (the fleet
// scheduler decides one workload at a time and passes the others' rates from its ledger).
struct BudgetInput {
  api::Budget budget;
  std::optional<api::BudgetUsage> usageSoFar;
  std::optional<int64_t> remainingSeconds;
  BudgetRate committedRate;
};

struct PlacementInput {
  std::vector<ClusterInput> clusters;
  std::vector<PoolInput> pools;
  std::vector<BudgetInput> budgets;
  // Each workload's status.placements are its current placements (kept when still valid).
  std::vector<api::AIWorkload> workloads;
};

// How many pools one reason ruled out, like the kube-scheduler's "0/12 nodes are available".
struct ReasonCount {
  std::string reason;  // from the vocabulary in core/placement_reasons.h
  int64_t pools = 0;
};

// The limits a Deny budget can refuse on; their names (BudgetLimitName in
// core/placement_reasons.h) are the spec.limits field names.
enum class BudgetLimit : uint8_t { kPowerWatts, kCost, kEnergyKWh, kCarbonKg, kCount };

// A Deny budget refusing a workload: which budget, and which of its limits the workload would
// pass.
struct BudgetRefusal {
  std::string budget;  // "<namespace>/<name>"
  BudgetLimit limit = BudgetLimit::kCount;
  bool operator==(const BudgetRefusal&) const = default;
};

struct WorkloadDecision {
  std::string namespace_;
  std::string name;
  bool placed = false;
  // True when every current placement was still valid and kept exactly as it was.
  bool kept = false;
  std::vector<api::Placement> placements;  // Active first, then Standby; by cluster, pool
  // Totals over Active placements (Standby costs nothing and draws no power).
  Decimal hourlyCost;
  int64_t powerWatts = 0;
  int64_t carbonGramsPerHour = 0;
  // Unschedulable: "0/12 pools fit: 4 location not allowed, 3 insufficient accelerators"
  // plus, after "; ", what the redundancy/gang/limits/budget stage could not satisfy.
  std::string message;
  int64_t fittingPools = 0;
  int64_t totalPools = 0;
  std::vector<ReasonCount> reasons;  // by count descending, then reason
  // Unplaced: the Deny budgets that refused it, each once, in the message's order: those that
  // ruled out pools (as in `reasons`), then one that refused the whole plan.
  std::vector<BudgetRefusal> budgetRefusals;
};

struct PoolAllocation {
  std::string name;
  std::string cluster;
  int64_t capacity = 0;
  int64_t allocated = 0;  // Active + Standby (reserved) accelerators, plus reservedAccelerators
  int64_t standby = 0;    // of which reserved for standby placements
};

enum class BudgetState { Ok, Warning, Exceeded };

struct BudgetVerdict {
  std::string namespace_;
  std::string name;
  BudgetState state = BudgetState::Ok;
  api::BudgetUsage usage;      // so far this period
  api::BudgetUsage projected;  // at the end of the period at the planned rates
  // Which limits are at or past warnAtPercent (Warning) or past the limit (Exceeded), e.g.
  // "cost projected 61200.00 > limit 60000.00".
  std::string message;
};

struct PlacementPlan {
  std::vector<WorkloadDecision> decisions;  // by namespace, then name
  std::vector<PoolAllocation> pools;        // by name
  std::vector<BudgetVerdict> budgets;       // by namespace, then name

  // Null when absent. Binary search: decisions are sorted.
  const WorkloadDecision* Find(const std::string& namespace_, const std::string& name) const;
};

const char* BudgetStateName(BudgetState state);

}  // namespace hybridai
