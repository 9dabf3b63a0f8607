// The operator assembled: hub informers for the four kinds, the member registry with its
// member-side watches, and one controller per kind, wired so that member objects map back to
// the hub workload that caused them and a cluster or pool changing health re-examines the
// workloads. Start() after winning leadership; Stop() joins everything. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "controllers/aiworkload_reconciler.h"
#include "controllers/budget_reconciler.h"
#include "controllers/gpupool_reconciler.h"
#include "controllers/membercluster_reconciler.h"
#include "runtime/controller.h"
#include "runtime/event_recorder.h"
#include "runtime/informer.h"
#include "runtime/metrics.h"

namespace hybridai::controllers {

struct HybridOperatorOptions {
  std::string operatorNamespace = "hybrid-system";
  MemberSecretPolicy memberSecrets;  // what MemberClusters' kubeconfig Secrets may be and do
  int workloadWorkers = 4;
  // Level-based safety net: every workload is looked at again this often without an event.
  std::chrono::seconds workloadResync{10 * 3600};
  // How often cost and energy are accumulated into the status of workloads that accrue them.
  std::chrono::seconds accountingInterval{60};
  // False: no workload preempts another (--preemption=Never).
  bool preemption = true;
  // How long a workload a Throttle budget scaled down stays down before it may be scaled back
  // up (--throttle-hysteresis).
  std::chrono::seconds throttleHysteresis{300};
  // Tag keys that label the spend metrics (controllers/spend_metrics.h).
  std::vector<std::string> metricTagKeys = {"team", "costCenter"};
  // Member Deployments and Jobs change several times in their first seconds (created, pods
  // created, running, ready or complete): their events wake the owning workload this long after
  // the first, so that one reconcile and one status write answer them all.
  std::chrono::milliseconds memberEventBatch{1000};
  std::chrono::seconds clusterProbe{5};
  std::chrono::seconds poolResync{30};
  // How long Start() waits for the first probe of every member and measure of every pool
  // before it starts placing workloads.
  std::chrono::seconds firstPassLimit{20};
};

class HybridOperator {
 public:
  HybridOperator(std::shared_ptr<runtime::ApiClient> hub, ClientFactory factory,
                 runtime::Clock& clock, runtime::MetricsRegistry* metrics,
                 runtime::EventRecorder* events, HybridOperatorOptions options = {});
  ~HybridOperator();

  // Starts the hub informers; then, once they have synced, the controllers. Returns false when
  // `stop` fired before the caches synced.
  bool Start(std::stop_token stop);
  void Stop();
  bool Synced() const { return synced_.load(); }

  runtime::Informer& workloads() { return *workloads_; }
  MemberRegistry& members() { return *members_; }
  FleetScheduler& scheduler() { return *scheduler_; }

 private:
  runtime::ControllerOptions ControllerOptionsFor(const std::string& name, int workers);
  void EnqueueAllWorkloads();
  void WaitForFirstPass(std::stop_token stop, const std::function<bool()>& done);

  std::shared_ptr<runtime::ApiClient> hub_;
  runtime::Clock& clock_;
  runtime::MetricsRegistry* metrics_;
  std::unique_ptr<runtime::RuntimeMetrics> runtimeMetrics_;
  const HybridOperatorOptions options_;

  std::unique_ptr<runtime::Informer> clusters_, pools_, budgets_, workloads_;
  std::unique_ptr<FleetSnapshot> fleet_;
  std::unique_ptr<FleetScheduler> scheduler_;
  std::unique_ptr<MemberRegistry> members_;
  std::unique_ptr<MemberClusterReconciler> clusterReconciler_;
  std::unique_ptr<GPUPoolReconciler> poolReconciler_;
  std::unique_ptr<AIWorkloadReconciler> workloadReconciler_;
  std::unique_ptr<BudgetReconciler> budgetReconciler_;
  std::unique_ptr<runtime::Controller> clusterController_, poolController_, workloadController_,
      budgetController_;
  std::atomic<bool> synced_{false};
  std::atomic<bool> started_{false};
};

}  // namespace hybridai::controllers
