// Preference tiers in the placement engine: Inference fills the first tier as far as its free
// capacity allows and overflows the rest, the objective chooses within a tier, a Training gang
// goes whole to the first tier that fits, Spread and ActivePassive prefer the first tier and
// count domains across the tiers they use, and clusters in no tier are never used.
#include <gtest/gtest.h>

#include "core/placement_engine.h"
#include "placement_test_fleet.h"

namespace hybridai {
namespace {

using testing::DecisionOf;
using testing::Shape;
using testing::TestFleet;

api::PlacementTier TierAt(api::Location location) {
  api::PlacementTier t;
  t.locations = {location};
  return t;
}

// on-prem: one cluster, two pools (4 + 2 accelerators); edge: one cluster; cloud: two regions.
TestFleet HybridFleet() {
  TestFleet f;
  f.AddCluster("dc-paris", api::Location::OnPrem, "dc", "paris", 5);
  f.AddPool("onprem-a", "dc-paris", 4, "1.00");
  f.AddPool("onprem-b", "dc-paris", 2, "1.50");
  f.AddCluster("edge-lyon", api::Location::Edge, "edge", "lyon", 3);
  f.AddPool("edge-a", "edge-lyon", 2, "2.00");
  f.AddCluster("aws-eu", api::Location::Cloud, "aws", "eu-west-1", 30);
  f.AddPool("aws-cheap", "aws-eu", 16, "3.00");
  f.AddPool("aws-dear", "aws-eu", 16, "5.00");
  f.AddCluster("gcp-us", api::Location::Cloud, "gcp", "us-east1", 60);
  f.AddPool("gcp-a", "gcp-us", 16, "2.50");
  return f;
}

TEST(PlacementTiersTest, InferenceFillsTheFirstTierAndOverflowsTheRest) {
  TestFleet f = HybridFleet();
  f.Pool("onprem-a").reservedAccelerators = 2;  // on-prem has 2 + 2 free
  f.Pool("onprem-b").reservedAccelerators = 2;  // now 2 + 0
  auto& w = f.AddWorkload("chat", 6);
  w.spec.placement.objective = api::Objective::Cost;
  w.spec.placement.tiers = {TierAt(api::Location::OnPrem), TierAt(api::Location::Cloud)};
  auto d = DecisionOf(f.Plan(), "chat");
  ASSERT_TRUE(d.placed) << d.message;
  // 2 at home; the other 4 in the cheapest cloud pool of the allowed tier. Edge is in no tier.
  // (Placements are listed by cluster, then pool.)
  EXPECT_EQ(Shape(d), "onprem-a:2 gcp-a:4");
  ASSERT_EQ(d.placements.size(), 2u);
  EXPECT_EQ(d.placements[0].tier, 0);
  EXPECT_EQ(d.placements[1].tier, 1);
}

TEST(PlacementTiersTest, ATierWithRoomTakesEveryReplica) {
  TestFleet f = HybridFleet();
  auto& w = f.AddWorkload("chat", 6);
  w.spec.placement.tiers = {TierAt(api::Location::OnPrem), TierAt(api::Location::Cloud)};
  auto d = DecisionOf(f.Plan(), "chat");
  ASSERT_TRUE(d.placed) << d.message;
  EXPECT_EQ(Shape(d), "onprem-a:4 onprem-b:2");
}

TEST(PlacementTiersTest, OverflowSpansSeveralTiersInOrder) {
  TestFleet f = HybridFleet();
  auto& w = f.AddWorkload("chat", 12);
  w.spec.placement.objective = api::Objective::Cost;
  w.spec.placement.tiers = {TierAt(api::Location::OnPrem), TierAt(api::Location::Edge),
                            TierAt(api::Location::Cloud)};
  auto d = DecisionOf(f.Plan(), "chat");
  ASSERT_TRUE(d.placed) << d.message;
  // 6 on-prem (cheaper pool first), 2 at the edge, 4 in the cheapest cloud pool.
  EXPECT_EQ(Shape(d), "onprem-a:4 onprem-b:2 edge-a:2 gcp-a:4");
}

TEST(PlacementTiersTest, TierConstraintsNarrowTheTier) {
  TestFleet f = HybridFleet();
  f.Pool("onprem-a").reservedAccelerators = 4;
  f.Pool("onprem-b").reservedAccelerators = 2;
  auto& w = f.AddWorkload("chat", 3);
  w.spec.placement.objective = api::Objective::Cost;
  api::PlacementTier cloud = TierAt(api::Location::Cloud);
  cloud.regions = {"eu-west-1"};  // gcp-a is cheaper but in no tier
  w.spec.placement.tiers = {TierAt(api::Location::OnPrem), cloud};
  auto d = DecisionOf(f.Plan(), "chat");
  ASSERT_TRUE(d.placed) << d.message;
  EXPECT_EQ(Shape(d), "aws-cheap:3");
}

TEST(PlacementTiersTest, NoRoomInAnyTierIsUnschedulableWithTheReason) {
  TestFleet f = HybridFleet();
  auto& w = f.AddWorkload("chat", 9);
  w.spec.placement.tiers = {TierAt(api::Location::OnPrem), TierAt(api::Location::Edge)};
  auto d = DecisionOf(f.Plan(), "chat");
  EXPECT_FALSE(d.placed);
  EXPECT_NE(d.message.find("cluster in no placement tier"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("placement tiers together have no room for 9 replicas"),
            std::string::npos)
      << d.message;
}

TEST(PlacementTiersTest, TrainingGangIsNeverSplitAndTakesTheFirstTierThatFits) {
  TestFleet f = HybridFleet();
  // 4 workers: on-prem has 4 + 2 free but no single pool with 4 once onprem-a is half taken.
  f.Pool("onprem-a").reservedAccelerators = 2;
  auto& w = f.AddWorkload("train", 4, 1, api::WorkloadType::Training);
  w.spec.placement.objective = api::Objective::Cost;
  w.spec.placement.tiers = {TierAt(api::Location::OnPrem), TierAt(api::Location::Cloud)};
  auto d = DecisionOf(f.Plan(), "train");
  ASSERT_TRUE(d.placed) << d.message;
  EXPECT_EQ(Shape(d), "gcp-a:4");
  EXPECT_EQ(d.placements[0].tier, 1);

  // With room in one on-prem pool, the gang stays home.
  f.Pool("onprem-a").reservedAccelerators = 0;
  d = DecisionOf(f.Plan(), "train");
  EXPECT_EQ(Shape(d), "onprem-a:4");
}

TEST(PlacementTiersTest, SpreadCountsDomainsAcrossTheTiersItUses) {
  TestFleet f = HybridFleet();
  auto& w = f.AddWorkload("chat", 6);
  w.spec.placement.objective = api::Objective::Cost;
  w.spec.placement.tiers = {TierAt(api::Location::OnPrem), TierAt(api::Location::Cloud)};
  w.spec.redundancy.mode = api::RedundancyMode::Spread;
  w.spec.redundancy.topologyKey = api::TopologyKey::Cluster;
  w.spec.redundancy.minDomains = 2;
  auto d = DecisionOf(f.Plan(), "chat");
  ASSERT_TRUE(d.placed) << d.message;
  // One on-prem cluster cannot make two domains: the second comes from the next tier; the
  // replicas are levelled over the two domains.
  EXPECT_EQ(Shape(d), "onprem-a:3 gcp-a:3");
  EXPECT_EQ(d.placements[0].tier, 0);
  EXPECT_EQ(d.placements[1].tier, 1);
}

TEST(PlacementTiersTest, ActivePassivePrefersTheFirstTierForTheActiveSide) {
  TestFleet f = HybridFleet();
  auto& w = f.AddWorkload("chat", 2);
  w.spec.placement.objective = api::Objective::Cost;
  w.spec.placement.tiers = {TierAt(api::Location::Cloud), TierAt(api::Location::OnPrem)};
  w.spec.redundancy.mode = api::RedundancyMode::ActivePassive;
  w.spec.redundancy.topologyKey = api::TopologyKey::Location;
  auto d = DecisionOf(f.Plan(), "chat");
  ASSERT_TRUE(d.placed) << d.message;
  // Cloud first although on-prem is cheaper; the standby in the other location (tier 1).
  EXPECT_EQ(Shape(d), "gcp-a:2 onprem-a:2:S");
}

TEST(PlacementTiersTest, CurrentPlacementsInAWorseTierAreKeptUntilFailbackDecides) {
  TestFleet f = HybridFleet();
  auto& w = f.AddWorkload("chat", 2);
  w.spec.placement.tiers = {TierAt(api::Location::OnPrem), TierAt(api::Location::Cloud)};
  api::Placement cur;
  cur.cluster = "aws-eu";
  cur.pool = "aws-dear";
  cur.replicas = 2;
  cur.accelerators = 2;
  w.status.placements = {cur};
  auto d = DecisionOf(f.Plan(), "chat");
  EXPECT_TRUE(d.kept);
  EXPECT_EQ(Shape(d), "aws-dear:2");
  EXPECT_EQ(d.placements[0].tier, 1);

  // A placement in a cluster that no tier admits any more is moved.
  f.in.workloads.back().spec.placement.tiers = {TierAt(api::Location::OnPrem)};
  d = DecisionOf(f.Plan(), "chat");
  EXPECT_FALSE(d.kept);
  EXPECT_EQ(Shape(d), "onprem-a:2");
}

TEST(PlacementTiersTest, WithoutTiersNothingChanges) {
  TestFleet f = HybridFleet();
  auto& w = f.AddWorkload("chat", 6);
  w.spec.placement.objective = api::Objective::Cost;
  auto d = DecisionOf(f.Plan(), "chat");
  ASSERT_TRUE(d.placed) << d.message;
  // Without tiers: the best single pool with room for all, never a split across clusters.
  EXPECT_EQ(Shape(d), "gcp-a:6");
  EXPECT_FALSE(d.placements[0].tier.has_value());
}

}  // namespace
}  // namespace hybridai
