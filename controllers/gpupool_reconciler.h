// Reconciles one GPUPool: reads the member cluster's nodes that match the pool's selector and
// reports capacity (allocatable accelerators of Ready, schedulable nodes), allocated
// accelerators (what placements hold, standby reservations included) and ready nodes.
// Re-measures every resyncPeriod. Thread-safe.
#pragma once

#include <chrono>

#include "controllers/fleet_scheduler.h"
#include "controllers/fleet_snapshot.h"
#include "controllers/member_registry.h"
#include "runtime/controller.h"

namespace hybridai::controllers {

struct GPUPoolReconcilerOptions {
  std::chrono::seconds resyncPeriod{30};
};

// Accelerators a node offers: its allocatable `resource_name` when the node is Ready and
// schedulable, else 0. Quantities are whole numbers for extended resources.
int64_t NodeAccelerators(const nlohmann::json& node, const std::string& resource_name);

class GPUPoolReconciler : public runtime::Reconciler {
 public:
  GPUPoolReconciler(runtime::ApiClient& hub, HubCaches caches, FleetSnapshot& fleet,
                    FleetScheduler& scheduler, MemberRegistry& members, runtime::Clock& clock,
                    GPUPoolReconcilerOptions options = {});

  runtime::Result<runtime::ReconcileResult> Reconcile(const runtime::Request& request) override;

 private:
  runtime::ApiClient& hub_;
  const HubCaches caches_;
  FleetSnapshot& fleet_;
  FleetScheduler& scheduler_;
  MemberRegistry& members_;
  runtime::Clock& clock_;
  const GPUPoolReconcilerOptions options_;
};

}  // namespace hybridai::controllers
