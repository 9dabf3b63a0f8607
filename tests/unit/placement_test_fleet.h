// A small builder of PlacementInput values for the placement engine's tests: clusters, pools,
// workloads and budgets with sensible defaults, tweaked in place by each test.
// References returned by Add* stay valid only until the next Add* of the same kind.
#pragma once

#include <stdexcept>
#include <string>

#include "core/placement_engine.h"

namespace hybridai::testing {

inline Decimal Dec(const char* s) {
  return *Decimal::Parse(s);
}

struct TestFleet {
  PlacementInput in;

  api::MemberCluster& AddCluster(const std::string& name, api::Location location,
                                 const std::string& provider, const std::string& region,
                                 int64_t latencyMs = 20) {
    ClusterInput c;
    c.cluster.metadata.name = name;
    c.cluster.spec.location = location;
    c.cluster.spec.provider = provider;
    c.cluster.spec.region = region;
    c.cluster.spec.latencyMs = latencyMs;
    c.cluster.spec.maxDataClassification = api::DataClassification::Confidential;
    c.cluster.spec.carbonIntensity = 300;
    c.cluster.spec.pue = Dec("1.2");
    in.clusters.push_back(std::move(c));
    return in.clusters.back().cluster;
  }

  api::GPUPool& AddPool(const std::string& name, const std::string& cluster, int64_t capacity = 8,
                        const char* price = "4.10", const std::string& model = "H100",
                        const std::string& vendor = "NVIDIA") {
    PoolInput p;
    p.pool.metadata.name = name;
    p.pool.spec.cluster = cluster;
    p.pool.spec.accelerator = {vendor, model, 80, "nvidia.com/gpu"};
    p.pool.spec.capacity.accelerators = capacity;
    p.pool.spec.pricing.acceleratorHour = Dec(price);
    p.pool.spec.power.acceleratorWatts = 700;
    in.pools.push_back(std::move(p));
    return in.pools.back().pool;
  }

  api::AIWorkload& AddWorkload(const std::string& name, int64_t replicas = 1, int64_t count = 1,
                               api::WorkloadType type = api::WorkloadType::Inference,
                               const std::string& ns = "team-a") {
    api::AIWorkload w;
    w.metadata.name = name;
    w.metadata.namespace_ = ns;
    w.spec.type = type;
    w.spec.replicas = replicas;
    w.spec.accelerators.count = count;
    in.workloads.push_back(std::move(w));
    return in.workloads.back();
  }

  api::Budget& AddBudget(const std::string& name, api::Enforcement enforcement,
                         const std::string& ns = "team-a") {
    BudgetInput b;
    b.budget.metadata.name = name;
    b.budget.metadata.namespace_ = ns;
    b.budget.spec.enforcement = enforcement;
    in.budgets.push_back(std::move(b));
    return in.budgets.back().budget;
  }

  ClusterInput& Cluster(const std::string& name) {
    for (ClusterInput& c : in.clusters) {
      if (c.cluster.metadata.name == name) return c;
    }
    throw std::out_of_range(name);
  }
  PoolInput& Pool(const std::string& name) {
    for (PoolInput& p : in.pools) {
      if (p.pool.metadata.name == name) return p;
    }
    throw std::out_of_range(name);
  }

  PlacementPlan Plan() const { return PlanPlacements(in); }
};

// The decision for team-a/<name> (or ns/name); fails the test when absent.
inline const WorkloadDecision& DecisionOf(const PlacementPlan& plan, const std::string& name,
                                          const std::string& ns = "team-a") {
  const WorkloadDecision* d = plan.Find(ns, name);
  if (d == nullptr) throw std::out_of_range(ns + "/" + name);
  return *d;
}

// For a plan that is a temporary: a copy, so `const auto& d = DecisionOf(f.Plan(), "w")` is safe.
inline WorkloadDecision DecisionOf(PlacementPlan&& plan, const std::string& name,
                                   const std::string& ns = "team-a") {
  const WorkloadDecision& d = DecisionOf(plan, name, ns);
  return d;
}

// "pool:replicas[:S]" per placement, joined by spaces, for compact expectations.
inline std::string Shape(const WorkloadDecision& d) {
  std::string s;
  for (const api::Placement& p : d.placements) {
    if (!s.empty()) s += ' ';
    s += p.pool + ":" + std::to_string(p.replicas);
    if (p.role == api::Role::Standby) s += ":S";
  }
  return s;
}

inline const PoolAllocation& PoolOf(const PlacementPlan& plan, const std::string& name) {
  for (const PoolAllocation& p : plan.pools) {
    if (p.name == name) return p;
  }
  throw std::out_of_range(name);
}

}  // namespace hybridai::testing
