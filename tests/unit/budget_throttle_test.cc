// Throttle budgets, pure: which replicas run, at which rates, and the order of scaling down and
// back up, with hysteresis.
#include "controllers/budget_throttle.h"

#include <gtest/gtest.h>

namespace hybridai::controllers {
namespace {

Decimal D(const char* s) {
  return *Decimal::Parse(s);
}

// `replicas` one-accelerator replicas at 1.00/h and 100 W each, in one pool per entry.
api::Placement P(const std::string& pool, int64_t replicas, api::Role role = api::Role::Active) {
  api::Placement p;
  p.cluster = "c";
  p.pool = pool;
  p.replicas = replicas;
  p.accelerators = replicas;
  p.role = role;
  p.hourlyCost = Decimal::FromInt(replicas);
  p.powerWatts = 100 * replicas;
  p.carbonGramsPerHour = 30 * replicas;
  return p;
}

ThrottleMember M(const std::string& key, int64_t priority, int64_t created,
                 std::vector<api::Placement> ps, bool gang = false, int64_t throttled = 0,
                 bool mayRestore = true) {
  ThrottleMember m;
  m.key = key;
  m.priority = priority;
  m.createdUnix = created;
  m.gang = gang;
  m.placements = std::move(ps);
  m.throttled = throttled;
  m.mayRestore = mayRestore;
  return m;
}

api::BudgetLimits Power(int64_t watts) {
  api::BudgetLimits l;
  l.powerWatts = watts;
  return l;
}

TEST(RunningReplicas, TakenFromTheLastActivePlacementBackwards) {
  const std::vector<api::Placement> ps = {P("a", 2), P("b", 3), P("s", 2, api::Role::Standby)};
  EXPECT_EQ(RunningReplicas(ps, 0, false), (std::vector<int64_t>{2, 3, 0}));
  EXPECT_EQ(RunningReplicas(ps, 2, false), (std::vector<int64_t>{2, 1, 0}));
  EXPECT_EQ(RunningReplicas(ps, 4, false), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(RunningReplicas(ps, 99, false), (std::vector<int64_t>{0, 0, 0}));
  // A gang runs all or nothing.
  EXPECT_EQ(RunningReplicas(ps, 1, true), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(ActiveReplicas(ps), 5);
}

TEST(RunningRate, InProportionToWhatRuns) {
  const std::vector<api::Placement> ps = {P("a", 2), P("b", 3)};
  const BudgetRate full = RunningRate(ps, 0, false);
  EXPECT_EQ(full.hourlyCost, D("5"));
  EXPECT_EQ(full.powerWatts, 500);
  const BudgetRate two = RunningRate(ps, 3, false);
  EXPECT_EQ(two.hourlyCost, D("2"));
  EXPECT_EQ(two.powerWatts, 200);
  EXPECT_EQ(two.carbonGramsPerHour, 60);
  EXPECT_EQ(RunningRate(ps, 1, true).powerWatts, 0);
}

TEST(PlanThrottle, LowestPriorityFirstOneReplicaAtATime) {
  // 900 W wanted, 650 W allowed: the low-priority workload loses 3 of its 4 replicas.
  const std::vector<ThrottleMember> ms = {M("high", 10, 100, {P("a", 5)}),
                                          M("low", 0, 100, {P("b", 4)})};
  EXPECT_EQ(PlanThrottle(Power(650), {}, 3600, {}, ms), (std::vector<int64_t>{0, 3}));
  // 450 W allowed: low goes to zero, then high loses what is still over.
  EXPECT_EQ(PlanThrottle(Power(450), {}, 3600, {}, ms), (std::vector<int64_t>{1, 4}));
}

TEST(PlanThrottle, NewestFirstWithinAPriorityAndGangsWhole) {
  const std::vector<ThrottleMember> ms = {M("old", 0, 100, {P("a", 2)}, /*gang=*/true),
                                          M("new", 0, 200, {P("b", 2)}, /*gang=*/true)};
  // 400 W wanted, 300 allowed: the newer gang is suspended whole, the older runs.
  EXPECT_EQ(PlanThrottle(Power(300), {}, 3600, {}, ms), (std::vector<int64_t>{0, 2}));
}

TEST(PlanThrottle, ProjectionByThePeriodsEndCountsUsageSoFar) {
  // 2.00/h for the 10 hours left, 85 spent of 100: one of the two replicas fits.
  api::BudgetLimits l;
  l.cost = D("100");
  api::BudgetUsage used;
  used.cost = D("85");
  const std::vector<ThrottleMember> ms = {M("w", 0, 1, {P("a", 2)})};
  EXPECT_EQ(PlanThrottle(l, used, 10 * 3600, {}, ms), (std::vector<int64_t>{1}));
  // Fixed rates (a workload held down by another budget) count too.
  EXPECT_EQ(PlanThrottle(l, used, 10 * 3600, BudgetRate{D("0.6"), 0, 0}, ms),
            (std::vector<int64_t>{2}));
}

TEST(PlanThrottle, BackUpHighestFirstOnlyAfterTheHysteresisAndOnlyAsFarAsFits) {
  std::vector<ThrottleMember> ms = {M("high", 10, 100, {P("a", 2)}, false, 2, /*mayRestore=*/true),
                                    M("low", 0, 100, {P("b", 2)}, false, 2, true)};
  // 300 W allowed: high comes back whole, low gets one replica back.
  EXPECT_EQ(PlanThrottle(Power(300), {}, 3600, {}, ms), (std::vector<int64_t>{0, 1}));
  // Not yet down long enough: nothing comes back, although it would fit.
  ms[0].mayRestore = ms[1].mayRestore = false;
  EXPECT_EQ(PlanThrottle(Power(1000), {}, 3600, {}, ms), (std::vector<int64_t>{2, 2}));
  // But scaling down never waits.
  ms[0].throttled = ms[1].throttled = 0;
  EXPECT_EQ(PlanThrottle(Power(100), {}, 3600, {}, ms), (std::vector<int64_t>{1, 2}));
}

TEST(PlanThrottle, StableWhenItFits) {
  // Exactly at the limit is within it: nothing moves either way.
  std::vector<ThrottleMember> ms = {M("a", 0, 1, {P("a", 2)}, false, 1)};
  EXPECT_EQ(PlanThrottle(Power(100), {}, 3600, {}, ms), (std::vector<int64_t>{1}));
  ms[0].throttled = 0;
  EXPECT_EQ(PlanThrottle(Power(200), {}, 3600, {}, ms), (std::vector<int64_t>{0}));
}

}  // namespace
}  // namespace hybridai::controllers
