// The budgets during one placement run: which workloads each counts, the hourly rates the
// plan commits to it, whether a Deny budget refuses one more placement, and the verdict
// (Ok | Warning | Exceeded) once the plan is done. Not thread-safe; one per run.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/cost_model.h"
#include "core/placement_input.h"
#include "core/placement_reasons.h"

namespace hybridai {

// Whether `tags` carry every key of `selector` with the same value (an empty selector: yes).
bool TagsInclude(const std::map<std::string, std::string>& tags,
                 const std::map<std::string, std::string>& selector);

// A budget counts the AIWorkloads of its own namespace whose tags include all selector tags.
bool BudgetSelects(const api::Budget& budget, const api::AIWorkload& workload);

class BudgetLedger {
 public:
  explicit BudgetLedger(const std::vector<BudgetInput>& budgets);

  size_t size() const { return rows_.size(); }
  // "<namespace>/<name>" per budget index, in that order (sorted).
  const std::vector<std::string>& names() const { return names_; }

  // Indices of the budgets counting the workload, ascending; `out` is cleared first.
  void Matching(const api::AIWorkload& workload, std::vector<int32_t>& out) const;
  bool IsDeny(int32_t b) const {
    return rows_[b].input->budget.spec.enforcement == api::Enforcement::Deny;
  }

  // The first limit (in BudgetLimit order) that committing `add` would push the budget's
  // projection past, counting only limits `add` contributes to; kCount when none. Warn and
  // Throttle budgets never refuse: callers ask only Deny ones.
  BudgetLimit WouldExceed(int32_t b, const PlacementCost& add) const;
  void Add(int32_t b, const PlacementCost& add);

  // By namespace, then name. usage: the period so far, powerWatts the planned rate.
  std::vector<BudgetVerdict> Verdicts() const;

 private:
  struct Row {
    const BudgetInput* input = nullptr;
    api::BudgetUsage usage;
    int64_t remainingSeconds = 0;
    BudgetRate rate;
  };
  std::vector<Row> rows_;
  std::vector<std::string> names_;
};

}  // namespace hybridai
