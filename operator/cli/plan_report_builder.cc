// BuildPlanReport (declared in plan_command.h): the engine's PlacementPlan joined with the
// objects it was given, as printable rows.
#include <map>

#include "cli/plan_command.h"
#include "core/enums.h"

namespace hybridai::cli {
namespace {

// The engine joins independent reasons with "; " (see WorkloadDecision::message); the report
// lists them one by one.
std::vector<std::string> SplitReasons(const std::string& message) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= message.size()) {
    const size_t end = message.find("; ", start);
    std::string part = message.substr(start, end == std::string::npos ? end : end - start);
    if (!part.empty()) out.push_back(std::move(part));
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return out;
}

std::string Key(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}

}  // namespace

PlanReport BuildPlanReport(const PlacementInput& input, const PlacementPlan& plan) {
  std::map<std::string, const api::AIWorkload*> workloads;
  for (const auto& w : input.workloads) {
    workloads[Key(w.metadata.namespace_, w.metadata.name)] = &w;
  }
  std::map<std::string, const api::Budget*> budgets;
  for (const auto& b : input.budgets) {
    budgets[Key(b.budget.metadata.namespace_, b.budget.metadata.name)] = &b.budget;
  }
  std::map<std::string, const api::GPUPool*> pools;
  for (const auto& p : input.pools) pools[p.pool.metadata.name] = &p.pool;

  PlanReport report;
  if (!input.pools.empty()) report.currency = input.pools.front().pool.spec.pricing.currency;

  for (const auto& d : plan.decisions) {
    WorkloadRow row;
    row.namespace_ = d.namespace_;
    row.name = d.name;
    if (auto it = workloads.find(Key(d.namespace_, d.name)); it != workloads.end()) {
      row.type = std::string(api::ToString(it->second->spec.type));
      row.replicas = it->second->spec.replicas;
    }
    row.placed = d.placed;
    for (const auto& p : d.placements) {
      row.placements.push_back({p.cluster, p.pool, p.replicas, p.accelerators,
                                std::string(api::ToString(p.role)), p.hourlyCost, p.powerWatts,
                                p.carbonGramsPerHour, p.tier});
    }
    row.hourlyCost = d.hourlyCost;
    row.powerWatts = d.powerWatts;
    row.carbonGramsPerHour = d.carbonGramsPerHour;
    if (!d.placed) {
      row.reasons = SplitReasons(d.message);
      if (row.reasons.empty()) row.reasons.push_back("the placement engine gave no reason");
    }
    report.workloads.push_back(std::move(row));
  }

  for (const auto& v : plan.budgets) {
    BudgetRow row;
    row.namespace_ = v.namespace_;
    row.name = v.name;
    row.verdict = BudgetStateName(v.state);
    // Power is a rate (what runs now); cost is what the period comes to (see PlanHelp).
    row.powerWatts = v.projected.powerWatts;
    row.energyKWh = v.projected.energyKWh;
    row.carbonKg = v.projected.carbonKg;
    row.cost = v.projected.cost;
    row.messages = SplitReasons(v.message);
    row.currency = report.currency;
    if (auto it = budgets.find(Key(v.namespace_, v.name)); it != budgets.end()) {
      const api::BudgetSpec& spec = it->second->spec;
      row.enforcement = std::string(api::ToString(spec.enforcement));
      row.period = std::string(api::ToString(spec.period));
      row.powerLimit = spec.limits.powerWatts;
      row.energyLimit = spec.limits.energyKWh;
      row.carbonLimit = spec.limits.carbonKg;
      row.costLimit = spec.limits.cost;
    }
    report.budgets.push_back(std::move(row));
  }

  for (const auto& a : plan.pools) {
    PoolRow row;
    row.name = a.name;
    row.cluster = a.cluster;
    row.capacity = a.capacity;
    row.allocated = a.allocated;
    if (auto it = pools.find(a.name); it != pools.end()) {
      const api::AcceleratorSpec& acc = it->second->spec.accelerator;
      row.accelerator = acc.vendor + " " + acc.model + " " + std::to_string(acc.memoryGiB) + "Gi";
      row.spot = it->second->spec.pricing.spot;
    }
    report.pools.push_back(std::move(row));
  }
  return report;
}

}  // namespace hybridai::cli
