// Preemption, as the kube-scheduler does it for pods: a workload that fits nowhere may displace
// strictly lower-priority workloads. The candidates are taken lowest priority first, newest first
// within a priority, preferring those that hold accelerators where the workload would go; then
// every victim whose removal turned out not to be needed is spared again, highest priority first
// ("reprieve"), so the fewest and least important workloads go. Capacity only: a Deny budget that
// refuses the workload is not relieved by preempting others.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "controllers/fleet_scheduler.h"
#include "core/placement_engine.h"

namespace hybridai::controllers {

std::optional<std::pair<std::vector<std::string>, WorkloadDecision>> FleetScheduler::FindVictims(
    const std::string& key, int64_t priority, PlacementInput& input) {
  std::vector<std::string> candidates = ledger_.HoldersBelow(priority);
  std::erase(candidates, key);
  if (candidates.empty()) return std::nullopt;
  // Lowest priority first; within one priority the newest goes first.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [this](const std::string& a, const std::string& b) {
                     const LedgerEntry* ea = ledger_.Find(a);
                     const LedgerEntry* eb = ledger_.Find(b);
                     if (ea->priority != eb->priority) return ea->priority < eb->priority;
                     return ea->createdUnix > eb->createdUnix;
                   });
  std::map<std::string, size_t> poolIndex;
  for (size_t i = 0; i < input.pools.size(); ++i) poolIndex[input.pools[i].pool.metadata.name] = i;
  auto release = [&](const std::string& k, int64_t sign) {
    const LedgerEntry* e = ledger_.Find(k);
    if (e == nullptr || !e->holds) return;
    for (const auto& p : e->placements) {
      auto it = poolIndex.find(p.pool);
      if (it != poolIndex.end())
        input.pools[it->second].reservedAccelerators -= sign * p.accelerators;
    }
  };
  auto fits = [&]() -> std::optional<WorkloadDecision> {
    PlacementPlan plan = PlanPlacements(input);
    if (plan.decisions.empty() || !plan.decisions[0].placed) return std::nullopt;
    return std::move(plan.decisions[0]);
  };

  // Could it fit at all if every candidate went? If not, preempting helps nobody.
  for (const auto& c : candidates) release(c, +1);
  auto ideal = fits();
  for (const auto& c : candidates) release(c, -1);
  if (!ideal) return std::nullopt;

  // Those holding pools the ideal plan uses come first.
  std::set<std::string> wanted;
  for (const auto& p : ideal->placements) wanted.insert(p.pool);
  std::stable_partition(candidates.begin(), candidates.end(), [&](const std::string& c) {
    const LedgerEntry* e = ledger_.Find(c);
    return std::any_of(e->placements.begin(), e->placements.end(),
                       [&](const api::Placement& p) { return wanted.count(p.pool) > 0; });
  });
  std::vector<std::string> victims;
  std::optional<WorkloadDecision> decision;
  for (const auto& c : candidates) {
    release(c, +1);
    victims.push_back(c);
    if ((decision = fits())) break;
  }
  if (!decision) return std::nullopt;
  // Reprieve: spare every victim the decision does not need, most important first.
  for (size_t i = victims.size(); i-- > 0;) {
    release(victims[i], -1);
    if (auto still = fits()) {
      decision = std::move(still);
      victims.erase(victims.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      release(victims[i], +1);
    }
  }
  return std::make_pair(std::move(victims), std::move(*decision));
}

void FleetScheduler::Preempt(const std::string& victim, const std::string& by, int64_t priority,
                             Outbox& out) {
  const LedgerEntry* current = ledger_.Find(victim);
  if (current == nullptr) return;
  LedgerEntry entry = *current;
  entry.placements.clear();
  ScheduledDecision next;
  if (auto it = decisions_.find(victim); it != decisions_.end()) next = it->second;
  const ObjectKey vkey = ObjectKey::Parse(victim);
  next.decision = WorkloadDecision{};
  next.decision.namespace_ = vkey.ns;
  next.decision.name = vkey.name;
  next.decision.message = PreemptedMessage(by, priority);
  next.preemptedBy = by;
  next.preemptorPriority = priority;
  next.finished = false;
  runtime::ObjectPtr object = caches_.workloads->Get(vkey.ns, vkey.name);
  spdlog::info("msg=\"preempted\" workload={} by={} priority={}", victim, by, priority);
  if (events_ != nullptr && object) {
    events_->Record(runtime::ObjectReference::To(*object), runtime::EventType::Warning, "Preempted",
                    next.decision.message);
  }
  Record(victim, std::move(next), std::move(entry), out);
}

}  // namespace hybridai::controllers
