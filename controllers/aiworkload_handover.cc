// The AIWorkload reconciler's side of make-before-break: what the members report of the
// workload's Deployments, and the events that say a move started and finished.
#include <spdlog/spdlog.h>

#include "controllers/aiworkload_reconciler.h"
#include "controllers/member_kind.h"
#include "controllers/workload_materializer.h"
#include "controllers/workload_status.h"

namespace hybridai::controllers {

using nlohmann::json;

std::vector<ObservedMember> AIWorkloadReconciler::ObserveMembers(
    const api::AIWorkload& w, const std::vector<api::Placement>& placements) const {
  std::vector<ObservedMember> out;
  const std::string key = KeyOf(w.metadata);
  const runtime::ResourceKind& kind = MemberKindFor(w.spec.type).Kind();
  for (const auto& cluster : members_.Clusters()) {
    const bool reachable = Reachable(cluster) != nullptr;
    for (const auto& o : members_.ObjectsOf(cluster, kind, key)) {
      const json& meta = (*o)["metadata"];
      ObservedMember m;
      m.cluster = cluster;
      m.name = meta.value("name", "");
      m.pool = meta.value("labels", json::object()).value(kLabelPool, "");
      const json spec = o->value("spec", json::object());
      m.replicas = spec.value("replicas", int64_t{1});
      m.ready = o->value("status", json::object()).value("readyReplicas", int64_t{0});
      m.reachable = reachable;
      for (const auto& p : placements) {
        m.wanted |= p.cluster == cluster && MemberObjectName(w.metadata.name, p.pool) == m.name;
      }
      out.push_back(std::move(m));
    }
  }
  return out;
}

Handover AIWorkloadReconciler::PlanMove(const api::AIWorkload& w,
                                        const std::vector<api::Placement>& placements) const {
  std::vector<ObservedMember> observed = ObserveMembers(w, placements);
  Handover h = PlanHandover(w.spec.replicas, placements, observed);
  // Nothing old would be broken (no old object serving, no scale-down): the caches suffice.
  bool breaks = false;
  for (const auto& o : observed) {
    if (!o.reachable || o.ready <= 0) continue;
    if (!o.wanted) breaks = true;
    for (const auto& p : placements) {
      if (o.wanted && p.cluster == o.cluster && p.pool == o.pool && o.replicas > p.replicas)
        breaks = true;
    }
  }
  if (!h.complete || !breaks) return h;
  // About to break the old: the decided Deployments' readiness from the members themselves. A
  // member cache that has not caught up (its watch still backing off after the member was
  // dark) may hold a copy from before a move, ready but gone.
  const runtime::ResourceKind& kind = MemberKindFor(w.spec.type).Kind();
  for (auto& o : observed) {
    if (!o.wanted || !o.reachable) continue;
    auto client = members_.Client(o.cluster);
    auto fresh = client ? client->Get(kind, w.metadata.namespace_, o.name)
                        : runtime::Result<json>(runtime::ApiError{});
    if (!fresh.ok()) {
      o.ready = 0;  // unknown counts as not ready: the old keeps serving
      continue;
    }
    o.replicas = fresh.value().value("spec", json::object()).value("replicas", int64_t{1});
    o.ready = fresh.value().value("status", json::object()).value("readyReplicas", int64_t{0});
  }
  return PlanHandover(w.spec.replicas, placements, observed);
}

void AIWorkloadReconciler::HandoverEvents(const json& object, const api::AIWorkloadStatus& before,
                                          const api::AIWorkloadStatus& after,
                                          const ScheduledDecision& scheduled) {
  auto describe = [](const std::vector<api::DrainingPlacement>& d) {
    std::string out;
    for (const auto& x : d) {
      out +=
          (out.empty() ? "" : ", ") + x.cluster + "/" + x.pool + " x" + std::to_string(x.replicas);
    }
    return out;
  };
  const std::string key =
      object["metadata"].value("namespace", "") + "/" + object["metadata"].value("name", "");
  if (before.draining.empty() && !after.draining.empty()) {
    std::string why = scheduled.moveReason.empty() ? "re-placed" : scheduled.moveReason;
    if (!scheduled.moveMessage.empty()) why += ": " + scheduled.moveMessage;
    const std::string message = "moving to " + DescribePlacements(after.placements) + " (" + why +
                                "); " + describe(after.draining) +
                                " keeps serving until the new placements are ready";
    spdlog::info("msg=\"make-before-break started\" workload={} detail=\"{}\"", key, message);
    Event(object, false, "Moving", message);
  } else if (!before.draining.empty() && after.draining.empty()) {
    const std::string message = "moved to " + DescribePlacements(after.placements) + "; removed " +
                                describe(before.draining) + " once " +
                                std::to_string(after.readyReplicas) + " replicas were ready";
    spdlog::info("msg=\"make-before-break done\" workload={} detail=\"{}\"", key, message);
    Event(object, false, "Moved", message);
  }
}

}  // namespace hybridai::controllers
