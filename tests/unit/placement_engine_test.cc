// The placement engine end to end: priority, stability, workload limits, budgets, totals and
// bad input.
#include "core/placement_engine.h"

#include <gtest/gtest.h>

#include "core/placement_reasons.h"
#include "placement_test_fleet.h"

namespace hybridai {
namespace {

using testing::Dec;
using testing::DecisionOf;
using testing::PoolOf;
using testing::Shape;
using testing::TestFleet;

// One cluster (PUE 1.2, 300 g/kWh), pool "p" of H100s at 4.10 and 700 W.
TestFleet OnePool(int64_t capacity = 8) {
  TestFleet f;
  f.AddCluster("aws", api::Location::Cloud, "aws", "eu-west-1");
  f.AddPool("p", "aws", capacity, "4.10");
  return f;
}

api::Placement Active(const char* cluster, const char* pool, int64_t replicas, int64_t count = 1) {
  return {cluster, pool, replicas, replicas * count, api::Role::Active, {}, 0, 0};
}

TEST(PlacementEngine, TheDesignExample) {
  TestFleet f = OnePool();
  f.AddWorkload("w", 1, 2);
  const PlacementPlan plan = f.Plan();
  const WorkloadDecision& d = DecisionOf(plan, "w");
  ASSERT_TRUE(d.placed);
  ASSERT_EQ(d.placements.size(), 1u);
  const api::Placement& p = d.placements[0];
  EXPECT_EQ(p.cluster, "aws");
  EXPECT_EQ(p.pool, "p");
  EXPECT_EQ(p.replicas, 1);
  EXPECT_EQ(p.accelerators, 2);
  EXPECT_EQ(p.role, api::Role::Active);
  EXPECT_EQ(p.hourlyCost.ToString(2), "8.20");
  EXPECT_EQ(p.powerWatts, 1680);
  EXPECT_EQ(p.carbonGramsPerHour, 504);
  EXPECT_EQ(PoolOf(plan, "p").allocated, 2);
  EXPECT_EQ(PoolOf(plan, "p").capacity, 8);
  EXPECT_TRUE(d.message.empty());
}

TEST(PlacementEngine, ZeroReplicasArePlacedWithNoPlacements) {
  TestFleet f = OnePool(1);
  api::AIWorkload& z = f.AddWorkload("a-zero", 0);
  z.status.placements = {Active("aws", "p", 1)};
  f.AddWorkload("b");
  const PlacementPlan plan = f.Plan();
  EXPECT_TRUE(DecisionOf(plan, "a-zero").placed);
  EXPECT_FALSE(DecisionOf(plan, "a-zero").kept);
  EXPECT_TRUE(DecisionOf(plan, "a-zero").placements.empty());
  // Its old placement no longer holds capacity.
  EXPECT_EQ(Shape(DecisionOf(plan, "b")), "p:1");
}

TEST(PlacementEngine, HigherPriorityFirstThenNamespaceAndName) {
  TestFleet f = OnePool(1);
  f.AddWorkload("a-low").spec.priority = 0;
  f.AddWorkload("z-high").spec.priority = 10;
  EXPECT_TRUE(DecisionOf(f.Plan(), "z-high").placed);
  EXPECT_FALSE(DecisionOf(f.Plan(), "a-low").placed);

  TestFleet g = OnePool(1);
  g.AddWorkload("a", 1, 1, api::WorkloadType::Inference, "ns-b");
  g.AddWorkload("z", 1, 1, api::WorkloadType::Inference, "ns-a");
  g.AddWorkload("b", 1, 1, api::WorkloadType::Inference, "ns-a");
  const PlacementPlan plan = g.Plan();
  EXPECT_TRUE(DecisionOf(plan, "b", "ns-a").placed);
  EXPECT_FALSE(DecisionOf(plan, "z", "ns-a").placed);
  EXPECT_FALSE(DecisionOf(plan, "a", "ns-b").placed);
}

TEST(PlacementEngine, ValidPlacementsAreKeptWhenACheaperPoolAppears) {
  TestFleet f = OnePool();
  f.AddPool("cheaper", "aws", 8, "1.00");
  api::AIWorkload& w = f.AddWorkload("w", 2);
  w.spec.placement.objective = api::Objective::Cost;
  w.status.placements = {Active("aws", "p", 2)};
  const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
  EXPECT_TRUE(d.kept);
  EXPECT_EQ(Shape(d), "p:2");
  // Rates come from today's prices.
  EXPECT_EQ(d.placements[0].hourlyCost, Dec("8.2"));
}

TEST(PlacementEngine, KeptPlacementsGoBeforeNewOnesWhateverTheirPriority) {
  TestFleet f = OnePool(1);
  f.AddWorkload("old").status.placements = {Active("aws", "p", 1)};
  f.AddWorkload("urgent").spec.priority = 100;
  const PlacementPlan plan = f.Plan();
  EXPECT_TRUE(DecisionOf(plan, "old").kept);
  EXPECT_FALSE(DecisionOf(plan, "urgent").placed);
}

TEST(PlacementEngine, InvalidCurrentPlacementsAreReplaced) {
  struct Case {
    const char* what;
    api::Placement current;
    int64_t replicas;
    int64_t count;
  };
  const std::vector<Case> cases = {
      {"replicas changed", Active("aws", "p", 2), 3, 1},
      {"count changed", Active("aws", "p", 2), 2, 2},
      {"pool gone", Active("aws", "deleted", 2), 2, 1},
      {"cluster renamed", Active("gcp", "p", 2), 2, 1},
      {"over capacity", Active("aws", "p", 9), 9, 1},
  };
  for (const Case& c : cases) {
    TestFleet f = OnePool();
    f.AddPool("q", "aws", 20, "9.00");
    api::AIWorkload& w = f.AddWorkload("w", c.replicas, c.count);
    w.spec.placement.objective = api::Objective::Cost;
    w.status.placements = {c.current};
    const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
    EXPECT_FALSE(d.kept) << c.what;
    EXPECT_TRUE(d.placed) << c.what;
    int64_t replicas = 0;
    for (const api::Placement& p : d.placements) replicas += p.replicas;
    EXPECT_EQ(replicas, c.replicas) << c.what;
  }
}

TEST(PlacementEngine, MaxPowerWattsSkipsPoolsThatWouldBreakIt) {
  TestFleet f = OnePool();
  f.AddPool("lean", "aws", 8, "9.00").spec.power.acceleratorWatts = 300;
  api::AIWorkload& w = f.AddWorkload("w", 1, 2);
  w.spec.placement.objective = api::Objective::Cost;
  w.spec.limits.maxPowerWatts = 1000;  // p: 1680 W; lean: 720 W
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "lean:1");
  w.spec.limits.maxPowerWatts = 700;
  EXPECT_EQ(DecisionOf(f.Plan(), "w").message, "0/2 pools fit: 2 exceeds workload maxPowerWatts");
}

TEST(PlacementEngine, MaxHourlyCostSkipsPoolsThatWouldBreakIt) {
  TestFleet f = OnePool();
  f.AddPool("cheap", "aws", 8, "2.00").spec.power.acceleratorWatts = 1000;
  api::AIWorkload& w = f.AddWorkload("w", 1, 2);
  w.spec.placement.objective = api::Objective::Energy;  // prefers p (700 W)
  w.spec.limits.maxHourlyCost = Dec("5.00");            // p costs 8.20
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "cheap:1");
  w.spec.limits.maxHourlyCost = Dec("3.99");
  EXPECT_EQ(DecisionOf(f.Plan(), "w").message, "0/2 pools fit: 2 exceeds workload maxHourlyCost");
}

TEST(PlacementEngine, LimitsIgnoreTheStandby) {
  TestFleet f;
  f.AddCluster("a", api::Location::Cloud, "aws", "r");
  f.AddCluster("b", api::Location::Cloud, "gcp", "r");
  f.AddPool("pa", "a", 8, "4.10");
  f.AddPool("pb", "b", 8, "4.10");
  api::AIWorkload& w = f.AddWorkload("w", 1, 2);
  w.spec.redundancy.mode = api::RedundancyMode::ActivePassive;
  w.spec.redundancy.topologyKey = api::TopologyKey::Provider;
  w.spec.limits.maxHourlyCost = Dec("8.20");
  w.spec.limits.maxPowerWatts = 1680;
  const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
  EXPECT_EQ(Shape(d), "pa:1 pb:1:S");
  EXPECT_EQ(d.hourlyCost, Dec("8.20"));
  EXPECT_EQ(d.powerWatts, 1680);
}

TEST(PlacementEngine, DenyBudgetRefusesNamingBudgetAndLimit) {
  TestFleet f = OnePool();
  f.AddBudget("power-cap", api::Enforcement::Deny).spec.limits.powerWatts = 1500;
  f.AddWorkload("w", 1, 2);  // 1680 W
  const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
  EXPECT_FALSE(d.placed);
  EXPECT_EQ(d.message, "0/1 pools fit: 1 would exceed budget team-a/power-cap powerWatts");
}

TEST(PlacementEngine, BudgetRefusalsAreReportedAsBudgetAndLimit) {
  TestFleet f = OnePool();
  f.AddPool("q", "aws", 8, "1.00");
  // A nominal month ahead: p costs 2 x 4.10 x 720 = 5904, q 1440; both draw 1680 W.
  f.AddBudget("money", api::Enforcement::Deny).spec.limits.cost = Dec("2000");
  f.AddBudget("power-cap", api::Enforcement::Deny).spec.limits.powerWatts = 1500;
  f.AddWorkload("w", 1, 2);
  const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
  EXPECT_FALSE(d.placed);
  // Each pool under the first budget that refuses it; in the message's order.
  EXPECT_EQ(d.budgetRefusals,
            (std::vector<BudgetRefusal>{{"team-a/money", BudgetLimit::kCost},
                                        {"team-a/power-cap", BudgetLimit::kPowerWatts}}));
  EXPECT_EQ(d.message,
            "0/2 pools fit: 1 would exceed budget team-a/money cost, 1 would exceed budget "
            "team-a/power-cap powerWatts");
  EXPECT_EQ(BudgetRefusalsText(d.budgetRefusals),
            "would exceed budget team-a/money cost; would exceed budget team-a/power-cap "
            "powerWatts");
}

TEST(PlacementEngine, NoBudgetRefusalWhenPlacedOrRefusedForAnotherReason) {
  TestFleet f = OnePool(/*capacity=*/2);
  f.AddBudget("cap", api::Enforcement::Deny).spec.limits.powerWatts = 2000;
  f.AddWorkload("a");        // 840 W: placed
  f.AddWorkload("b", 1, 4);  // more accelerators than the pool has
  f.AddBudget("warn", api::Enforcement::Warn).spec.limits.powerWatts = 1;
  const PlacementPlan plan = f.Plan();
  EXPECT_TRUE(DecisionOf(plan, "a").placed);
  EXPECT_TRUE(DecisionOf(plan, "a").budgetRefusals.empty());
  EXPECT_FALSE(DecisionOf(plan, "b").placed);
  EXPECT_TRUE(DecisionOf(plan, "b").budgetRefusals.empty()) << DecisionOf(plan, "b").message;
}

TEST(PlacementEngine, WarnBudgetNeverRefusesButReportsExceeded) {
  TestFleet f = OnePool();
  f.AddBudget("power-cap", api::Enforcement::Warn).spec.limits.powerWatts = 1500;
  f.AddBudget("throttle", api::Enforcement::Throttle).spec.limits.powerWatts = 1500;
  f.AddWorkload("w", 1, 2);
  const PlacementPlan plan = f.Plan();
  EXPECT_TRUE(DecisionOf(plan, "w").placed);
  ASSERT_EQ(plan.budgets.size(), 2u);
  const BudgetVerdict& v = plan.budgets[0];
  EXPECT_EQ(v.name, "power-cap");
  EXPECT_EQ(v.state, BudgetState::Exceeded);
  EXPECT_EQ(v.message, "powerWatts projected 1680 > limit 1500");
  EXPECT_EQ(v.usage.powerWatts, 1680);
  EXPECT_EQ(plan.budgets[1].state, BudgetState::Exceeded);
  EXPECT_STREQ(BudgetStateName(v.state), "Exceeded");
}

TEST(PlacementEngine, DenyCostBudgetProjectsOverTheRestOfThePeriod) {
  TestFleet f = OnePool();
  api::Budget& b = f.AddBudget("money", api::Enforcement::Deny);
  b.spec.limits.cost = Dec("1000");
  f.AddWorkload("w");  // 4.10/h
  // No clock: a nominal month ahead, 720 h x 4.10 = 2952 > 1000.
  EXPECT_EQ(DecisionOf(f.Plan(), "w").message,
            "0/1 pools fit: 1 would exceed budget team-a/money cost");
  f.in.budgets[0].remainingSeconds = 100 * 3600;  // 410 more
  EXPECT_TRUE(DecisionOf(f.Plan(), "w").placed);
  api::BudgetUsage soFar;
  soFar.cost = Dec("600");
  f.in.budgets[0].usageSoFar = soFar;  // 1010 > 1000
  EXPECT_FALSE(DecisionOf(f.Plan(), "w").placed);
  f.in.budgets[0].usageSoFar.reset();
  f.in.budgets[0].budget.status.usage.cost = Dec("590");  // from the status: 1000, not over
  const PlacementPlan plan = f.Plan();
  EXPECT_TRUE(DecisionOf(plan, "w").placed);
  EXPECT_EQ(plan.budgets[0].projected.cost, Dec("1000"));
  EXPECT_EQ(plan.budgets[0].state, BudgetState::Warning);
  EXPECT_EQ(plan.budgets[0].message, "cost projected 1000.00 >= 80% of limit 1000.00");
}

TEST(PlacementEngine, DenyBudgetFillsUpDuringTheRun) {
  TestFleet f = OnePool();
  f.AddBudget("cap", api::Enforcement::Deny).spec.limits.powerWatts = 2000;
  f.AddWorkload("a");  // 840 W each
  f.AddWorkload("b");
  f.AddWorkload("c");
  const PlacementPlan plan = f.Plan();
  EXPECT_TRUE(DecisionOf(plan, "a").placed);
  EXPECT_TRUE(DecisionOf(plan, "b").placed);
  EXPECT_EQ(DecisionOf(plan, "c").message,
            "0/1 pools fit: 1 would exceed budget team-a/cap powerWatts");
  EXPECT_EQ(plan.budgets[0].state, BudgetState::Warning);  // 1680 >= 80% of 2000
  EXPECT_EQ(plan.budgets[0].usage.powerWatts, 1680);
}

TEST(PlacementEngine, BudgetsSelectByNamespaceAndTags) {
  TestFleet f = OnePool();
  api::Budget& b = f.AddBudget("vision", api::Enforcement::Deny);
  b.spec.limits.powerWatts = 100;
  b.spec.selector.tags = {{"team", "vision"}};
  f.AddWorkload("vision").spec.tags = {{"team", "vision"}, {"costCenter", "1"}};
  f.AddWorkload("speech").spec.tags = {{"team", "speech"}};
  f.AddWorkload("elsewhere", 1, 1, api::WorkloadType::Inference, "team-b").spec.tags = {
      {"team", "vision"}};
  const PlacementPlan plan = f.Plan();
  EXPECT_FALSE(DecisionOf(plan, "vision").placed);
  EXPECT_TRUE(DecisionOf(plan, "speech").placed);
  EXPECT_TRUE(DecisionOf(plan, "elsewhere", "team-b").placed);
  EXPECT_EQ(plan.budgets[0].usage.powerWatts, 0);
  EXPECT_EQ(plan.budgets[0].state, BudgetState::Ok);
}

TEST(PlacementEngine, DenyNeverEvictsKeptPlacements) {
  TestFleet f = OnePool();
  f.AddBudget("cap", api::Enforcement::Deny).spec.limits.powerWatts = 100;
  f.AddWorkload("running").status.placements = {Active("aws", "p", 1)};
  f.AddWorkload("new");
  const PlacementPlan plan = f.Plan();
  EXPECT_TRUE(DecisionOf(plan, "running").kept);
  EXPECT_FALSE(DecisionOf(plan, "new").placed);
  EXPECT_EQ(plan.budgets[0].state, BudgetState::Exceeded);
}

TEST(PlacementEngine, StandbyDoesNotCountAgainstBudgets) {
  TestFleet f;
  f.AddCluster("a", api::Location::Cloud, "aws", "r");
  f.AddCluster("b", api::Location::Cloud, "gcp", "r");
  f.AddPool("pa", "a");
  f.AddPool("pb", "b");
  f.AddBudget("cap", api::Enforcement::Deny).spec.limits.powerWatts = 840;
  api::AIWorkload& w = f.AddWorkload("w");
  w.spec.redundancy.mode = api::RedundancyMode::ActivePassive;
  const PlacementPlan plan = f.Plan();
  EXPECT_EQ(Shape(DecisionOf(plan, "w")), "pa:1 pb:1:S");
  EXPECT_EQ(plan.budgets[0].usage.powerWatts, 840);
}

TEST(PlacementEngine, BadSpecsBecomeVerdictsNotCrashes) {
  TestFleet f = OnePool();
  f.AddWorkload("no-accelerators", 1, 0);
  f.AddWorkload("negative", -1, 1);
  f.AddWorkload("huge", int64_t{1} << 40, int64_t{1} << 40);
  f.AddWorkload("spread-zero-domains").spec.redundancy = {api::RedundancyMode::Spread,
                                                          api::TopologyKey::Cluster, 0, 60};
  const PlacementPlan plan = f.Plan();
  EXPECT_EQ(DecisionOf(plan, "no-accelerators").message,
            "team-a/no-accelerators: spec.accelerators.count: must be >= 1, got 0");
  EXPECT_EQ(DecisionOf(plan, "negative").message,
            "team-a/negative: spec.replicas: must be >= 0, got -1");
  EXPECT_FALSE(DecisionOf(plan, "huge").placed);
  EXPECT_TRUE(DecisionOf(plan, "spread-zero-domains").placed);
}

TEST(PlacementEngine, EmptyInputGivesAnEmptyPlan) {
  const PlacementPlan plan = PlanPlacements({});
  EXPECT_TRUE(plan.decisions.empty());
  EXPECT_TRUE(plan.pools.empty());
  EXPECT_TRUE(plan.budgets.empty());
  EXPECT_EQ(plan.Find("a", "b"), nullptr);
}

TEST(PlacementEngine, StepByStepEqualsRun) {
  TestFleet f = OnePool(3);
  for (const char* n : {"a", "b", "c", "d"}) f.AddWorkload(n);
  PlacementEngine engine(f.in);
  engine.KeepValid();
  int steps = 0;
  while (engine.PlaceNext()) ++steps;
  EXPECT_EQ(steps, 4);
  const PlacementPlan stepped = engine.Finish();
  const PlacementPlan run = f.Plan();
  ASSERT_EQ(stepped.decisions.size(), run.decisions.size());
  for (size_t i = 0; i < run.decisions.size(); ++i) {
    EXPECT_EQ(Shape(stepped.decisions[i]), Shape(run.decisions[i]));
  }
  EXPECT_EQ(PoolOf(stepped, "p").allocated, 3);
}

}  // namespace
}  // namespace hybridai
