#include "controllers/fleet_snapshot.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/codec.h"
#include "core/conditions.h"
#include "core/cost_model.h"
#include "core/rfc3339.h"

namespace hybridai::controllers {

Health HealthOf(const std::vector<api::Condition>& conditions, int64_t now_unix,
                int64_t failover_after_seconds) {
  const api::Condition* ready = FindCondition(conditions, "Ready");
  if (ready == nullptr) return {false, false};
  if (ready->status == "True") return {true, false};
  const auto since = ParseRfc3339(ready->lastTransitionTime);
  const bool failed = since && now_unix - *since >= failover_after_seconds;
  return {false, failed};
}

template <typename T>
std::shared_ptr<const T> FleetSnapshot::Decoded(Cache<T>& cache, const runtime::ObjectPtr& object) {
  if (!object) return nullptr;
  const std::string uid = runtime::MetaString(*object, "uid");
  const std::string rv = runtime::MetaString(*object, "resourceVersion");
  {
    std::lock_guard lock(cache.mu);
    auto it = cache.byUid.find(uid);
    if (it != cache.byUid.end() && it->second.first == rv) return it->second.second;
  }
  std::vector<Diagnostic> diags;
  auto decoded = api::Decode<T>(*object, &diags);
  if (!decoded) {
    // The object's own reconciler reports why; the planner just cannot use it.
    return nullptr;
  }
  auto ptr = std::make_shared<const T>(std::move(*decoded));
  std::lock_guard lock(cache.mu);
  cache.byUid[uid] = {rv, ptr};
  return ptr;
}

std::shared_ptr<const api::GPUPool> FleetSnapshot::Pool(const runtime::ObjectPtr& o) {
  return Decoded(pools_, o);
}
std::shared_ptr<const api::MemberCluster> FleetSnapshot::Cluster(const runtime::ObjectPtr& o) {
  return Decoded(clusters_, o);
}
std::shared_ptr<const api::Budget> FleetSnapshot::BudgetOf(const runtime::ObjectPtr& o) {
  return Decoded(budgets_, o);
}

void FleetSnapshot::Forget(const runtime::ObjectPtr& object) {
  if (!object) return;
  const std::string uid = (*object)["metadata"].value("uid", "");
  auto drop = [&uid](auto& cache) {
    std::lock_guard lock(cache.mu);
    cache.byUid.erase(uid);
  };
  drop(clusters_);
  drop(pools_);
  drop(budgets_);
}

}  // namespace hybridai::controllers
