// Failback: moving replicas back to a more preferred placement tier once it has had room for
// spec.placement.failback.afterSeconds without a break. The engine keeps valid placements
// (no churn); this is the one place that deliberately gives them up, with hysteresis: the
// better plan must have been possible at every look for the whole wait, and only a strictly
// better spread over the tiers (more replicas in a more preferred tier) counts as better.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "controllers/fleet_scheduler.h"
#include "core/placement_engine.h"
#include "core/saturating.h"
#include "runtime/event_recorder.h"

namespace hybridai::controllers {
namespace {

// Active replicas per tier; placements without a tier count as the worst tier.
std::vector<int64_t> TierProfile(const std::vector<api::Placement>& placements, size_t tiers) {
  std::vector<int64_t> out(tiers + 1, 0);
  for (const auto& p : placements) {
    if (p.role != api::Role::Active) continue;
    const size_t t = p.tier && *p.tier >= 0 && static_cast<size_t>(*p.tier) < tiers
                         ? static_cast<size_t>(*p.tier)
                         : tiers;
    out[t] += p.replicas;
  }
  return out;
}

// Strictly more replicas in a more preferred tier: lexicographic from tier 0.
bool Better(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return false;
}

std::string Describe(const std::vector<api::Placement>& placements) {
  std::string out;
  for (const auto& p : placements) {
    if (p.role != api::Role::Active) continue;
    out += (out.empty() ? "" : ", ") + p.cluster + "/" + p.pool + " x" +
           std::to_string(p.replicas) + (p.tier ? " (tier " + std::to_string(*p.tier) + ")" : "");
  }
  return out.empty() ? "nothing" : out;
}

}  // namespace

bool FleetScheduler::FailBack(const std::string& key, const nlohmann::json& object,
                              const api::AIWorkload& w, const PlacementInput& input,
                              PlacementPlan& plan, int64_t now, std::string& message) {
  const api::PlacementPolicy& policy = w.spec.placement;
  const WorkloadDecision& current = plan.decisions[0];
  auto forget = [&] {
    overflowed_.erase(key);
    roomSince_.erase(key);
    return false;
  };
  if (policy.tiers.empty() || policy.failback.mode != api::FailbackMode::WhenRoomReturns ||
      !current.placed || current.placements.empty()) {
    return forget();
  }
  const size_t tiers = policy.tiers.size();
  const std::vector<int64_t> now_profile = TierProfile(current.placements, tiers);
  int64_t active = 0;
  for (int64_t n : now_profile) active += n;
  if (now_profile[0] == active) return forget();  // all home already
  overflowed_.insert(key);

  // What a decision from scratch would do now (the workload's own accelerators count as free).
  PlacementInput fresh = input;
  fresh.workloads[0].status.placements.clear();
  PlacementPlan better = PlanPlacements(fresh);
  if (better.decisions.empty() || !better.decisions[0].placed ||
      !Better(TierProfile(better.decisions[0].placements, tiers), now_profile)) {
    if (roomSince_.erase(key) > 0) {
      spdlog::info("msg=\"failback room gone\" workload={}", key);
    }
    return false;
  }
  auto [it, first] = roomSince_.emplace(key, now);
  const int64_t after = std::max<int64_t>(0, policy.failback.afterSeconds);
  const int64_t waited = now - it->second;
  if (waited < after) {
    if (first) {
      spdlog::info("msg=\"failback room appeared\" workload={} after_seconds={}", key, after);
    }
    WakeAtSecond(key, SaturatingAdd(it->second, after));
    return false;
  }
  message = "a more preferred tier had room for " + std::to_string(waited) + "s: from " +
            Describe(current.placements) + " to " + Describe(better.decisions[0].placements);
  spdlog::info("msg=\"failback\" workload={} detail=\"{}\"", key, message);
  if (events_ != nullptr) {
    events_->Record(runtime::ObjectReference::To(object), runtime::EventType::Normal, "Failback",
                    message);
  }
  roomSince_.erase(key);
  plan = std::move(better);
  if (TierProfile(plan.decisions[0].placements, tiers)[0] == active) overflowed_.erase(key);
  return true;
}

}  // namespace hybridai::controllers
