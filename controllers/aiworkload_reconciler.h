// Acts on one AIWorkload's placement decision (made by the FleetScheduler): server-side-applies
// its Deployments (Inference) or Jobs (Training, Batch) in the chosen members, removes what no
// longer belongs, and reports placement, readiness, cost, power, energy and carbon in status.
// Members are independent: one that is dark (not Ready or not connected) is skipped and
// cleaned when it returns, and a member that fails never stops the status write. A finalizer
// makes deletion clean up every member first. Thread-safe: the controller calls it
// concurrently for different workloads.
#pragma once

#include <chrono>
#include <mutex>
#include <set>
#include <string>

#include "controllers/fleet_scheduler.h"
#include "controllers/fleet_snapshot.h"
#include "controllers/labels.h"
#include "controllers/make_before_break.h"
#include "controllers/member_registry.h"
#include "runtime/controller.h"
#include "runtime/event_recorder.h"

namespace hybridai::controllers {

struct AIWorkloadReconcilerOptions {
  // How often a workload that costs something is looked at again to accumulate its cost and
  // energy in status.
  std::chrono::seconds accountingInterval{60};
  // How often any workload is looked at again without an event (level-based safety net).
  std::chrono::seconds resyncPeriod{10 * 3600};
  std::string fieldManager = "hybrid-operator";
};

class AIWorkloadReconciler : public runtime::Reconciler {
 public:
  AIWorkloadReconciler(runtime::ApiClient& hub, HubCaches caches, FleetSnapshot& fleet,
                       FleetScheduler& scheduler, MemberRegistry& members, runtime::Clock& clock,
                       runtime::EventRecorder* events, AIWorkloadReconcilerOptions options = {});

  runtime::Result<runtime::ReconcileResult> Reconcile(const runtime::Request& request) override;

 private:
  runtime::Result<runtime::ReconcileResult> Finalize(const api::AIWorkload& w,
                                                     const nlohmann::json& object);
  runtime::Status EnsureFinalizer(const nlohmann::json& object);
  runtime::Status EnsureNamespace(const std::string& cluster, runtime::ApiClient& client,
                                  const std::string& ns);
  // Each appends what failed, per member, to `failures` and goes on with the other members.
  // `throttled`: Active replicas a Throttle budget scaled down (controllers/budget_throttle.h);
  // `handover`: placements whose scale-down waits, and old objects that keep serving, while a
  // move is made before it breaks (make_before_break.h).
  void Materialize(const api::AIWorkload& w, const std::vector<api::Placement>& placements,
                   int64_t throttled, const Handover& handover,
                   std::vector<std::string>& failures);
  void CollectGarbage(const api::AIWorkload& w, const std::vector<api::Placement>& placements,
                      const Handover& handover, std::vector<std::string>& failures);
  // The workload's member Deployments as the member informers see them
  // (aiworkload_handover.cc).
  std::vector<ObservedMember> ObserveMembers(const api::AIWorkload& w,
                                             const std::vector<api::Placement>& placements) const;
  // The handover, confirmed: before anything old is broken, the decided Deployments are read
  // from their members themselves, since a member's cache lags after the member was dark.
  Handover PlanMove(const api::AIWorkload& w, const std::vector<api::Placement>& placements) const;
  // "Moving" when old placements start draining, "Moved" when the last of them is gone.
  void HandoverEvents(const nlohmann::json& object, const api::AIWorkloadStatus& before,
                      const api::AIWorkloadStatus& after, const ScheduledDecision& scheduled);
  // The member's client when it is connected and its MemberCluster is Ready; null when dark.
  std::shared_ptr<runtime::ApiClient> Reachable(const std::string& cluster) const;
  runtime::Status WriteStatus(const api::AIWorkload& w, const nlohmann::json& object,
                              const ScheduledDecision& scheduled, const Handover& handover);
  void Event(const nlohmann::json& object, bool warning, const std::string& reason,
             const std::string& message);
  int64_t NowUnix() const;

  runtime::ApiClient& hub_;
  const HubCaches caches_;
  FleetSnapshot& fleet_;
  FleetScheduler& scheduler_;
  MemberRegistry& members_;
  runtime::Clock& clock_;
  runtime::EventRecorder* events_;
  const AIWorkloadReconcilerOptions options_;

  std::mutex nsMu_;
  std::set<std::string> ensuredNamespaces_;  // "cluster/namespace"
};

}  // namespace hybridai::controllers
