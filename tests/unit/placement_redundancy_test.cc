// Redundancy (Spread, ActivePassive), gang placement of Training and splitting of Inference
// and Batch replicas.
#include <gtest/gtest.h>

#include "placement_test_fleet.h"

namespace hybridai {
namespace {

using testing::DecisionOf;
using testing::PoolOf;
using testing::Shape;
using testing::TestFleet;

// Providers: aws (aws-eu 10 ms, aws-us 20 ms), gcp (gcp-eu 30 ms), dc (paris 40 ms); one pool
// per cluster named <cluster>-p, priced so that aws-eu < aws-us < gcp-eu < paris.
TestFleet FourClusters(int64_t capacity = 8) {
  TestFleet f;
  f.AddCluster("aws-eu", api::Location::Cloud, "aws", "eu", 10);
  f.AddCluster("aws-us", api::Location::Cloud, "aws", "us", 20);
  f.AddCluster("gcp-eu", api::Location::Cloud, "gcp", "eu", 30);
  f.AddCluster("paris", api::Location::OnPrem, "dc", "eu", 40);
  f.AddPool("aws-eu-p", "aws-eu", capacity, "1.00");
  f.AddPool("aws-us-p", "aws-us", capacity, "2.00");
  f.AddPool("gcp-eu-p", "gcp-eu", capacity, "3.00");
  f.AddPool("paris-p", "paris", capacity, "4.00");
  return f;
}

api::AIWorkload& Redundant(TestFleet& f, const std::string& name, int64_t replicas,
                           api::RedundancyMode mode, api::TopologyKey key, int64_t minDomains = 2,
                           api::WorkloadType type = api::WorkloadType::Inference) {
  api::AIWorkload& w = f.AddWorkload(name, replicas, 1, type);
  w.spec.placement.objective = api::Objective::Cost;
  w.spec.redundancy.mode = mode;
  w.spec.redundancy.topologyKey = key;
  w.spec.redundancy.minDomains = minDomains;
  return w;
}

TEST(PlacementRedundancy, SpreadEvenlyOverTheBestDomains) {
  TestFleet f = FourClusters();
  Redundant(f, "w", 4, api::RedundancyMode::Spread, api::TopologyKey::Provider);
  // aws (best: 1.00) and gcp (3.00): aws-us is the same provider as aws-eu.
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "aws-eu-p:2 gcp-eu-p:2");
}

TEST(PlacementRedundancy, SpreadLeftoversGoToTheBetterDomain) {
  TestFleet f = FourClusters();
  Redundant(f, "w", 5, api::RedundancyMode::Spread, api::TopologyKey::Cluster, 2);
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "aws-eu-p:3 aws-us-p:2");
}

TEST(PlacementRedundancy, SpreadAsEvenAsCapacityAllows) {
  TestFleet f = FourClusters();
  f.Pool("aws-eu-p").pool.spec.capacity.accelerators = 1;
  Redundant(f, "w", 5, api::RedundancyMode::Spread, api::TopologyKey::Cluster, 2);
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "aws-eu-p:1 aws-us-p:4");
}

TEST(PlacementRedundancy, SpreadUsesMoreDomainsWhenTheFirstOnesAreFull) {
  TestFleet f = FourClusters(1);
  Redundant(f, "w", 3, api::RedundancyMode::Spread, api::TopologyKey::Cluster, 2);
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "aws-eu-p:1 aws-us-p:1 gcp-eu-p:1");
}

TEST(PlacementRedundancy, SpreadSplitsInsideADomain) {
  TestFleet f = FourClusters(2);
  Redundant(f, "w", 6, api::RedundancyMode::Spread, api::TopologyKey::Location, 2);
  // Cloud holds 3 pools of 2; OnPrem one pool of 2: Cloud 4 (two pools), OnPrem 2.
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "aws-eu-p:2 aws-us-p:2 paris-p:2");
}

TEST(PlacementRedundancy, SpreadFailures) {
  TestFleet f = FourClusters();
  Redundant(f, "few", 1, api::RedundancyMode::Spread, api::TopologyKey::Provider, 2);
  Redundant(f, "domains", 5, api::RedundancyMode::Spread, api::TopologyKey::Provider, 4)
      .spec.placement.locations = {api::Location::Cloud};
  Redundant(f, "room", 40, api::RedundancyMode::Spread, api::TopologyKey::Provider, 2);
  const PlacementPlan plan = f.Plan();
  EXPECT_EQ(DecisionOf(plan, "few").message,
            "4/4 pools fit; Spread needs at least minDomains (2) replicas, got 1");
  EXPECT_EQ(DecisionOf(plan, "domains").message,
            "3/4 pools fit: 1 location not allowed; Spread needs 4 Provider domains, 2 have room");
  EXPECT_EQ(DecisionOf(plan, "room").message,
            "4/4 pools fit; insufficient accelerators: Spread over 3 Provider domains has room for "
            "32 of 40 replicas");
}

TEST(PlacementRedundancy, ActivePassiveKeepsAStandbyInAnotherDomain) {
  TestFleet f = FourClusters();
  Redundant(f, "w", 3, api::RedundancyMode::ActivePassive, api::TopologyKey::Provider);
  const PlacementPlan plan = f.Plan();
  const WorkloadDecision& d = DecisionOf(plan, "w");
  EXPECT_EQ(Shape(d), "aws-eu-p:3 gcp-eu-p:3:S");
  ASSERT_EQ(d.placements.size(), 2u);
  EXPECT_EQ(d.placements[1].role, api::Role::Standby);
  EXPECT_EQ(d.placements[1].accelerators, 3);
  // Standby is reserved but scaled to zero: no cost, no power.
  EXPECT_EQ(d.placements[1].hourlyCost, Decimal());
  EXPECT_EQ(d.placements[1].powerWatts, 0);
  EXPECT_EQ(d.hourlyCost, testing::Dec("3"));
  EXPECT_EQ(PoolOf(plan, "gcp-eu-p").allocated, 3);
  EXPECT_EQ(PoolOf(plan, "gcp-eu-p").standby, 3);
}

TEST(PlacementRedundancy, ActivePassiveNeedsASecondDomain) {
  TestFleet f = FourClusters();
  Redundant(f, "w", 3, api::RedundancyMode::ActivePassive, api::TopologyKey::Location)
      .spec.placement.locations = {api::Location::Cloud};
  EXPECT_EQ(DecisionOf(f.Plan(), "w").message,
            "3/4 pools fit: 1 location not allowed; ActivePassive needs room for a standby of 3 "
            "replicas in a second Location domain");
}

TEST(PlacementRedundancy, ActivePassivePromotesTheStandbyWhenTheActiveFails) {
  TestFleet f = FourClusters();
  api::AIWorkload& w =
      Redundant(f, "w", 2, api::RedundancyMode::ActivePassive, api::TopologyKey::Provider);
  w.status.placements = {{"aws-eu", "aws-eu-p", 2, 2, api::Role::Active, {}, 0, 0},
                         {"gcp-eu", "gcp-eu-p", 2, 2, api::Role::Standby, {}, 0, 0}};
  EXPECT_TRUE(DecisionOf(f.Plan(), "w").kept);
  f.Cluster("aws-eu").failed = true;
  const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
  EXPECT_FALSE(d.kept);
  // gcp becomes active; the new standby goes to the best other provider (aws-us).
  EXPECT_EQ(Shape(d), "gcp-eu-p:2 aws-us-p:2:S");
}

TEST(PlacementRedundancy, ActivePassiveReplacesOnlyAFailedStandby) {
  TestFleet f = FourClusters();
  api::AIWorkload& w =
      Redundant(f, "w", 2, api::RedundancyMode::ActivePassive, api::TopologyKey::Provider);
  // A standby on paris (dc) although gcp would be cheaper: keeping the active must not move it.
  w.status.placements = {{"aws-us", "aws-us-p", 2, 2, api::Role::Active, {}, 0, 0},
                         {"paris", "paris-p", 2, 2, api::Role::Standby, {}, 0, 0}};
  EXPECT_TRUE(DecisionOf(f.Plan(), "w").kept);
  f.Pool("paris-p").failed = true;
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "aws-us-p:2 gcp-eu-p:2:S");
}

TEST(PlacementRedundancy, ActivePassivePromotedStandbyRunsAloneWhenNoOtherDomainHasRoom) {
  TestFleet f;
  f.AddCluster("edge", api::Location::Edge, "edge", "eu", 3);
  f.AddCluster("cloud", api::Location::Cloud, "gcp", "eu", 60);
  f.AddPool("edge-p", "edge", 4, "1.00");
  f.AddPool("cloud-p", "cloud", 4, "2.00");
  api::AIWorkload& w =
      Redundant(f, "w", 1, api::RedundancyMode::ActivePassive, api::TopologyKey::Cluster);
  w.status.placements = {{"edge", "edge-p", 1, 1, api::Role::Active, {}, 0, 0},
                         {"cloud", "cloud-p", 1, 1, api::Role::Standby, {}, 0, 0}};
  f.Cluster("edge").failed = true;
  // Better to serve from the promoted standby than to run nothing while edge is lost.
  const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
  EXPECT_TRUE(d.placed) << d.message;
  EXPECT_EQ(Shape(d), "cloud-p:1");
  // A new workload still needs both domains.
  TestFleet g;
  g.AddCluster("cloud", api::Location::Cloud, "gcp", "eu", 60);
  g.AddPool("cloud-p", "cloud", 4, "2.00");
  Redundant(g, "w", 1, api::RedundancyMode::ActivePassive, api::TopologyKey::Cluster);
  EXPECT_FALSE(DecisionOf(g.Plan(), "w").placed);
}

TEST(PlacementRedundancy, TrainingIsAGangInOnePool) {
  TestFleet f;
  f.AddCluster("aws", api::Location::Cloud, "aws", "eu");
  f.AddPool("a", "aws", 6);
  f.AddPool("b", "aws", 6);
  f.AddWorkload("train", 4, 2, api::WorkloadType::Training);  // 8 accelerators
  f.AddWorkload("infer", 4, 2, api::WorkloadType::Inference);
  const PlacementPlan plan = f.Plan();
  EXPECT_EQ(DecisionOf(plan, "train").message,
            "0/2 pools fit: 2 insufficient accelerators; gang: no single pool has room for all 4 "
            "workers (8 accelerators)");
  EXPECT_EQ(Shape(DecisionOf(plan, "infer")), "a:3 b:1");
}

TEST(PlacementRedundancy, TrainingTakesTheBestPoolThatHoldsTheWholeGang) {
  TestFleet f;
  f.AddCluster("aws", api::Location::Cloud, "aws", "eu");
  f.AddPool("cheap-small", "aws", 4, "1.00");
  f.AddPool("dear-big", "aws", 16, "5.00");
  f.AddWorkload("train", 4, 2, api::WorkloadType::Training).spec.placement.objective =
      api::Objective::Cost;
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "train")), "dear-big:4");
}

TEST(PlacementRedundancy, SplitsStayInsideOneCluster) {
  TestFleet f;
  f.AddCluster("x", api::Location::Cloud, "aws", "eu");
  f.AddCluster("y", api::Location::Cloud, "aws", "eu");
  f.AddPool("x-p", "x", 3);
  f.AddPool("y-p", "y", 3);
  f.AddWorkload("batch", 4, 1, api::WorkloadType::Batch);
  EXPECT_EQ(DecisionOf(f.Plan(), "batch").message,
            "2/2 pools fit; insufficient accelerators: no pool or cluster has room for 4 "
            "replicas of 1 accelerators");
}

TEST(PlacementRedundancy, TrainingWithActivePassiveUsesOnePoolPerSide) {
  TestFleet f = FourClusters();
  Redundant(f, "t", 4, api::RedundancyMode::ActivePassive, api::TopologyKey::Provider, 2,
            api::WorkloadType::Training);
  Redundant(f, "s", 4, api::RedundancyMode::Spread, api::TopologyKey::Provider, 2,
            api::WorkloadType::Training);
  const PlacementPlan plan = f.Plan();
  EXPECT_EQ(Shape(DecisionOf(plan, "t")), "aws-eu-p:4 gcp-eu-p:4:S");
  EXPECT_EQ(DecisionOf(plan, "s").message,
            "4/4 pools fit; Training is gang-placed in one pool and "
            "cannot be spread");
}

TEST(PlacementRedundancy, PoolTopologyNeverSplitsASide) {
  TestFleet f;
  f.AddCluster("aws", api::Location::Cloud, "aws", "eu");
  f.AddPool("a", "aws", 2);
  f.AddPool("b", "aws", 2);
  f.AddPool("c", "aws", 4);
  Redundant(f, "w", 3, api::RedundancyMode::ActivePassive, api::TopologyKey::Pool);
  EXPECT_EQ(DecisionOf(f.Plan(), "w").message,
            "3/3 pools fit; ActivePassive needs room for a standby of 3 replicas in a second Pool "
            "domain");
}

}  // namespace
}  // namespace hybridai
