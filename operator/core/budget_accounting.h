// A Budget over time: one accounting step of its status (usage accrued exactly at the rates
// recorded since the last step, reset at period boundaries in the budget's time zone, the
// projection to the period's end, the Warning and Exceeded conditions), and the position the
// scheduler judges Deny and Throttle budgets from. Pure functions over values; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/cost_model.h"
#include "core/types.h"

namespace hybridai {

struct BudgetAccountingInput {
  const api::Budget& budget;  // spec, and the status last written
  BudgetRate rate;            // the selected workloads' rates now (throttled replicas excluded)
  int64_t workloads = 0;
  int64_t throttledWorkloads = 0;
  int64_t nowUnix = 0;
};

// A condition whose status changed in this step, for an event.
struct BudgetTransition {
  std::string type;    // Warning | Exceeded
  std::string status;  // True | False
  std::string reason;
  std::string message;
};

struct BudgetAccountingResult {
  api::BudgetStatus status;
  std::vector<BudgetTransition> transitions;
};

// Usage accrues at status.rate (the rates in force since lastAccountingTime), then the rate
// becomes `in.rate`. A step that crosses period boundaries closes the old period at its end
// (kept as previousPeriod) and starts the new one from its start. The first step starts
// counting at `nowUnix`.
BudgetAccountingResult AccountBudget(const BudgetAccountingInput& in);

// Where the budget stands at `nowUnix` by its status: usage of the current period (accrued
// at status.rate up to now; zero when the status is of an earlier period or empty) and the
// seconds left in the period.
struct BudgetPosition {
  api::BudgetUsage usage;
  int64_t remainingSeconds = 0;
};
BudgetPosition PositionAt(const api::Budget& budget, int64_t nowUnix);

// The limits that `value` passes (usage > limit; power: the rate itself), in BudgetLimits
// order: "cost 812.40 over limit 800.00; powerWatts 2310 over limit 2000". Empty: none.
std::string LimitsPassed(const api::BudgetLimits& limits, const api::BudgetUsage& value);
bool AnyLimitPassed(const api::BudgetLimits& limits, const api::BudgetUsage& value);

}  // namespace hybridai
