#include "controllers/fleet_snapshot.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/codec.h"
#include "core/conditions.h"
#include "core/cost_model.h"
#include "core/rfc3339.h"

namespace hybridai::controllers {

std::string KeyOf(const api::ObjectMeta& meta) {
  return meta.namespace_.empty() ? meta.name : meta.namespace_ + "/" + meta.name;
}

Health HealthOf(const std::vector<api::Condition>& conditions, int64_t now_unix,
                int64_t failover_after_seconds) {
  const api::Condition* ready = FindCondition(conditions, "Ready");
  if (ready == nullptr) return {false, false};
  if (ready->status == "True") return {true, false};
  const auto since = ParseRfc3339(ready->lastTransitionTime);
  const bool failed = since && now_unix - *since >= failover_after_seconds;
  return {false, failed};
}

namespace {

// What planning never reads: the bulk of a workload.
// Assigned empty rather than cleared, so their capacity is released too.
void ForPlanning(api::AIWorkload& w) {
  w.spec.tmpl = nlohmann::json();  // null: not even an empty map allocated
  w.metadata.annotations = {};
  w.metadata.labels = {};
  w.metadata.finalizers = {};
  w.status.conditions = {};
  w.status.lastAccountingTime = {};
}

}  // namespace

template <typename T, typename Load>
std::shared_ptr<const T> FleetSnapshot::Decoded(Cache<T>& cache, const std::string& uid,
                                                const std::string& rv, Load&& load,
                                                void (*slim)(T&)) {
  {
    std::lock_guard lock(cache.mu);
    auto it = cache.byUid.find(uid);
    if (it != cache.byUid.end() && it->second.first == rv) return it->second.second;
  }
  const runtime::ObjectPtr object = load();
  if (!object) return nullptr;
  std::vector<Diagnostic> diags;
  auto decoded = api::Decode<T>(*object, &diags);
  if (!decoded) {
    // The object's own reconciler reports why; the planner just cannot use it.
    return nullptr;
  }
  if (slim != nullptr) slim(*decoded);
  auto ptr = std::make_shared<const T>(std::move(*decoded));
  std::lock_guard lock(cache.mu);
  cache.byUid[uid] = {rv, ptr};
  return ptr;
}

namespace {

std::string Uid(const runtime::ObjectPtr& o) {
  return o ? runtime::MetaString(*o, "uid") : "";
}
std::string Rv(const runtime::ObjectPtr& o) {
  return o ? runtime::MetaString(*o, "resourceVersion") : "";
}

}  // namespace

std::shared_ptr<const api::AIWorkload> FleetSnapshot::Workload(const runtime::ObjectPtr& o) {
  return Decoded(workloads_, Uid(o), Rv(o), [&o] { return o; }, ForPlanning);
}
std::shared_ptr<const api::AIWorkload> FleetSnapshot::Workload(const runtime::StoredObject& s) {
  return Decoded(workloads_, s.uid(), s.resourceVersion(), [&s] { return s.object(); },
                 ForPlanning);
}
std::shared_ptr<const api::GPUPool> FleetSnapshot::Pool(const runtime::ObjectPtr& o) {
  return Decoded(pools_, Uid(o), Rv(o), [&o] { return o; });
}
std::shared_ptr<const api::MemberCluster> FleetSnapshot::Cluster(const runtime::ObjectPtr& o) {
  return Decoded(clusters_, Uid(o), Rv(o), [&o] { return o; });
}
std::shared_ptr<const api::Budget> FleetSnapshot::BudgetOf(const runtime::ObjectPtr& o) {
  return Decoded(budgets_, Uid(o), Rv(o), [&o] { return o; });
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
  drop(workloads_);
}

PlacementInput FleetSnapshot::ForWorkload(const api::AIWorkload& workload,
                                          const PlacementBook& book, int64_t now_unix) {
  PlacementInput in;
  const int64_t failover = workload.spec.redundancy.failoverAfterSeconds;
  for (const auto& obj : caches_.clusters->List()) {
    auto c = Cluster(obj);
    if (!c) continue;
    const Health h = HealthOf(c->status.conditions, now_unix, failover);
    in.clusters.push_back({*c, h.ready, h.failed});
  }

  const std::string& ns = workload.metadata.namespace_;
  std::vector<std::string> included;  // keys decided together in this input
  // Only identities are read from the (possibly compact) store; objects are decoded on a miss.
  caches_.workloads->ForEach(runtime::kNamespaceIndex, ns, [&](const runtime::StoredObject& s) {
    auto w = Workload(s);
    if (!w || w->metadata.deletionTimestamp) return;
    api::AIWorkload copy = *w;
    const std::string key = KeyOf(copy.metadata);
    if (auto recorded = book.Get(key)) copy.status.placements = std::move(*recorded);
    included.push_back(key);
    in.workloads.push_back(std::move(copy));
  });
  // The workload being decided may be newer than the cache (it is read from it, so it is there
  // unless it was just deleted); make sure it is present exactly once, as given.
  const std::string self = KeyOf(workload.metadata);
  bool found = false;
  for (auto& w : in.workloads) {
    if (KeyOf(w.metadata) == self) {
      auto placements = std::move(w.status.placements);
      w = workload;
      w.status.placements = std::move(placements);
      found = true;
    }
  }
  if (!found) {
    in.workloads.push_back(workload);
    included.push_back(self);
    if (auto recorded = book.Get(self)) in.workloads.back().status.placements = *recorded;
  }

  std::sort(included.begin(), included.end());
  const auto reserved = book.AllocatedByPool([&](const std::string& key) {
    return std::binary_search(included.begin(), included.end(), key);
  });
  for (const auto& obj : caches_.pools->List()) {
    auto p = Pool(obj);
    if (!p) continue;
    PoolInput pi{*p, std::nullopt, false, 0};
    const std::vector<api::Condition> none;
    const Health h = HealthOf(p->status ? p->status->conditions : none, now_unix, failover);
    pi.ready = h.ready;
    pi.failed = h.failed;
    auto it = reserved.find(p->metadata.name);
    if (it != reserved.end()) pi.reservedAccelerators = it->second;
    in.pools.push_back(std::move(pi));
  }

  for (const auto& obj : caches_.budgets->ByIndex(runtime::kNamespaceIndex, ns)) {
    auto b = BudgetOf(obj);
    if (!b) continue;
    BudgetInput bi{*b, std::nullopt, std::nullopt};
    const PeriodWindow window = PeriodAt(b->spec.period, now_unix);
    bi.remainingSeconds = window.end - now_unix;
    in.budgets.push_back(std::move(bi));
  }
  return in;
}

}  // namespace hybridai::controllers
