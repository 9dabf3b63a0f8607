#include "cli/plan_report.h"

#include <algorithm>

namespace hybridai::cli {

bool PlanReport::AllPlaced() const {
  return std::all_of(workloads.begin(), workloads.end(),
                     [](const WorkloadRow& w) { return w.placed; });
}

bool PlanReport::AnyBudgetExceeded() const {
  return std::any_of(budgets.begin(), budgets.end(),
                     [](const BudgetRow& b) { return b.verdict == "Exceeded"; });
}

}  // namespace hybridai::cli
