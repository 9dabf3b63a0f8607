// Computes an AIWorkload's status from its placement decision and what its member objects
// report: phase, placements, ready replicas, hourly cost and power, accumulated cost, energy and
// carbon, and the Placed / Ready / WithinBudget / Degraded conditions. Pure; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controllers/make_before_break.h"
#include "core/placement_input.h"
#include "core/types.h"

namespace hybridai::controllers {

struct StatusInputs {
  const api::AIWorkload& workload;  // with the status last written
  const WorkloadDecision& decision;
  const PlacementPlan& plan;
  int64_t nowUnix = 0;
  // The member Deployment or Job of each placement, by "cluster/pool"; absent = not seen yet.
  std::map<std::string, std::shared_ptr<const nlohmann::json>> memberObjects;
  std::vector<api::MemberCluster> clusters;
  std::vector<api::Budget> budgets;  // of the workload's namespace
  std::string currency = "USD";      // of the pools placed on
  // The Placed=False reason: Unschedulable, or Preempted when it lost its placements.
  std::string unplacedReason = "Unschedulable";
  // Active replicas scaled down by a Throttle budget, and why (the scheduler's decision).
  int64_t throttledReplicas = 0;
  std::string throttleMessage;
  // A Deny budget's refusal (ScheduledDecision::budgetRefusal).
  std::string budgetRefusal;
  // A move in progress (make_before_break.h): old placements still serving count as ready and
  // show in status.draining, with a Moving condition. Null: none.
  const Handover* handover = nullptr;
  std::string moveReason = "";  // the scheduler's, e.g. Failback
};

struct WorkloadStatusUpdate {
  api::AIWorkloadStatus status;
  bool changed = false;        // worth a write
  bool placedChanged = false;  // placements or Placed condition changed: worth an event
};

// Cost and energy accumulate exactly (core/cost_model.h Accrue) at the rates of the status last
// written, over the time since its lastAccountingTime, into the totals and into this month's
// (UTC) figures; an accumulation step shorter than `accounting_interval_seconds` is deferred
// unless something else changes, so quiet workloads do not write status on every event.
// WithinBudget is False, naming the budget and the limit, when a Deny budget refused the
// placement, a Throttle budget scaled it down, or a budget that counts it is Exceeded.
WorkloadStatusUpdate ComputeWorkloadStatus(const StatusInputs& in,
                                           int64_t accounting_interval_seconds = 60);

// "aws-eu/aws-h100 x2 Active, dc-paris/dc-paris-h100 x2 Standby"
std::string DescribePlacements(const std::vector<api::Placement>& placements);

}  // namespace hybridai::controllers
