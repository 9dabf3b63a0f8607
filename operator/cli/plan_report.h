// What `kubectl hybrid plan` found, as plain values ready to print: one row per workload,
// budget and pool. Built by plan_command.cc from the engine's results, rendered by
// plan_output.h. Decoupled from the engine's types so the output contract changes only here.
// Pure data; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/decimal.h"

namespace hybridai::cli {

struct PlacementRow {
  std::string cluster;
  std::string pool;
  int64_t replicas = 0;
  int64_t accelerators = 0;
  std::string role;  // Active | Standby
  Decimal hourlyCost;
  int64_t powerWatts = 0;
  int64_t carbonGramsPerHour = 0;
  std::optional<int64_t> tier;  // spec.placement.tiers index; absent without tiers
};

struct WorkloadRow {
  std::string namespace_;
  std::string name;
  std::string type;  // Inference | Training | Batch
  int64_t replicas = 0;
  bool placed = false;
  std::vector<PlacementRow> placements;
  Decimal hourlyCost;
  int64_t powerWatts = 0;
  int64_t carbonGramsPerHour = 0;
  std::vector<std::string> reasons;  // why not placed (or what was given up), in engine order
};

struct BudgetRow {
  std::string namespace_;
  std::string name;
  std::string verdict;      // Ok | Warning | Exceeded
  std::string enforcement;  // Deny | Throttle | Warn
  std::string period;       // Daily | Weekly | Monthly
  // Usage: power is the matching workloads' draw now; energy, carbon and cost are projected
  // over one whole period (see PlanHelp).
  int64_t powerWatts = 0;
  Decimal energyKWh;
  Decimal carbonKg;
  Decimal cost;
  std::optional<int64_t> powerLimit;
  std::optional<Decimal> energyLimit;
  std::optional<Decimal> carbonLimit;
  std::optional<Decimal> costLimit;
  std::string currency = "USD";
  std::vector<std::string> messages;  // which limits are near or over, for the table
};

struct PoolRow {
  std::string name;
  std::string cluster;
  std::string accelerator;  // "NVIDIA H100 80Gi"
  bool spot = false;
  int64_t capacity = 0;
  int64_t allocated = 0;
};

struct PlanReport {
  std::vector<WorkloadRow> workloads;
  std::vector<BudgetRow> budgets;
  std::vector<PoolRow> pools;
  std::string currency = "USD";

  bool AllPlaced() const;
  bool AnyBudgetExceeded() const;
};

}  // namespace hybridai::cli
