#include "controllers/make_before_break.h"

#include <algorithm>

namespace hybridai::controllers {

Handover PlanHandover(int64_t replicas, const std::vector<api::Placement>& placements,
                      const std::vector<ObservedMember>& observed) {
  Handover h;
  for (const auto& p : placements) {
    if (p.role != api::Role::Active) continue;
    for (const auto& o : observed) {
      if (!o.wanted || !o.reachable || o.cluster != p.cluster || o.pool != p.pool) continue;
      h.newReady += std::clamp<int64_t>(o.ready, 0, p.replicas);
    }
  }
  h.serving = h.newReady;
  if (h.newReady >= replicas) return h;  // the new placements carry the load alone

  for (const auto& o : observed) {
    if (!o.reachable || o.ready <= 0) continue;  // dark or serving nothing: no reason to wait
    if (!o.wanted) {
      h.complete = false;
      h.keep.insert(o.cluster + "/" + o.name);
      h.draining.push_back({o.cluster, o.pool, o.replicas, o.ready});
      h.serving += o.ready;
      continue;
    }
    for (const auto& p : placements) {
      if (p.role != api::Role::Active || p.cluster != o.cluster || p.pool != o.pool) continue;
      if (o.replicas > p.replicas) {
        h.complete = false;
        h.holdScale.insert(o.cluster + "/" + o.pool);
        // Its replicas above the decided ones serve too while the scale-down waits.
        h.serving += std::max<int64_t>(0, o.ready - p.replicas);
      }
    }
  }
  std::sort(h.draining.begin(), h.draining.end(), [](const auto& a, const auto& b) {
    return a.cluster != b.cluster ? a.cluster < b.cluster : a.pool < b.pool;
  });
  return h;
}

std::string DescribeHandover(int64_t replicas, const Handover& h) {
  std::string out = "waiting for " + std::to_string(h.newReady) + "/" + std::to_string(replicas) +
                    " ready replicas in the new placements";
  std::string old;
  for (const auto& d : h.draining) {
    old += (old.empty() ? "" : ", ") + d.cluster + "/" + d.pool + " x" +
           std::to_string(d.replicas) + " (" + std::to_string(d.readyReplicas) + " ready)";
  }
  if (!old.empty()) out += "; still serving: " + old;
  if (!h.holdScale.empty()) {
    std::string held;
    for (const auto& k : h.holdScale) held += (held.empty() ? "" : ", ") + k;
    out += "; scale-down held: " + held;
  }
  return out;
}

}  // namespace hybridai::controllers
