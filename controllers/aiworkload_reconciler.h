// Reconciles one AIWorkload: places it with the placement engine, server-side-applies its
// Deployments (Inference) or Jobs (Training, Batch) in the chosen member clusters, removes what
// no longer belongs, and reports placement, readiness, cost, power, energy and carbon in status.
// A finalizer makes deletion clean up every member first. Thread-safe: the controller calls it
// concurrently for different workloads; placement decisions are serialised by the PlacementBook.
#pragma once

#include <chrono>
#include <mutex>
#include <set>
#include <string>

#include "controllers/fleet_snapshot.h"
#include "controllers/member_registry.h"
#include "controllers/placement_book.h"
#include "runtime/controller.h"
#include "runtime/event_recorder.h"

namespace hybridai::controllers {

inline constexpr const char* kCleanupFinalizer = "hybridai.io/member-cleanup";

struct AIWorkloadReconcilerOptions {
  // How often a placed workload is looked at again without any event: accumulates cost and
  // energy, and notices a failed pool or cluster past its failoverAfterSeconds.
  std::chrono::seconds resyncPeriod{60};
  std::string fieldManager = "hybrid-operator";
};

class AIWorkloadReconciler : public runtime::Reconciler {
 public:
  AIWorkloadReconciler(runtime::ApiClient& hub, HubCaches caches, FleetSnapshot& fleet,
                       PlacementBook& book, MemberRegistry& members, runtime::Clock& clock,
                       runtime::EventRecorder* events, AIWorkloadReconcilerOptions options = {});

  runtime::Result<runtime::ReconcileResult> Reconcile(const runtime::Request& request) override;

 private:
  runtime::Result<runtime::ReconcileResult> Finalize(const api::AIWorkload& w,
                                                     const nlohmann::json& object);
  runtime::Status EnsureFinalizer(const nlohmann::json& object);
  runtime::Status EnsureNamespace(const std::string& cluster, runtime::ApiClient& client,
                                  const std::string& ns);
  runtime::Status Materialize(const api::AIWorkload& w,
                              const std::vector<api::Placement>& placements);
  runtime::Status CollectGarbage(const api::AIWorkload& w,
                                 const std::vector<api::Placement>& placements);
  void Event(const nlohmann::json& object, bool warning, const std::string& reason,
             const std::string& message);
  int64_t NowUnix() const;

  runtime::ApiClient& hub_;
  const HubCaches caches_;
  FleetSnapshot& fleet_;
  PlacementBook& book_;
  MemberRegistry& members_;
  runtime::Clock& clock_;
  runtime::EventRecorder* events_;
  const AIWorkloadReconcilerOptions options_;

  std::mutex nsMu_;
  std::set<std::string> ensuredNamespaces_;  // "cluster/namespace"
};

}  // namespace hybridai::controllers
