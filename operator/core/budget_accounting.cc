#include "core/budget_accounting.h"

#include <algorithm>
#include <optional>

#include "core/conditions.h"
#include "core/rfc3339.h"

namespace hybridai {
namespace {

void Join(std::string& out, const std::string& part) {
  if (!out.empty()) out += "; ";
  out += part;
}

// usage x 100 >= limit x percent, exactly (Decimal products saturate).
bool AtPercent(Decimal usage, Decimal limit, int64_t percent) {
  return usage * 100 >= limit * percent;
}

// "energyKWh 41.2 at 85% of limit 48"
std::string WarnParts(const api::BudgetLimits& l, const api::BudgetUsage& u, int64_t percent) {
  std::string out;
  const auto pct = [](Decimal v, Decimal lim) {
    if (lim == Decimal()) return std::string("100%+");
    return std::to_string((v * 100 / lim).RoundToInt()) + "%";
  };
  if (l.powerWatts && u.powerWatts * 100 >= SaturatingMul(*l.powerWatts, percent))
    Join(out, "powerWatts " + std::to_string(u.powerWatts) + " at " +
                  pct(Decimal::FromInt(u.powerWatts), Decimal::FromInt(*l.powerWatts)) +
                  " of limit " + std::to_string(*l.powerWatts));
  if (l.energyKWh && AtPercent(u.energyKWh, *l.energyKWh, percent))
    Join(out, "energyKWh " + u.energyKWh.ToString() + " at " + pct(u.energyKWh, *l.energyKWh) +
                  " of limit " + l.energyKWh->ToString());
  if (l.carbonKg && AtPercent(u.carbonKg, *l.carbonKg, percent))
    Join(out, "carbonKg " + u.carbonKg.ToString() + " at " + pct(u.carbonKg, *l.carbonKg) +
                  " of limit " + l.carbonKg->ToString());
  if (l.cost && AtPercent(u.cost, *l.cost, percent))
    Join(out, "cost " + u.cost.ToString(2) + " at " + pct(u.cost, *l.cost) + " of limit " +
                  l.cost->ToString(2));
  return out;
}

void Transition(BudgetAccountingResult& r, const std::vector<api::Condition>& before,
                const std::string& type) {
  const api::Condition* now = FindCondition(r.status.conditions, type);
  const api::Condition* was = FindCondition(before, type);
  if (now == nullptr) return;
  // A first False is not news; a first True is.
  if (was == nullptr ? now->status == "True" : was->status != now->status)
    r.transitions.push_back({type, now->status, now->reason, now->message});
}

}  // namespace

std::string LimitsPassed(const api::BudgetLimits& l, const api::BudgetUsage& u) {
  std::string out;
  if (l.powerWatts && u.powerWatts > *l.powerWatts)
    Join(out, "powerWatts " + std::to_string(u.powerWatts) + " over limit " +
                  std::to_string(*l.powerWatts));
  if (l.energyKWh && u.energyKWh > *l.energyKWh)
    Join(out, "energyKWh " + u.energyKWh.ToString() + " over limit " + l.energyKWh->ToString());
  if (l.carbonKg && u.carbonKg > *l.carbonKg)
    Join(out, "carbonKg " + u.carbonKg.ToString() + " over limit " + l.carbonKg->ToString());
  if (l.cost && u.cost > *l.cost)
    Join(out, "cost " + u.cost.ToString(2) + " over limit " + l.cost->ToString(2));
  return out;
}

bool AnyLimitPassed(const api::BudgetLimits& l, const api::BudgetUsage& u) {
  return (l.powerWatts && u.powerWatts > *l.powerWatts) ||
         (l.energyKWh && u.energyKWh > *l.energyKWh) || (l.carbonKg && u.carbonKg > *l.carbonKg) ||
         (l.cost && u.cost > *l.cost);
}

BudgetAccountingResult AccountBudget(const BudgetAccountingInput& in) {
  const api::Budget& b = in.budget;
  const api::BudgetStatus& old = b.status;
  BudgetAccountingResult r;
  api::BudgetStatus& st = r.status;
  st = old;
  const int64_t now = in.nowUnix;
  const PeriodWindow win = PeriodAt(b.spec.period, now, b.spec.timeZone);
  const BudgetRate old_rate = old.rate;
  const std::optional<int64_t> last = ParseRfc3339(old.lastAccountingTime);
  const std::optional<int64_t> start = ParseRfc3339(old.periodStart);

  auto accrue = [&](int64_t from, int64_t to) {
    if (to > from)
      Accrue(old_rate, to - from, st.usage.cost, st.usage.energyKWh, st.usage.carbonKg,
             st.remainder);
  };
  if (!last || !start || *start > now) {
    // First step (or a status from the future): count from now.
    st.usage = {};
    st.remainder = {};
  } else if (*start != win.start) {
    // The period rolled over since the last step: close the old one at its end.
    const PeriodWindow old_win = PeriodAt(b.spec.period, *start, b.spec.timeZone);
    accrue(*last, std::min(old_win.end, now));
    st.usage.powerWatts = old_rate.powerWatts;
    st.previousPeriod = api::PreviousPeriod{old.periodStart, st.usage};
    st.usage = {};
    st.remainder = {};
    accrue(std::max(*last, win.start), now);
  } else {
    accrue(*last, now);
  }
  st.periodStart = FormatRfc3339(win.start);
  st.lastAccountingTime = FormatRfc3339(now);
  st.rate = in.rate;
  st.usage.powerWatts = in.rate.powerWatts;
  st.projected = ProjectPeriod(st.usage, in.rate, win.end - now);
  st.workloads = in.workloads;
  st.throttledWorkloads = in.throttledWorkloads;
  st.observedGeneration = b.metadata.generation;

  const std::string stamp = FormatRfc3339(now);
  const int64_t gen = b.metadata.generation;
  const std::string passed = LimitsPassed(b.spec.limits, st.usage);
  if (passed.empty())
    SetCondition(st.conditions, "Exceeded", "False", "WithinLimits", "usage is within every limit",
                 gen, stamp);
  else
    SetCondition(st.conditions, "Exceeded", "True", "LimitExceeded", passed, gen, stamp);
  const std::string warn = WarnParts(b.spec.limits, st.usage, b.spec.warnAtPercent);
  const std::string projected = LimitsPassed(b.spec.limits, st.projected);
  if (!warn.empty())
    SetCondition(st.conditions, "Warning", "True", "UsageAboveWarnPercent",
                 warn + (projected.empty() ? "" : "; by the period's end: " + projected), gen,
                 stamp);
  else if (!projected.empty())
    SetCondition(st.conditions, "Warning", "True", "ProjectedToExceed",
                 "at the current rate, by the period's end: " + projected, gen, stamp);
  else
    SetCondition(st.conditions, "Warning", "False", "WithinLimits",
                 "usage is under " + std::to_string(b.spec.warnAtPercent) +
                     "% of every limit and projected within them",
                 gen, stamp);
  Transition(r, old.conditions, "Exceeded");
  Transition(r, old.conditions, "Warning");
  return r;
}

BudgetPosition PositionAt(const api::Budget& b, int64_t now) {
  const PeriodWindow win = PeriodAt(b.spec.period, now, b.spec.timeZone);
  BudgetPosition p;
  p.remainingSeconds = std::max<int64_t>(0, win.end - now);
  const std::optional<int64_t> last = ParseRfc3339(b.status.lastAccountingTime);
  const std::optional<int64_t> start = ParseRfc3339(b.status.periodStart);
  if (!last || !start || *start != win.start) return p;  // nothing counted in this period yet
  p.usage = b.status.usage;
  api::AccrualRemainder rem = b.status.remainder;
  if (now > *last)
    Accrue(b.status.rate, now - *last, p.usage.cost, p.usage.energyKWh, p.usage.carbonKg, rem);
  return p;
}

}  // namespace hybridai
