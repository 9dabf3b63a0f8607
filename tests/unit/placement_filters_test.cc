// Hard constraints of the placement engine: each rule admits the right pools, refuses the
// others, and names why in the kube-scheduler style tally.
#include <gtest/gtest.h>

#include "core/placement_filters.h"
#include "placement_test_fleet.h"

namespace hybridai {
namespace {

using testing::DecisionOf;
using testing::Shape;
using testing::TestFleet;

// aws (Cloud, 35 ms), paris (OnPrem, 10 ms), lyon (Edge, 5 ms); one H100 pool in each but
// lyon, which has L4s.
TestFleet ThreeSites() {
  TestFleet f;
  f.AddCluster("aws", api::Location::Cloud, "aws", "eu-west-1", 35).metadata.labels = {
      {"tier", "gold"}};
  f.AddCluster("paris", api::Location::OnPrem, "dc-paris", "eu-paris", 10).metadata.labels = {
      {"tier", "silver"}, {"gdpr", "yes"}};
  f.AddCluster("lyon", api::Location::Edge, "edge-co", "eu-lyon", 5);
  f.AddPool("aws-h100", "aws", 8, "4.10");
  f.AddPool("paris-h100", "paris", 8, "3.00");
  f.AddPool("lyon-l4", "lyon", 8, "0.80", "L4");
  return f;
}

TEST(PlacementFilters, LocationsAllowOnlyTheirClusters) {
  TestFleet f = ThreeSites();
  f.AddWorkload("w").spec.placement.locations = {api::Location::Cloud};
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "aws-h100:1");
}

TEST(PlacementFilters, UnschedulableMessageCountsEachPoolOnceInFilterOrder) {
  TestFleet f = ThreeSites();
  api::AIWorkload& w = f.AddWorkload("w");
  w.spec.placement.locations = {api::Location::Edge, api::Location::OnPrem};
  w.spec.accelerators.models = {"H100"};
  w.spec.placement.maxLatencyMs = 8;
  const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
  EXPECT_FALSE(d.placed);
  EXPECT_TRUE(d.placements.empty());
  EXPECT_EQ(d.message,
            "0/3 pools fit: 1 accelerator model mismatch, 1 latency above maxLatencyMs, 1 "
            "location not allowed");
  ASSERT_EQ(d.reasons.size(), 3u);
  EXPECT_EQ(d.fittingPools, 0);
  EXPECT_EQ(d.totalPools, 3);
}

TEST(PlacementFilters, ReasonsSortByCountThenName) {
  TestFleet f = ThreeSites();
  f.AddPool("aws-h100-b", "aws");
  f.AddPool("aws-h100-c", "aws");
  api::AIWorkload& w = f.AddWorkload("w");
  w.spec.placement.locations = {api::Location::Edge};
  w.spec.accelerators.models = {"H100"};
  EXPECT_EQ(DecisionOf(f.Plan(), "w").message,
            "0/5 pools fit: 4 location not allowed, 1 accelerator model mismatch");
}

TEST(PlacementFilters, DataClassificationNeedsAClusterAllowingIt) {
  TestFleet f = ThreeSites();
  f.Cluster("paris").cluster.spec.maxDataClassification = api::DataClassification::Restricted;
  f.AddWorkload("w").spec.placement.dataClassification = api::DataClassification::Restricted;
  f.AddWorkload("public").spec.placement.dataClassification = api::DataClassification::Public;
  f.AddWorkload("nowhere", 1, 1).spec.placement.dataClassification =
      api::DataClassification::Restricted;
  f.Pool("paris-h100").pool.spec.capacity.accelerators = 1;
  const PlacementPlan plan = f.Plan();
  EXPECT_EQ(Shape(DecisionOf(plan, "w")) + Shape(DecisionOf(plan, "nowhere")), "paris-h100:1");
  EXPECT_TRUE(DecisionOf(plan, "public").placed);
  const WorkloadDecision& loser =
      DecisionOf(plan, "nowhere").placed ? DecisionOf(plan, "w") : DecisionOf(plan, "nowhere");
  EXPECT_NE(loser.message.find("2 data classification not allowed"), std::string::npos);
  EXPECT_NE(loser.message.find("1 insufficient accelerators"), std::string::npos);
}

TEST(PlacementFilters, LatencyAtTheLimitIsAllowed) {
  TestFleet f = ThreeSites();
  api::AIWorkload& w = f.AddWorkload("w");
  w.spec.placement.maxLatencyMs = 10;
  w.spec.accelerators.models = {"H100"};
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "paris-h100:1");
}

TEST(PlacementFilters, RegionsRestrictClusters) {
  TestFleet f = ThreeSites();
  f.AddWorkload("w").spec.placement.regions = {"eu-west-1", "us-east-1"};
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "aws-h100:1");
  TestFleet g = ThreeSites();
  g.AddWorkload("w").spec.placement.regions = {"us-east-1"};
  EXPECT_EQ(DecisionOf(g.Plan(), "w").message.rfind("0/3 pools fit: 3 region not allowed", 0), 0u);
}

TEST(PlacementFilters, SelectorOperators) {
  const std::map<std::string, std::string> labels = {{"tier", "gold"}, {"zone", "a"}};
  auto sel = [](std::map<std::string, std::string> ml,
                std::vector<api::LabelSelectorRequirement> ex) {
    api::LabelSelector s;
    s.matchLabels = std::move(ml);
    s.matchExpressions = std::move(ex);
    return s;
  };
  EXPECT_TRUE(SelectorMatches(sel({}, {}), labels));
  EXPECT_TRUE(SelectorMatches(sel({{"tier", "gold"}}, {}), labels));
  EXPECT_FALSE(SelectorMatches(sel({{"tier", "silver"}}, {}), labels));
  EXPECT_FALSE(SelectorMatches(sel({{"missing", "x"}}, {}), labels));
  EXPECT_TRUE(SelectorMatches(sel({}, {{"tier", "In", {"silver", "gold"}}}), labels));
  EXPECT_FALSE(SelectorMatches(sel({}, {{"tier", "In", {"silver"}}}), labels));
  EXPECT_FALSE(SelectorMatches(sel({}, {{"missing", "In", {"x"}}}), labels));
  EXPECT_FALSE(SelectorMatches(sel({}, {{"tier", "NotIn", {"gold"}}}), labels));
  EXPECT_TRUE(SelectorMatches(sel({}, {{"tier", "NotIn", {"silver"}}}), labels));
  EXPECT_TRUE(SelectorMatches(sel({}, {{"missing", "NotIn", {"x"}}}), labels));
  EXPECT_TRUE(SelectorMatches(sel({}, {{"zone", "Exists", {}}}), labels));
  EXPECT_FALSE(SelectorMatches(sel({}, {{"missing", "Exists", {}}}), labels));
  EXPECT_TRUE(SelectorMatches(sel({}, {{"missing", "DoesNotExist", {}}}), labels));
  EXPECT_FALSE(SelectorMatches(sel({}, {{"zone", "DoesNotExist", {}}}), labels));
  EXPECT_FALSE(SelectorMatches(sel({}, {{"zone", "Gt", {"1"}}}), labels));
  // All terms must hold.
  EXPECT_FALSE(SelectorMatches(sel({{"tier", "gold"}}, {{"zone", "DoesNotExist", {}}}), labels));
}

TEST(PlacementFilters, ClusterSelectorUsesMemberClusterLabels) {
  TestFleet f = ThreeSites();
  api::AIWorkload& w = f.AddWorkload("w");
  w.spec.placement.clusterSelector.matchExpressions = {{"gdpr", "Exists", {}}};
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "paris-h100:1");
  TestFleet g = ThreeSites();
  g.AddWorkload("w").spec.placement.clusterSelector.matchLabels = {{"tier", "platinum"}};
  EXPECT_EQ(
      DecisionOf(g.Plan(), "w").message.rfind("0/3 pools fit: 3 cluster selector mismatch", 0), 0u);
}

TEST(PlacementFilters, AcceleratorVendorModelAndMemory) {
  TestFleet f = ThreeSites();
  f.AddPool("aws-mi300", "aws", 8, "3.50", "MI300X", "AMD").spec.accelerator.memoryGiB = 192;
  api::AIWorkload& amd = f.AddWorkload("amd");
  amd.spec.accelerators.vendors = {"AMD"};
  api::AIWorkload& big = f.AddWorkload("big");
  big.spec.accelerators.minMemoryGiB = 100;
  api::AIWorkload& l4 = f.AddWorkload("l4");
  l4.spec.accelerators.models = {"L4", "T4"};
  api::AIWorkload& none = f.AddWorkload("none");
  none.spec.accelerators.vendors = {"Intel"};
  const PlacementPlan plan = f.Plan();
  EXPECT_EQ(Shape(DecisionOf(plan, "amd")), "aws-mi300:1");
  EXPECT_EQ(Shape(DecisionOf(plan, "big")), "aws-mi300:1");
  EXPECT_EQ(Shape(DecisionOf(plan, "l4")), "lyon-l4:1");
  EXPECT_EQ(
      DecisionOf(plan, "none").message.rfind("0/4 pools fit: 4 accelerator vendor mismatch", 0),
      0u);
  TestFleet g = ThreeSites();
  g.AddWorkload("w").spec.accelerators.minMemoryGiB = 81;
  EXPECT_EQ(DecisionOf(g.Plan(), "w")
                .message.rfind("0/3 pools fit: 3 insufficient accelerator memory", 0),
            0u);
}

TEST(PlacementFilters, SpotNeverExcludesSpotPools) {
  TestFleet f;
  f.AddCluster("aws", api::Location::Cloud, "aws", "eu-west-1");
  f.AddPool("spot", "aws", 8, "1.00").spec.pricing.spot = true;
  f.AddWorkload("never").spec.placement.spot = api::SpotPolicy::Never;
  f.AddWorkload("allowed").spec.placement.spot = api::SpotPolicy::Allowed;
  const PlacementPlan plan = f.Plan();
  EXPECT_EQ(DecisionOf(plan, "never").message.rfind("0/1 pools fit: 1 spot not allowed", 0), 0u);
  EXPECT_EQ(Shape(DecisionOf(plan, "allowed")), "spot:1");
}

TEST(PlacementFilters, CapacityComesFromStatusThenSpecThenZero) {
  TestFleet f;
  f.AddCluster("aws", api::Location::Cloud, "aws", "eu-west-1");
  f.AddPool("measured", "aws", 100).status = api::GPUPoolStatus{3, 0, 1, {}};
  f.AddPool("unknown", "aws", 0).spec.capacity.accelerators.reset();
  f.AddWorkload("w", 4);
  const PlacementPlan plan = f.Plan();
  EXPECT_FALSE(DecisionOf(plan, "w").placed);
  EXPECT_EQ(testing::PoolOf(plan, "measured").capacity, 3);
  EXPECT_EQ(testing::PoolOf(plan, "unknown").capacity, 0);
  EXPECT_EQ(DecisionOf(plan, "w").message.rfind("1/2 pools fit: 1 insufficient accelerators", 0),
            0u);
}

TEST(PlacementFilters, FreeCapacityCountsEarlierPlacementsAndReservations) {
  TestFleet f;
  f.AddCluster("aws", api::Location::Cloud, "aws", "eu-west-1");
  f.AddPool("p", "aws", 10);
  f.Pool("p").reservedAccelerators = 2;
  f.AddWorkload("a", 3, 2);  // 6
  f.AddWorkload("b", 1, 2);  // 2 -> 10 used
  f.AddWorkload("c", 1, 1);  // nothing left
  const PlacementPlan plan = f.Plan();
  EXPECT_TRUE(DecisionOf(plan, "a").placed);
  EXPECT_TRUE(DecisionOf(plan, "b").placed);
  EXPECT_FALSE(DecisionOf(plan, "c").placed);
  EXPECT_EQ(testing::PoolOf(plan, "p").allocated, 10);
}

TEST(PlacementFilters, PoolsOfAnUnknownClusterNeverFit) {
  TestFleet f;
  f.AddPool("orphan", "gone");
  f.AddWorkload("w");
  EXPECT_EQ(DecisionOf(f.Plan(), "w").message.rfind("0/1 pools fit: 1 cluster not found", 0), 0u);
}

TEST(PlacementFilters, NoScheduleTaintStopsNewPlacementsButKeepsCurrentOnes) {
  TestFleet f = ThreeSites();
  f.Cluster("paris").cluster.spec.taints = {{"maintenance", "", api::TaintEffect::NoSchedule}};
  api::AIWorkload& kept = f.AddWorkload("kept");
  kept.spec.accelerators.models = {"H100"};
  kept.status.placements = {{"paris", "paris-h100", 1, 1, api::Role::Active, {}, 0, 0}};
  api::AIWorkload& fresh = f.AddWorkload("fresh");
  fresh.spec.placement.locations = {api::Location::OnPrem};
  const PlacementPlan plan = f.Plan();
  EXPECT_TRUE(DecisionOf(plan, "kept").kept);
  EXPECT_EQ(Shape(DecisionOf(plan, "kept")), "paris-h100:1");
  EXPECT_EQ(
      DecisionOf(plan, "fresh")
          .message.rfind("0/3 pools fit: 2 location not allowed, 1 cluster tainted NoSchedule", 0),
      0u);
}

TEST(PlacementFilters, NoExecuteTaintEvacuates) {
  TestFleet f = ThreeSites();
  f.Cluster("paris").cluster.spec.taints = {{"drain", "", api::TaintEffect::NoExecute}};
  api::AIWorkload& w = f.AddWorkload("w");
  w.spec.accelerators.models = {"H100"};
  w.status.placements = {{"paris", "paris-h100", 1, 1, api::Role::Active, {}, 0, 0}};
  const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
  EXPECT_FALSE(d.kept);
  EXPECT_EQ(Shape(d), "aws-h100:1");
}

TEST(PlacementFilters, ReadinessFromConditionsOrFromTheCaller) {
  TestFleet f = ThreeSites();
  f.Cluster("paris").cluster.status.conditions = {{"Ready", "False", 0, "", "Unreachable", ""}};
  f.Cluster("aws").cluster.status.conditions = {{"Ready", "Unknown", 0, "", "", ""}};
  api::AIWorkload& w = f.AddWorkload("w");
  w.spec.accelerators.models = {"H100"};
  // paris is cheaper but not ready; Unknown counts as ready.
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "aws-h100:1");
  f.Cluster("aws").ready = false;
  f.Cluster("paris").ready = true;
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "paris-h100:1");
  f.Cluster("paris").ready = false;
  EXPECT_EQ(
      DecisionOf(f.Plan(), "w")
          .message.rfind("0/3 pools fit: 2 cluster not ready, 1 accelerator model mismatch", 0),
      0u);
}

TEST(PlacementFilters, NotReadyKeepsCurrentPlacementsUntilTheCallerSaysFailed) {
  TestFleet f = ThreeSites();
  f.Pool("paris-h100").ready = false;
  api::AIWorkload& w = f.AddWorkload("w");
  w.spec.accelerators.models = {"H100"};
  w.status.placements = {{"paris", "paris-h100", 1, 1, api::Role::Active, {}, 0, 0}};
  EXPECT_TRUE(DecisionOf(f.Plan(), "w").kept);
  f.Pool("paris-h100").failed = true;
  EXPECT_EQ(Shape(DecisionOf(f.Plan(), "w")), "aws-h100:1");
  f.Pool("paris-h100").failed = false;
  f.Cluster("paris").failed = true;
  const WorkloadDecision& d = DecisionOf(f.Plan(), "w");
  EXPECT_FALSE(d.kept);
  EXPECT_EQ(Shape(d), "aws-h100:1");
}

TEST(PlacementFilters, PoolReadinessAndFailureReasons) {
  TestFleet f = ThreeSites();
  f.Pool("paris-h100").pool.status =
      api::GPUPoolStatus{8, 0, 0, {{"Ready", "False", 0, "", "NoNodes", ""}}};
  f.Pool("aws-h100").failed = true;
  f.AddWorkload("w").spec.accelerators.models = {"H100"};
  EXPECT_EQ(
      DecisionOf(f.Plan(), "w")
          .message.rfind(
              "0/3 pools fit: 1 accelerator model mismatch, 1 pool failed, 1 pool not ready", 0),
      0u);
}

}  // namespace
}  // namespace hybridai
