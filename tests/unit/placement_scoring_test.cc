// Objectives, spot preference and tie-breaking of the placement engine's ranking.
#include <gtest/gtest.h>

#include "core/placement_scoring.h"
#include "placement_test_fleet.h"

namespace hybridai {
namespace {

using testing::Dec;
using testing::DecisionOf;
using testing::Shape;
using testing::TestFleet;

// Four pools, each best at one thing (see the numbers in the comments).
TestFleet FourPools() {
  TestFleet f;
  auto site = [&](const char* name, const char* pool, const char* price, int64_t watts,
                  const char* pue, int64_t carbon, int64_t latency) {
    api::MemberCluster& c = f.AddCluster(name, api::Location::Cloud, name, name, latency);
    c.spec.pue = Dec(pue);
    c.spec.carbonIntensity = carbon;
    f.AddPool(pool, name, 8, price).spec.power.acceleratorWatts = watts;
  };
  site("c-cheap", "cheap", "1.00", 700, "1.5", 500, 50);  // cost 1.00; 1050 W; 525 g/h
  site("c-green", "green", "3.00", 700, "1.1", 20, 40);   // 770 W; 15.4 g/h
  site("c-lean", "lean", "2.50", 300, "1.3", 400, 30);    // 390 W; balanced best
  site("c-near", "near", "5.00", 700, "1.2", 300, 2);     // 2 ms
  return f;
}

std::string PoolFor(api::Objective objective) {
  TestFleet f = FourPools();
  f.AddWorkload("w").spec.placement.objective = objective;
  return Shape(DecisionOf(f.Plan(), "w"));
}

TEST(PlacementScoring, EachObjectivePicksItsBestPool) {
  EXPECT_EQ(PoolFor(api::Objective::Cost), "cheap:1");
  EXPECT_EQ(PoolFor(api::Objective::Energy), "lean:1");
  EXPECT_EQ(PoolFor(api::Objective::Carbon), "green:1");
  EXPECT_EQ(PoolFor(api::Objective::Latency), "near:1");
  // Balanced: cheap .80, green .54, lean .44, near .58 (mean of the normalised terms).
  EXPECT_EQ(PoolFor(api::Objective::Balanced), "lean:1");
}

TEST(PlacementScoring, PlacementsCarryTheirRates) {
  TestFleet f = FourPools();
  f.AddWorkload("w", 2).spec.placement.objective = api::Objective::Carbon;
  const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
  ASSERT_EQ(d.placements.size(), 1u);
  const api::Placement& p = d.placements[0];
  EXPECT_EQ(p.cluster, "c-green");
  EXPECT_EQ(p.accelerators, 2);
  EXPECT_EQ(p.hourlyCost, Dec("6"));
  EXPECT_EQ(p.powerWatts, 1540);
  EXPECT_EQ(p.carbonGramsPerHour, 31);  // 1540 W x 20 g/kWh = 30.8
  EXPECT_EQ(d.hourlyCost, Dec("6"));
  EXPECT_EQ(d.powerWatts, 1540);
  EXPECT_EQ(d.carbonGramsPerHour, 31);
}

TEST(PlacementScoring, FallsToTheNextBestWhenTheBestIsFull) {
  TestFleet f = FourPools();
  f.Pool("cheap").pool.spec.capacity.accelerators = 1;
  f.AddWorkload("a").spec.placement.objective = api::Objective::Cost;
  f.AddWorkload("b").spec.placement.objective = api::Objective::Cost;
  const PlacementPlan plan = f.Plan();
  EXPECT_EQ(Shape(DecisionOf(plan, "a")), "cheap:1");
  EXPECT_EQ(Shape(DecisionOf(plan, "b")), "lean:1");  // 2.50 < 3.00 < 5.00
}

TEST(PlacementScoring, SpotPreferredFavoursSpotPools) {
  TestFleet f;
  f.AddCluster("aws", api::Location::Cloud, "aws", "eu-west-1");
  f.AddPool("on-demand", "aws", 8, "1.50");
  f.AddPool("spot", "aws", 8, "2.00").spec.pricing.spot = true;
  api::AIWorkload& preferred = f.AddWorkload("preferred");
  preferred.spec.placement.spot = api::SpotPolicy::Preferred;
  preferred.spec.placement.objective = api::Objective::Cost;
  api::AIWorkload& allowed = f.AddWorkload("allowed");
  allowed.spec.placement.objective = api::Objective::Cost;
  const PlacementPlan plan = f.Plan();
  EXPECT_EQ(Shape(DecisionOf(plan, "preferred")), "spot:1");
  EXPECT_EQ(Shape(DecisionOf(plan, "allowed")), "on-demand:1");
}

TEST(PlacementScoring, SpotPreferredIsNotAbsolute) {
  TestFleet f;
  f.AddCluster("aws", api::Location::Cloud, "aws", "eu-west-1");
  f.AddPool("on-demand", "aws", 8, "0.50");
  f.AddPool("spot", "aws", 8, "2.00").spec.pricing.spot = true;
  api::AIWorkload& w = f.AddWorkload("w");
  w.spec.placement.spot = api::SpotPolicy::Preferred;
  w.spec.placement.objective = api::Objective::Cost;
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "on-demand:1");
}

TEST(PlacementScoring, TiesGoToClusterNameThenPoolName) {
  TestFleet f;
  f.AddCluster("zeta", api::Location::Cloud, "aws", "r");
  f.AddCluster("alpha", api::Location::Cloud, "aws", "r");
  f.AddPool("a-pool", "zeta");
  f.AddPool("z-pool", "alpha");
  f.AddPool("m-pool", "alpha");
  f.AddWorkload("w");
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "m-pool:1");
}

TEST(PlacementScoring, NormalisesByTheFleetMaximum) {
  std::vector<ScoreTerms> terms = {{4.0, 700, 210, 10}, {2.0, 350, 105, 0}, {0, 0, 0, 0}};
  const std::vector<PoolScore> s = ScorePools(terms, {false, false, false});
  const auto cost = static_cast<size_t>(api::Objective::Cost);
  const int64_t shift = int64_t{1} << 21;
  EXPECT_EQ(s[0].key[cost] / shift, 1'000'000);
  EXPECT_EQ(s[1].key[cost] / shift, 500'000);
  EXPECT_EQ(s[2].key[cost], 0);
  // Secondary term of a single objective is the balanced mean.
  EXPECT_EQ(s[1].key[cost] % shift, (500'000 + 500'000 + 500'000 + 0) / 4);
  EXPECT_EQ(s[0].spotKey, s[0].key);
  const std::vector<PoolScore> spot = ScorePools(terms, {true, false, false});
  EXPECT_EQ(spot[0].spotKey[cost] / shift, 500'000);
}

TEST(PlacementScoring, AllZeroFleetDoesNotDivideByZero) {
  const std::vector<PoolScore> s = ScorePools({ScoreTerms{}, ScoreTerms{}}, {false, true});
  EXPECT_EQ(s[0].key, s[1].key);
}

}  // namespace
}  // namespace hybridai
