// Properties of the placement engine over a few hundred random fleets drawn from a fixed
// seed: capacity is never exceeded, every placement honours the workload's hard constraints,
// Spread/ActivePassive/gang shapes hold, limits and Deny budgets hold, the plan does not
// depend on input order, and re-running on its own output changes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "core/cost_model.h"
#include "core/placement_budgets.h"
#include "core/placement_engine.h"
#include "core/placement_filters.h"
#include "support/split_mix_rng.h"

namespace hybridai {
namespace {

using testing::Rng;

const std::vector<std::string> kProviders = {"aws", "gcp", "dc"};
const std::vector<std::string> kRegions = {"eu", "us", "ap"};
const std::vector<std::string> kVendors = {"NVIDIA", "AMD"};
const std::vector<std::string> kModels = {"H100", "A100", "MI300X", "L4"};
const std::vector<std::string> kTeams = {"vision", "speech", "search"};

PlacementInput RandomFleet(Rng& r) {
  PlacementInput in;
  const int64_t clusters = r.Int(2, 8);
  for (int64_t i = 0; i < clusters; ++i) {
    ClusterInput c;
    auto& mc = c.cluster;
    mc.metadata.name = "c" + std::to_string(i);
    mc.metadata.labels["tier"] = r.Chance(50) ? "gold" : "silver";
    mc.spec.location = static_cast<api::Location>(r.Int(0, 2));
    mc.spec.provider = r.Pick(kProviders);
    mc.spec.region = r.Pick(kRegions);
    mc.spec.maxDataClassification = static_cast<api::DataClassification>(r.Int(0, 3));
    mc.spec.latencyMs = r.Int(1, 100);
    mc.spec.carbonIntensity = r.Int(0, 600);
    mc.spec.pue = Decimal::FromUnits(r.Int(1'000'000, 1'600'000));
    if (r.Chance(10)) mc.spec.taints.push_back({"m", "", api::TaintEffect::NoSchedule});
    if (r.Chance(5)) mc.spec.taints.push_back({"d", "", api::TaintEffect::NoExecute});
    if (r.Chance(10)) c.ready = false;
    c.failed = r.Chance(5);
    in.clusters.push_back(std::move(c));
  }
  const int64_t pools = r.Int(1, 15);
  for (int64_t i = 0; i < pools; ++i) {
    PoolInput p;
    auto& gp = p.pool;
    gp.metadata.name = "p" + std::to_string(i);
    gp.spec.cluster = r.Chance(5) ? "missing" : "c" + std::to_string(r.Int(0, clusters - 1));
    gp.spec.accelerator = {r.Pick(kVendors), r.Pick(kModels), r.Pick<int64_t>({24, 48, 80}),
                           "x/gpu"};
    gp.spec.capacity.accelerators = r.Int(0, 32);
    if (r.Chance(30)) gp.status = api::GPUPoolStatus{r.Int(0, 32), 0, 1, {}};
    gp.spec.pricing.acceleratorHour = Decimal::FromUnits(r.Int(100'000, 5'000'000));
    gp.spec.pricing.spot = r.Chance(20);
    gp.spec.power.acceleratorWatts = r.Int(100, 800);
    if (r.Chance(20)) gp.spec.pue = Decimal::FromUnits(r.Int(1'000'000, 1'300'000));
    if (r.Chance(10)) p.ready = false;
    p.failed = r.Chance(5);
    p.reservedAccelerators = r.Chance(10) ? r.Int(0, 4) : 0;
    in.pools.push_back(std::move(p));
  }
  const int64_t budgets = r.Int(0, 3);
  for (int64_t i = 0; i < budgets; ++i) {
    BudgetInput b;
    b.budget.metadata.name = "b" + std::to_string(i);
    b.budget.metadata.namespace_ = r.Chance(70) ? "ns0" : "ns1";
    b.budget.spec.enforcement = r.Chance(50) ? api::Enforcement::Deny : api::Enforcement::Warn;
    if (r.Chance(50)) b.budget.spec.selector.tags["team"] = r.Pick(kTeams);
    b.budget.spec.limits.powerWatts = r.Int(500, 20000);
    if (r.Chance(50)) b.budget.spec.limits.cost = Decimal::FromInt(r.Int(100, 20000));
    b.remainingSeconds = r.Int(0, 30 * 86400);
    in.budgets.push_back(std::move(b));
  }
  const int64_t workloads = r.Int(1, 30);
  for (int64_t i = 0; i < workloads; ++i) {
    api::AIWorkload w;
    w.metadata.name = "w" + std::to_string(i);
    w.metadata.namespace_ = r.Chance(70) ? "ns0" : "ns1";
    auto& s = w.spec;
    s.type = static_cast<api::WorkloadType>(r.Int(0, 2));
    s.replicas = r.Int(0, 6);
    s.accelerators.count = r.Int(1, 4);
    if (r.Chance(30)) s.accelerators.vendors = {r.Pick(kVendors)};
    if (r.Chance(30)) s.accelerators.models = {r.Pick(kModels), r.Pick(kModels)};
    if (r.Chance(20)) s.accelerators.minMemoryGiB = r.Pick<int64_t>({40, 80});
    if (r.Chance(30)) s.placement.locations = {static_cast<api::Location>(r.Int(0, 2))};
    s.placement.dataClassification = static_cast<api::DataClassification>(r.Int(0, 2));
    if (r.Chance(30)) s.placement.maxLatencyMs = r.Int(10, 100);
    if (r.Chance(20)) s.placement.regions = {r.Pick(kRegions), r.Pick(kRegions)};
    if (r.Chance(20)) {
      s.placement.clusterSelector.matchExpressions = {
          {"tier", r.Chance(50) ? "In" : "NotIn", {"gold"}}};
    }
    s.placement.spot = static_cast<api::SpotPolicy>(r.Int(0, 2));
    s.placement.objective = static_cast<api::Objective>(r.Int(0, 4));
    s.redundancy.mode = static_cast<api::RedundancyMode>(r.Int(0, 2));
    s.redundancy.topologyKey = static_cast<api::TopologyKey>(r.Int(0, 4));
    s.redundancy.minDomains = r.Int(2, 3);
    s.priority = r.Int(0, 3);
    if (r.Chance(20)) s.limits.maxPowerWatts = r.Int(500, 10000);
    if (r.Chance(20)) s.limits.maxHourlyCost = Decimal::FromInt(r.Int(1, 40));
    s.tags["team"] = r.Pick(kTeams);
    in.workloads.push_back(std::move(w));
  }
  return in;
}

// Everything the plan says; without messages when `messages` is false (an unplaced workload's
// tally legitimately changes when kept placements are counted before it).
std::string Dump(const PlacementPlan& plan, bool messages = true) {
  std::ostringstream o;
  for (const WorkloadDecision& d : plan.decisions) {
    o << d.namespace_ << "/" << d.name << " " << d.placed << " " << (messages ? d.message : "")
      << "\n";
    for (const api::Placement& p : d.placements) {
      o << "  " << p.cluster << " " << p.pool << " " << p.replicas << " " << p.accelerators << " "
        << static_cast<int>(p.role) << " " << p.hourlyCost.ToString() << " " << p.powerWatts << " "
        << p.carbonGramsPerHour << "\n";
    }
  }
  for (const PoolAllocation& p : plan.pools) {
    o << p.name << " " << p.capacity << " " << p.allocated << " " << p.standby << "\n";
  }
  for (const BudgetVerdict& b : plan.budgets) {
    o << b.namespace_ << "/" << b.name << " " << BudgetStateName(b.state) << " " << b.message << " "
      << b.usage.powerWatts << " " << b.projected.cost.ToString() << "\n";
  }
  return o.str();
}

std::string DomainOf(const PlacementInput& in, const std::string& pool, api::TopologyKey key) {
  const api::GPUPool* gp = nullptr;
  for (const PoolInput& p : in.pools) {
    if (p.pool.metadata.name == pool) gp = &p.pool;
  }
  const api::MemberCluster* mc = nullptr;
  for (const ClusterInput& c : in.clusters) {
    if (gp && c.cluster.metadata.name == gp->spec.cluster) mc = &c.cluster;
  }
  if (!gp || !mc) return "?";
  switch (key) {
    case api::TopologyKey::Provider:
      return mc->spec.provider;
    case api::TopologyKey::Location:
      return std::to_string(static_cast<int>(mc->spec.location));
    case api::TopologyKey::Region:
      return mc->spec.region;
    case api::TopologyKey::Cluster:
      return mc->metadata.name;
    case api::TopologyKey::Pool:
      return pool;
  }
  return "?";
}

// Checks one plan against its input independently of the engine's own code paths.
void CheckInvariants(const PlacementInput& in, const PlacementPlan& plan, int fleet) {
  std::map<std::string, const PoolInput*> pools;
  for (const PoolInput& p : in.pools) pools[p.pool.metadata.name] = &p;
  std::map<std::string, const ClusterInput*> clusters;
  for (const ClusterInput& c : in.clusters) clusters[c.cluster.metadata.name] = &c;
  std::map<std::string, int64_t> used;
  std::map<std::string, int64_t> budgetPower;
  ASSERT_EQ(plan.decisions.size(), in.workloads.size());
  for (const api::AIWorkload& w : in.workloads) {
    const WorkloadDecision* d = plan.Find(w.metadata.namespace_, w.metadata.name);
    ASSERT_NE(d, nullptr);
    const auto& s = w.spec;
    SCOPED_TRACE("fleet " + std::to_string(fleet) + " workload " + w.metadata.name);
    if (!d->placed) {
      EXPECT_TRUE(d->placements.empty());
      EXPECT_FALSE(d->message.empty());
      continue;
    }
    int64_t active = 0, standby = 0, activeParts = 0, standbyParts = 0;
    std::set<std::string> activeDomains, standbyDomains;
    int64_t power = 0;
    Decimal cost;
    for (const api::Placement& p : d->placements) {
      ASSERT_TRUE(pools.count(p.pool));
      const api::GPUPool& gp = pools[p.pool]->pool;
      ASSERT_TRUE(clusters.count(gp.spec.cluster));
      const ClusterInput& ci = *clusters[gp.spec.cluster];
      const api::MemberCluster& mc = ci.cluster;
      used[p.pool] += p.accelerators;
      EXPECT_EQ(p.accelerators, p.replicas * s.accelerators.count);
      EXPECT_GE(p.replicas, 1);
      // Hard constraints (no current placements here, so all are new: readiness applies).
      EXPECT_TRUE(
          s.placement.locations.empty() ||
          std::count(s.placement.locations.begin(), s.placement.locations.end(), mc.spec.location));
      EXPECT_GE(mc.spec.maxDataClassification, s.placement.dataClassification);
      EXPECT_TRUE(!s.placement.maxLatencyMs || mc.spec.latencyMs <= *s.placement.maxLatencyMs);
      EXPECT_TRUE(
          s.placement.regions.empty() ||
          std::count(s.placement.regions.begin(), s.placement.regions.end(), mc.spec.region));
      EXPECT_TRUE(SelectorMatches(s.placement.clusterSelector, mc.metadata.labels));
      EXPECT_TRUE(mc.spec.taints.empty());
      EXPECT_TRUE(ci.ready.value_or(true) && !ci.failed);
      EXPECT_TRUE(pools[p.pool]->ready.value_or(true) && !pools[p.pool]->failed);
      EXPECT_TRUE(s.accelerators.vendors.empty() ||
                  std::count(s.accelerators.vendors.begin(), s.accelerators.vendors.end(),
                             gp.spec.accelerator.vendor));
      EXPECT_TRUE(s.accelerators.models.empty() ||
                  std::count(s.accelerators.models.begin(), s.accelerators.models.end(),
                             gp.spec.accelerator.model));
      EXPECT_GE(gp.spec.accelerator.memoryGiB, s.accelerators.minMemoryGiB);
      EXPECT_FALSE(gp.spec.pricing.spot && s.placement.spot == api::SpotPolicy::Never);
      const std::string domain = DomainOf(in, p.pool, s.redundancy.topologyKey);
      if (p.role == api::Role::Active) {
        active += p.replicas;
        ++activeParts;
        activeDomains.insert(domain);
        const PlacementCost c = PlacementCostOf(RatesOf(gp, &mc), p.accelerators);
        EXPECT_EQ(p.hourlyCost, c.hourlyCost);
        EXPECT_EQ(p.powerWatts, c.powerWatts);
        power += p.powerWatts;
        cost += p.hourlyCost;
      } else {
        standby += p.replicas;
        ++standbyParts;
        standbyDomains.insert(domain);
        EXPECT_EQ(p.powerWatts, 0);
      }
    }
    EXPECT_EQ(active, s.replicas);
    if (s.limits.maxPowerWatts) {
      EXPECT_LE(power, *s.limits.maxPowerWatts);
    }
    if (s.limits.maxHourlyCost) {
      EXPECT_LE(cost, *s.limits.maxHourlyCost);
    }
    if (s.type == api::WorkloadType::Training && s.replicas > 0) {
      EXPECT_EQ(activeParts, 1);
    }
    switch (s.redundancy.mode) {
      case api::RedundancyMode::None:
        EXPECT_EQ(standby, 0);
        break;
      case api::RedundancyMode::Spread:
        if (s.replicas > 0) {
          EXPECT_NE(s.type, api::WorkloadType::Training);
          EXPECT_GE(static_cast<int64_t>(activeDomains.size()), s.redundancy.minDomains);
        }
        EXPECT_EQ(standby, 0);
        break;
      case api::RedundancyMode::ActivePassive:
        if (s.replicas == 0) break;
        EXPECT_EQ(standby, s.replicas);
        EXPECT_EQ(activeDomains.size(), 1u);
        EXPECT_EQ(standbyDomains.size(), 1u);
        EXPECT_NE(*activeDomains.begin(), *standbyDomains.begin());
        if (s.type == api::WorkloadType::Training) {
          EXPECT_EQ(standbyParts, 1);
        }
        break;
    }
    for (const BudgetInput& b : in.budgets) {
      if (BudgetSelects(b.budget, w)) {
        budgetPower[b.budget.metadata.namespace_ + "/" + b.budget.metadata.name] += power;
      }
    }
  }
  for (const PoolAllocation& a : plan.pools) {
    const PoolInput& p = *pools[a.name];
    const int64_t capacity =
        p.pool.status ? p.pool.status->capacityAccelerators : *p.pool.spec.capacity.accelerators;
    EXPECT_EQ(a.capacity, capacity);
    EXPECT_EQ(a.allocated, used[a.name] + p.reservedAccelerators);
    // Reservations outside the engine may exceed capacity by themselves; placements never add
    // to an overfull pool.
    if (used[a.name] > 0) {
      EXPECT_LE(a.allocated, a.capacity) << "fleet " << fleet << " " << a.name;
    }
  }
  for (const BudgetInput& b : in.budgets) {
    const std::string key = b.budget.metadata.namespace_ + "/" + b.budget.metadata.name;
    if (b.budget.spec.enforcement == api::Enforcement::Deny) {
      EXPECT_LE(budgetPower[key], *b.budget.spec.limits.powerWatts) << "fleet " << fleet;
    }
  }
}

constexpr int kFleets = 300;

TEST(PlacementProperty, InvariantsHoldOnRandomFleets) {
  Rng r(20240601);
  int placed = 0, refused = 0;
  for (int i = 0; i < kFleets; ++i) {
    const PlacementInput in = RandomFleet(r);
    const PlacementPlan plan = PlanPlacements(in);
    CheckInvariants(in, plan, i);
    for (const WorkloadDecision& d : plan.decisions) (d.placed ? placed : refused)++;
    if (::testing::Test::HasFailure()) return;
  }
  // The generator must exercise both outcomes, or the invariants prove little.
  EXPECT_GT(placed, 500);
  EXPECT_GT(refused, 500);
}

TEST(PlacementProperty, ShuffledInputGivesTheSamePlan) {
  Rng r(7);
  for (int i = 0; i < kFleets; ++i) {
    PlacementInput in = RandomFleet(r);
    const std::string expected = Dump(PlanPlacements(in));
    r.Shuffle(in.clusters);
    r.Shuffle(in.pools);
    r.Shuffle(in.budgets);
    r.Shuffle(in.workloads);
    ASSERT_EQ(Dump(PlanPlacements(in)), expected) << "fleet " << i;
  }
}

TEST(PlacementProperty, RerunningOnItsOwnOutputChangesNothing) {
  Rng r(99);
  int kept = 0;
  for (int i = 0; i < kFleets; ++i) {
    PlacementInput in = RandomFleet(r);
    const PlacementPlan first = PlanPlacements(in);
    for (api::AIWorkload& w : in.workloads) {
      w.status.placements = first.Find(w.metadata.namespace_, w.metadata.name)->placements;
    }
    const PlacementPlan second = PlanPlacements(in);
    ASSERT_EQ(Dump(second, false), Dump(first, false)) << "fleet " << i;
    for (const WorkloadDecision& d : second.decisions) {
      if (d.placed && !d.placements.empty()) {
        EXPECT_TRUE(d.kept) << "fleet " << i << " " << d.name;
        ++kept;
      }
    }
  }
  EXPECT_GT(kept, 500);
}

TEST(PlacementProperty, RerunningAfterAFailureMovesOnlyWhatWasThere) {
  Rng r(4242);
  for (int i = 0; i < kFleets; ++i) {
    PlacementInput in = RandomFleet(r);
    const PlacementPlan first = PlanPlacements(in);
    for (api::AIWorkload& w : in.workloads) {
      w.status.placements = first.Find(w.metadata.namespace_, w.metadata.name)->placements;
    }
    PoolInput& victim = in.pools[static_cast<size_t>(r.Int(0, in.pools.size() - 1))];
    victim.failed = true;
    const PlacementPlan second = PlanPlacements(in);
    for (const WorkloadDecision& d : second.decisions) {
      const WorkloadDecision& before = *first.Find(d.namespace_, d.name);
      bool touched = false;
      for (const api::Placement& p : before.placements) {
        touched = touched || p.pool == victim.pool.metadata.name;
      }
      for (const api::Placement& p : d.placements) {
        EXPECT_NE(p.pool, victim.pool.metadata.name) << "fleet " << i << " " << d.name;
      }
      if (before.placed && !before.placements.empty() && !touched) {
        EXPECT_TRUE(d.kept) << "fleet " << i << " " << d.name;
      }
    }
  }
}

}  // namespace
}  // namespace hybridai
