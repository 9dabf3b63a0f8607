// Reconciles one Budget's status over time: usage of the current period accrued exactly at the
// rates the scheduler's ledger counts for it (what runs of the workloads it selects), the
// projection to the period's end, the Warning and Exceeded conditions with an event on each
// transition (core/budget_accounting.h). Runs when the counted rates change (coalesced), every
// accounting interval, and at the period's end. Thread-safe.
#pragma once

#include <chrono>

#include "controllers/fleet_scheduler.h"
#include "controllers/fleet_snapshot.h"
#include "runtime/controller.h"
#include "runtime/event_recorder.h"

namespace hybridai::controllers {

struct BudgetReconcilerOptions {
  std::chrono::seconds accountingInterval{60};
};

class BudgetReconciler : public runtime::Reconciler {
 public:
  BudgetReconciler(runtime::ApiClient& hub, HubCaches caches, FleetSnapshot& fleet,
                   FleetScheduler& scheduler, runtime::Clock& clock, runtime::EventRecorder* events,
                   BudgetReconcilerOptions options = {});

  runtime::Result<runtime::ReconcileResult> Reconcile(const runtime::Request& request) override;

 private:
  runtime::ApiClient& hub_;
  const HubCaches caches_;
  FleetSnapshot& fleet_;
  FleetScheduler& scheduler_;
  runtime::Clock& clock_;
  runtime::EventRecorder* events_;
  const BudgetReconcilerOptions options_;
};

}  // namespace hybridai::controllers
