// The hub's fleet as the scheduler and reconcilers read it: decoded MemberClusters, GPUPools
// and Budgets, cached by uid and resourceVersion so a decision decodes only what changed, and
// health judged from their Ready condition. Workloads are not cached here: the scheduler's
// ledger holds what it needs of them. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "controllers/object_key.h"
#include "core/placement_input.h"
#include "runtime/store.h"

namespace hybridai::controllers {

struct HubCaches {
  const runtime::Store* clusters = nullptr;
  const runtime::Store* pools = nullptr;
  const runtime::Store* budgets = nullptr;
  const runtime::Store* workloads = nullptr;
};

// Ready: a Ready condition with status True. Failed: Ready is False (or Unknown) and has been
// for at least `failover_after_seconds`, judged from its lastTransitionTime.
struct Health {
  bool ready = false;
  bool failed = false;
};
Health HealthOf(const std::vector<api::Condition>& conditions, int64_t now_unix,
                int64_t failover_after_seconds);

class FleetSnapshot {
 public:
  explicit FleetSnapshot(HubCaches caches) : caches_(caches) {}

  // Decoded objects (null when undecodable).
  std::shared_ptr<const api::GPUPool> Pool(const runtime::ObjectPtr& object);
  std::shared_ptr<const api::MemberCluster> Cluster(const runtime::ObjectPtr& object);
  std::shared_ptr<const api::Budget> BudgetOf(const runtime::ObjectPtr& object);
  // Drops the decoded copy of a deleted object.
  void Forget(const runtime::ObjectPtr& object);

 private:
  template <typename T>
  struct Cache {
    std::mutex mu;
    // uid -> (resourceVersion, decoded)
    std::unordered_map<std::string, std::pair<std::string, std::shared_ptr<const T>>> byUid;
  };
  // The cached decoding of the object's uid and resourceVersion, decoding it on a miss.
  template <typename T>
  std::shared_ptr<const T> Decoded(Cache<T>& cache, const runtime::ObjectPtr& object);

  HubCaches caches_;
  Cache<api::MemberCluster> clusters_;
  Cache<api::GPUPool> pools_;
  Cache<api::Budget> budgets_;
};

}  // namespace hybridai::controllers
