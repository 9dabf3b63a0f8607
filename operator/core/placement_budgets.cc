#include "core/placement_budgets.h"

#include <algorithm>

#include "core/saturating.h"

namespace hybridai {
namespace {

// Money and energy print with their natural precision in messages.
std::string Show(const Decimal& d, int digits) {
  return d.ToString(digits);
}

}  // namespace

bool TagsInclude(const std::map<std::string, std::string>& tags,
                 const std::map<std::string, std::string>& selector) {
  for (const auto& [key, value] : selector) {
    auto it = tags.find(key);
    if (it == tags.end() || it->second != value) return false;
  }
  return true;
}

bool BudgetSelects(const api::Budget& budget, const api::AIWorkload& workload) {
  return budget.metadata.namespace_ == workload.metadata.namespace_ &&
         TagsInclude(workload.spec.tags, budget.spec.selector.tags);
}

BudgetLedger::BudgetLedger(const std::vector<BudgetInput>& budgets) {
  rows_.reserve(budgets.size());
  for (const BudgetInput& in : budgets) {
    Row r;
    r.input = &in;
    r.usage = in.usageSoFar.value_or(in.budget.status.usage);
    r.remainingSeconds = std::max<int64_t>(
        0, in.remainingSeconds.value_or(NominalPeriodSeconds(in.budget.spec.period)));
    r.rate = in.committedRate;
    rows_.push_back(r);
  }
  std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
    const auto& ma = a.input->budget.metadata;
    const auto& mb = b.input->budget.metadata;
    if (ma.namespace_ != mb.namespace_) return ma.namespace_ < mb.namespace_;
    return ma.name < mb.name;
  });
  for (const Row& r : rows_) {
    names_.push_back(r.input->budget.metadata.namespace_ + "/" + r.input->budget.metadata.name);
  }
}

void BudgetLedger::Matching(const api::AIWorkload& workload, std::vector<int32_t>& out) const {
  out.clear();
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (BudgetSelects(rows_[i].input->budget, workload)) out.push_back(static_cast<int32_t>(i));
  }
}

BudgetLimit BudgetLedger::WouldExceed(int32_t b, const PlacementCost& add) const {
  const Row& r = rows_[b];
  const api::BudgetLimits& limits = r.input->budget.spec.limits;
  BudgetRate next = r.rate;
  next.hourlyCost += add.hourlyCost;
  next.powerWatts = SaturatingAdd(next.powerWatts, add.powerWatts);
  next.carbonGramsPerHour = SaturatingAdd(next.carbonGramsPerHour, add.carbonGramsPerHour);
  if (limits.powerWatts && add.powerWatts > 0 && next.powerWatts > *limits.powerWatts) {
    return BudgetLimit::kPowerWatts;
  }
  const bool costs = add.hourlyCost > Decimal() && limits.cost;
  const bool draws = add.powerWatts > 0 && limits.energyKWh;
  const bool emits = add.carbonGramsPerHour > 0 && limits.carbonKg;
  if (!costs && !draws && !emits) return BudgetLimit::kCount;
  const api::BudgetUsage p = ProjectPeriod(r.usage, next, r.remainingSeconds);
  if (costs && p.cost > *limits.cost) return BudgetLimit::kCost;
  if (draws && p.energyKWh > *limits.energyKWh) return BudgetLimit::kEnergyKWh;
  if (emits && p.carbonKg > *limits.carbonKg) return BudgetLimit::kCarbonKg;
  return BudgetLimit::kCount;
}

void BudgetLedger::Add(int32_t b, const PlacementCost& add) {
  BudgetRate& rate = rows_[b].rate;
  rate.hourlyCost += add.hourlyCost;
  rate.powerWatts = SaturatingAdd(rate.powerWatts, add.powerWatts);
  rate.carbonGramsPerHour = SaturatingAdd(rate.carbonGramsPerHour, add.carbonGramsPerHour);
}

std::vector<BudgetVerdict> BudgetLedger::Verdicts() const {
  std::vector<BudgetVerdict> out;
  out.reserve(rows_.size());
  for (const Row& r : rows_) {
    const api::Budget& budget = r.input->budget;
    BudgetVerdict v;
    v.namespace_ = budget.metadata.namespace_;
    v.name = budget.metadata.name;
    v.usage = r.usage;
    v.usage.powerWatts = r.rate.powerWatts;
    v.projected = ProjectPeriod(r.usage, r.rate, r.remainingSeconds);
    const int64_t warnAt = budget.spec.warnAtPercent;
    std::string exceeded, warning;
    auto judge = [&](const char* what, Decimal value, Decimal limit, int digits) {
      std::string& into = value > limit ? exceeded : warning;
      const bool warn = value * 100 >= limit * warnAt;
      if (value <= limit && !warn) return;
      if (!into.empty()) into += ", ";
      into += std::string(what) + " projected " + Show(value, digits) +
              (value > limit ? " > limit " : " >= " + std::to_string(warnAt) + "% of limit ") +
              Show(limit, digits);
    };
    const api::BudgetLimits& l = budget.spec.limits;
    if (l.powerWatts) {
      judge("powerWatts", Decimal::FromInt(v.projected.powerWatts), Decimal::FromInt(*l.powerWatts),
            0);
    }
    if (l.cost) judge("cost", v.projected.cost, *l.cost, 2);
    if (l.energyKWh) judge("energyKWh", v.projected.energyKWh, *l.energyKWh, 1);
    if (l.carbonKg) judge("carbonKg", v.projected.carbonKg, *l.carbonKg, 1);
    if (!exceeded.empty()) {
      v.state = BudgetState::Exceeded;
      v.message = exceeded;
    } else if (!warning.empty()) {
      v.state = BudgetState::Warning;
      v.message = warning;
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace hybridai
