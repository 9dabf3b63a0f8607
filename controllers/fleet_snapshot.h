// Builds the placement engine's input for one workload's decision from the hub's informer
// caches: every cluster and pool (with readiness and failure judged from their Ready condition),
// the namespace's budgets and workloads, and the accelerators every other workload holds as
// reserved capacity. Decoded objects are cached by uid and resourceVersion, so a reconcile
// decodes only what changed; workloads are cached as the planner sees them (without their pod
// template, annotations, labels and conditions), so the cache stays small beside the informer's.
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "controllers/placement_book.h"
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

  // The input whose plan decides `workload`: it is included with its current placements (from
  // `book` when recorded there), with the other workloads of its namespace (budgets are
  // namespaced); the rest of the fleet's allocations appear as pools' reserved accelerators.
  PlacementInput ForWorkload(const api::AIWorkload& workload, const PlacementBook& book,
                             int64_t now_unix);

  // Decoded objects (null when undecodable). A workload comes back as the planner sees it: its
  // pod template, annotations, labels, finalizers and conditions are left out.
  std::shared_ptr<const api::AIWorkload> Workload(const runtime::ObjectPtr& object);
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
  // The cached decoding of the object with this uid and resourceVersion, else `object()`'s,
  // passed through `slim`.
  template <typename T, typename Load>
  std::shared_ptr<const T> Decoded(Cache<T>& cache, const std::string& uid, const std::string& rv,
                                   Load&& object, void (*slim)(T&) = nullptr);
  std::shared_ptr<const api::AIWorkload> Workload(const runtime::StoredObject& stored);

  HubCaches caches_;
  Cache<api::MemberCluster> clusters_;
  Cache<api::GPUPool> pools_;
  Cache<api::Budget> budgets_;
  Cache<api::AIWorkload> workloads_;
};

// "namespace/name" or "name", as the work queue keys objects.
std::string KeyOf(const api::ObjectMeta& meta);

}  // namespace hybridai::controllers
