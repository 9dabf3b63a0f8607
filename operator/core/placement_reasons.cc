#include "core/placement_reasons.h"

#include <algorithm>
#include <utility>

namespace hybridai {

const char* ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kNone:
      return "fits";
    case Reason::kClusterNotFound:
      return "cluster not found";
    case Reason::kLocationNotAllowed:
      return "location not allowed";
    case Reason::kDataClassification:
      return "data classification not allowed";
    case Reason::kLatencyTooHigh:
      return "latency above maxLatencyMs";
    case Reason::kRegionNotAllowed:
      return "region not allowed";
    case Reason::kClusterSelectorMismatch:
      return "cluster selector mismatch";
    case Reason::kNotInAnyTier:
      return "cluster in no placement tier";
    case Reason::kClusterTaintedNoExecute:
      return "cluster tainted NoExecute";
    case Reason::kClusterTaintedNoSchedule:
      return "cluster tainted NoSchedule";
    case Reason::kClusterFailed:
      return "cluster failed";
    case Reason::kClusterNotReady:
      return "cluster not ready";
    case Reason::kPoolFailed:
      return "pool failed";
    case Reason::kPoolNotReady:
      return "pool not ready";
    case Reason::kVendorMismatch:
      return "accelerator vendor mismatch";
    case Reason::kModelMismatch:
      return "accelerator model mismatch";
    case Reason::kInsufficientMemory:
      return "insufficient accelerator memory";
    case Reason::kSpotNotAllowed:
      return "spot not allowed";
    case Reason::kInsufficientAccelerators:
      return "insufficient accelerators";
    case Reason::kExceedsMaxPowerWatts:
      return "exceeds workload maxPowerWatts";
    case Reason::kExceedsMaxHourlyCost:
      return "exceeds workload maxHourlyCost";
    case Reason::kBudget:
      return "would exceed budget";
    case Reason::kCount:
      break;
  }
  return "unknown";
}

const char* BudgetLimitName(BudgetLimit limit) {
  switch (limit) {
    case BudgetLimit::kPowerWatts:
      return "powerWatts";
    case BudgetLimit::kCost:
      return "cost";
    case BudgetLimit::kEnergyKWh:
      return "energyKWh";
    case BudgetLimit::kCarbonKg:
      return "carbonKg";
    case BudgetLimit::kCount:
      break;
  }
  return "unknown";
}

void ReasonTally::Reset(size_t budgets) {
  counts_.fill(0);
  budgetCounts_.assign(budgets * static_cast<size_t>(BudgetLimit::kCount), 0);
}

std::string BudgetRefusalText(const BudgetRefusal& refusal) {
  return "would exceed budget " + refusal.budget + " " + BudgetLimitName(refusal.limit);
}

std::string BudgetRefusalsText(const std::vector<BudgetRefusal>& refusals) {
  std::string out;
  for (const BudgetRefusal& r : refusals) {
    if (!out.empty()) out += "; ";
    out += BudgetRefusalText(r);
  }
  return out;
}

std::vector<BudgetRefusal> ReasonTally::BudgetRefusals(
    const std::vector<std::string>& budgetNames) const {
  std::vector<std::pair<BudgetRefusal, int64_t>> counted;
  const size_t kinds = static_cast<size_t>(BudgetLimit::kCount);
  for (size_t i = 0; i < budgetCounts_.size(); ++i) {
    if (budgetCounts_[i] == 0) continue;
    const size_t b = i / kinds;
    counted.push_back({{b < budgetNames.size() ? budgetNames[b] : std::string("?"),
                        static_cast<BudgetLimit>(i % kinds)},
                       budgetCounts_[i]});
  }
  // As Counts sorts them: count descending, then reason text.
  std::sort(counted.begin(), counted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second
                                : BudgetRefusalText(a.first) < BudgetRefusalText(b.first);
  });
  std::vector<BudgetRefusal> out;
  for (auto& [r, n] : counted) out.push_back(std::move(r));
  return out;
}

std::vector<ReasonCount> ReasonTally::Counts(const std::vector<std::string>& budgetNames) const {
  std::vector<ReasonCount> out;
  for (size_t r = 1; r < counts_.size(); ++r) {
    if (counts_[r] > 0 && static_cast<Reason>(r) != Reason::kBudget) {
      out.push_back({ReasonName(static_cast<Reason>(r)), counts_[r]});
    }
  }
  const size_t kinds = static_cast<size_t>(BudgetLimit::kCount);
  for (size_t i = 0; i < budgetCounts_.size(); ++i) {
    if (budgetCounts_[i] == 0) continue;
    const size_t b = i / kinds;
    out.push_back({BudgetRefusalText({b < budgetNames.size() ? budgetNames[b] : std::string("?"),
                                      static_cast<BudgetLimit>(i % kinds)}),
                   budgetCounts_[i]});
  }
  std::sort(out.begin(), out.end(), [](const ReasonCount& a, const ReasonCount& b) {
    return a.pools != b.pools ? a.pools > b.pools : a.reason < b.reason;
  });
  return out;
}

std::string FormatUnschedulable(int64_t fitting, int64_t total,
                                const std::vector<ReasonCount>& reasons,
                                const std::string& detail) {
  std::string s = std::to_string(fitting) + "/" + std::to_string(total) + " pools fit";
  for (size_t i = 0; i < reasons.size(); ++i) {
    s += i == 0 ? ": " : ", ";
    s += std::to_string(reasons[i].pools);
    s += ' ';
    s += reasons[i].reason;
  }
  if (!detail.empty()) {
    s += "; ";
    s += detail;
  }
  return s;
}

}  // namespace hybridai
