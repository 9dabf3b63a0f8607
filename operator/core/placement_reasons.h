// The stable vocabulary of reasons a pool cannot take a workload, and the per-pool tally the
// placement engine turns into a kube-scheduler style message ("0/12 pools fit: 4 location not
// allowed, 3 insufficient accelerators"). Each pool counts once, under the first check it
// fails, in the order of the enum. Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/placement_input.h"

namespace hybridai {

// The strings (ReasonName) are part of the contract: users grep them, tests pin them.
enum class Reason : uint8_t {
  kNone = 0,
  kClusterNotFound,           // "cluster not found": the pool names an unknown MemberCluster
  kLocationNotAllowed,        // "location not allowed"
  kDataClassification,        // "data classification not allowed"
  kLatencyTooHigh,            // "latency above maxLatencyMs"
  kRegionNotAllowed,          // "region not allowed"
  kClusterSelectorMismatch,   // "cluster selector mismatch"
  kNotInAnyTier,              // "cluster in no placement tier"
  kClusterTaintedNoExecute,   // "cluster tainted NoExecute"
  kClusterTaintedNoSchedule,  // "cluster tainted NoSchedule"
  kClusterFailed,             // "cluster failed"
  kClusterNotReady,           // "cluster not ready"
  kPoolFailed,                // "pool failed"
  kPoolNotReady,              // "pool not ready"
  kVendorMismatch,            // "accelerator vendor mismatch"
  kModelMismatch,             // "accelerator model mismatch"
  kInsufficientMemory,        // "insufficient accelerator memory"
  kSpotNotAllowed,            // "spot not allowed"
  kInsufficientAccelerators,  // "insufficient accelerators"
  kExceedsMaxPowerWatts,      // "exceeds workload maxPowerWatts"
  kExceedsMaxHourlyCost,      // "exceeds workload maxHourlyCost"
  kBudget,                    // "would exceed budget <ns>/<name> <limit>" (see BudgetLimit)
  kCount,
};

const char* ReasonName(Reason reason);

// The spec.limits field name of a budget limit (BudgetLimit is in core/placement_input.h).
const char* BudgetLimitName(BudgetLimit limit);
// "would exceed budget <ns>/<name> <limit>", the reason of one refusal; and several, joined
// with "; ".
std::string BudgetRefusalText(const BudgetRefusal& refusal);
std::string BudgetRefusalsText(const std::vector<BudgetRefusal>& refusals);

// Counts pools per reason for one workload. Reset between workloads; never allocates after
// the first Reset with the same number of budgets.
class ReasonTally {
 public:
  void Reset(size_t budgets);
  void Add(Reason reason) { ++counts_[static_cast<size_t>(reason)]; }
  void AddBudget(size_t budget, BudgetLimit limit) {
    ++budgetCounts_[budget * static_cast<size_t>(BudgetLimit::kCount) + static_cast<size_t>(limit)];
  }

  // Sorted by count descending, then reason text. `budgetNames[i]` is "<ns>/<name>".
  std::vector<ReasonCount> Counts(const std::vector<std::string>& budgetNames) const;
  // The budget refusals among them, in the same order.
  std::vector<BudgetRefusal> BudgetRefusals(const std::vector<std::string>& budgetNames) const;

 private:
  std::array<int64_t, static_cast<size_t>(Reason::kCount)> counts_{};
  std::vector<int64_t> budgetCounts_;
};

// "3/12 pools fit: 4 location not allowed, 5 insufficient accelerators"; with `detail`
// appended after "; " when not empty.
std::string FormatUnschedulable(int64_t fitting, int64_t total,
                                const std::vector<ReasonCount>& reasons, const std::string& detail);

}  // namespace hybridai
