// The fleet scheduler's Throttle budgets: after each cycle, every Throttle budget whose counted
// rates changed (or whose spec, period or hysteresis timer says so) is passed over, and the
// replicas of its workloads scaled down or back up (controllers/budget_throttle.h).
#include <algorithm>

#include <spdlog/spdlog.h>

#include "controllers/budget_throttle.h"
#include "controllers/fleet_scheduler.h"
#include "controllers/object_key.h"
#include "core/budget_accounting.h"
#include "runtime/store.h"

namespace hybridai::controllers {

void ApplyThrottle(ScheduledDecision& d, const LedgerEntry& e, const std::string& message) {
  d.throttledReplicas = e.throttled;
  d.throttledBy = e.throttled > 0 ? e.throttledBy : "";
  d.throttleMessage = e.throttled > 0 ? message : "";
  if (d.finished || !d.decision.placed) return;
  const BudgetRate r = RunningRate(d.decision.placements, e.throttled, e.gang);
  d.decision.hourlyCost = r.hourlyCost;
  d.decision.powerWatts = r.powerWatts;
  d.decision.carbonGramsPerHour = r.carbonGramsPerHour;
}

BudgetFigures FleetScheduler::BudgetFiguresOf(const std::string& budget_key) const {
  std::lock_guard lock(mu_);
  return ledger_.FiguresOf(budget_key);
}

void FleetScheduler::RunThrottlePasses(Outbox& out) {
  // One lock from taking the marks to clearing them: a mark made meanwhile (BudgetChanged, the
  // timer) is never erased unseen.
  const int64_t now = NowUnix();
  std::lock_guard lock(mu_);
  std::set<std::string> dirty;
  dirty.swap(throttleDirty_);
  if (dirty.empty()) return;
  for (const auto& b : dirty) ThrottlePass(b, now, out);
  // What a pass changed re-marks its own budgets; that settles at the next pass, not in a loop.
  for (const auto& b : dirty) throttleDirty_.erase(b);
}

void FleetScheduler::ThrottlePass(const std::string& bkey, int64_t now, Outbox& out) {
  const auto [ns, name] = ObjectKey::Parse(bkey);
  std::shared_ptr<const api::Budget> budget;
  if (auto obj = caches_.budgets->Get(ns, name)) budget = fleet_.BudgetOf(obj);
  const bool active = budget && budget->spec.enforcement == api::Enforcement::Throttle;
  if (!active) {
    // Gone, or no longer Throttle: what it scaled down runs again.
    for (const auto& key : ledger_.KeysInNamespace(ns)) {
      const LedgerEntry* e = ledger_.Find(key);
      if (e != nullptr && e->throttled > 0 && e->throttledBy == bkey)
        SetThrottle(key, 0, "", "", now, out);
    }
    return;
  }
  const BudgetPosition pos = PositionAt(*budget, now);
  std::vector<ThrottleMember> members;
  BudgetRate fixed, full;
  int64_t wait = -1;  // seconds until the first member may be scaled back up
  for (const auto& key : ledger_.CountedBy(bkey)) {
    const LedgerEntry* e = ledger_.Find(key);
    if (e == nullptr) continue;
    const BudgetRate rate = AllocationLedger::RateOfEntry(*e);
    // Finished, holding nothing, or scaled down by another budget: counted as it is.
    if (!e->holds || ActiveReplicas(e->placements) == 0 ||
        (e->throttled > 0 && !e->throttledBy.empty() && e->throttledBy != bkey)) {
      fixed += rate;
      full += rate;
      continue;
    }
    ThrottleMember m;
    m.key = key;
    m.priority = e->priority;
    m.createdUnix = e->createdUnix;
    m.gang = e->gang;
    m.placements = e->placements;
    m.throttled = e->throttled;
    const int64_t down_for = now - e->throttledSince;
    m.mayRestore = down_for >= options_.throttleHysteresisSeconds;
    if (m.throttled > 0 && !m.mayRestore) {
      const int64_t left = options_.throttleHysteresisSeconds - down_for;
      wait = wait < 0 ? left : std::min(wait, left);
    }
    full += RunningRate(e->placements, 0, e->gang);
    members.push_back(std::move(m));
  }
  if (members.empty()) return;
  const std::vector<int64_t> counts =
      PlanThrottle(budget->spec.limits, pos.usage, pos.remainingSeconds, fixed, members);
  const std::string why =
      LimitsPassed(budget->spec.limits, ProjectPeriod(pos.usage, full, pos.remainingSeconds));
  for (size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    if (counts[i] == m.throttled && (counts[i] == 0 || ledger_.Find(m.key)->throttledBy == bkey))
      continue;
    std::string message;
    if (counts[i] > 0) {
      message = std::to_string(counts[i]) + " of " + std::to_string(ActiveReplicas(m.placements)) +
                " replicas scaled down by Throttle budget " + bkey +
                (why.empty() ? std::string() : ": at the full rate, by the period's end: " + why);
    }
    spdlog::info("msg=\"throttle\" budget={} workload={} throttled={} was={}", bkey, m.key,
                 counts[i], m.throttled);
    SetThrottle(m.key, counts[i], bkey, message, now, out);
  }
  if (wait > 0) timers_.AddAfter("budget:" + bkey, std::chrono::seconds(wait));
}

void FleetScheduler::SetThrottle(const std::string& key, int64_t throttled, const std::string& by,
                                 const std::string& message, int64_t now, Outbox& out) {
  const LedgerEntry* current = ledger_.Find(key);
  if (current == nullptr) return;
  LedgerEntry entry = *current;
  if (throttled > entry.throttled || entry.throttled == 0) entry.throttledSince = now;
  entry.throttled = throttled;
  entry.throttledBy = throttled > 0 ? by : "";
  auto it = decisions_.find(key);
  if (it == decisions_.end()) {
    ledger_.Set(key, std::move(entry));
    return;
  }
  ScheduledDecision next = it->second;
  ApplyThrottle(next, entry, message);
  Record(key, std::move(next), std::move(entry), out);
}

}  // namespace hybridai::controllers
