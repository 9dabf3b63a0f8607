// Validation rules of core/validation.h, one test per rule family, on typed objects.
#include "core/validation.h"

#include <gtest/gtest.h>

namespace hybridai {
namespace {

using namespace api;

Decimal D(std::string_view s) {
  return *Decimal::Parse(s);
}

std::string All(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) out += d.ToString() + "\n";
  return out;
}

MemberCluster GoodCluster() {
  MemberCluster mc;
  mc.metadata.name = "aws-eu";
  mc.spec.provider = "aws";
  return mc;
}

GPUPool GoodPool() {
  GPUPool gp;
  gp.metadata.name = "aws-eu-h100";
  gp.spec.cluster = "aws-eu";
  gp.spec.accelerator = {"NVIDIA", "H100", 80, "nvidia.com/gpu"};
  gp.spec.pricing.acceleratorHour = D("4.10");
  gp.spec.power.acceleratorWatts = 700;
  return gp;
}

AIWorkload GoodWorkload() {
  AIWorkload w;
  w.metadata.name = "llama";
  w.metadata.namespace_ = "team-a";
  return w;
}

Budget GoodBudget() {
  Budget b;
  b.metadata.name = "vision";
  b.metadata.namespace_ = "team-a";
  b.spec.limits.cost = D("100");
  return b;
}

TEST(ValidationTest, GoodObjectsPass) {
  EXPECT_TRUE(Validate(GoodCluster()).empty()) << All(Validate(GoodCluster()));
  EXPECT_TRUE(Validate(GoodPool()).empty()) << All(Validate(GoodPool()));
  EXPECT_TRUE(Validate(GoodWorkload()).empty()) << All(Validate(GoodWorkload()));
  EXPECT_TRUE(Validate(GoodBudget()).empty()) << All(Validate(GoodBudget()));
}

TEST(ValidationTest, NamesAndNamespaces) {
  auto mc = GoodCluster();
  mc.metadata.name = "";
  mc.metadata.namespace_ = "x";
  EXPECT_EQ(All(Validate(mc)),
            "x/: metadata.name: required\n"
            "x/: metadata.namespace: must be empty: MemberCluster is cluster-scoped, got \"x\"\n");
  auto w = GoodWorkload();
  w.metadata.namespace_ = "";
  EXPECT_EQ(All(Validate(w)), "llama: metadata.namespace: required\n");
  w.metadata.namespace_ = "Team.A";
  EXPECT_NE(All(Validate(w)).find("must be a DNS-1123 label"), std::string::npos);
}

TEST(ValidationTest, NameSyntax) {
  EXPECT_TRUE(IsDns1123Subdomain("a"));
  EXPECT_TRUE(IsDns1123Subdomain("aws-eu.h100-1"));
  EXPECT_TRUE(IsDns1123Subdomain(std::string(253, 'a')));
  EXPECT_FALSE(IsDns1123Subdomain(std::string(254, 'a')));
  for (const char* bad : {"", "A", "-a", "a-", "a..b", ".a", "a.", "a_b", "a b"}) {
    EXPECT_FALSE(IsDns1123Subdomain(bad)) << bad;
  }
  EXPECT_TRUE(IsDns1123Label("team-a"));
  EXPECT_FALSE(IsDns1123Label("team.a"));
  EXPECT_FALSE(IsDns1123Label(std::string(64, 'a')));
}

TEST(ValidationTest, LabelKeysAndValues) {
  for (const char* good : {"team", "costCenter", "hybridai.io/team", "a_b.c-d", "A9",
                           "node.kubernetes.io/instance-type"}) {
    EXPECT_TRUE(IsLabelKey(good)) << good;
  }
  for (const char* bad :
       {"", "/team", "team/", "-team", "team-", "a b", "Hybridai.IO/x", "a/b/c", "t@m"}) {
    EXPECT_FALSE(IsLabelKey(bad)) << bad;
  }
  EXPECT_TRUE(IsLabelKey(std::string(63, 'k')));
  EXPECT_FALSE(IsLabelKey(std::string(64, 'k')));
  EXPECT_TRUE(IsLabelValue(""));
  EXPECT_TRUE(IsLabelValue("cc-1234"));
  EXPECT_FALSE(IsLabelValue("vision team"));
  EXPECT_FALSE(IsLabelValue(std::string(64, 'v')));

  auto w = GoodWorkload();
  w.spec.tags = {{"team/", "x"}, {"ok", "not ok"}};
  std::string all = All(Validate(w));
  EXPECT_NE(all.find("spec.tags: key \"team/\" is not a valid label key"), std::string::npos)
      << all;
  EXPECT_NE(all.find("spec.tags[ok]: must be a valid label value"), std::string::npos) << all;

  auto b = GoodBudget();
  b.spec.selector.tags = {{"bad key", "v"}};
  EXPECT_NE(All(Validate(b)).find("spec.selector.tags: key \"bad key\""), std::string::npos);
}

TEST(ValidationTest, NegativeCountsAndRanges) {
  auto mc = GoodCluster();
  mc.spec.latencyMs = -1;
  mc.spec.carbonIntensity = -2;
  mc.spec.pue = D("0.99");
  EXPECT_EQ(All(Validate(mc)),
            "aws-eu: spec.latencyMs: must be >= 0, got -1\n"
            "aws-eu: spec.carbonIntensity: must be >= 0, got -2\n"
            "aws-eu: spec.pue: must be >= 1, got 0.99\n");

  auto gp = GoodPool();
  gp.spec.accelerator.memoryGiB = 0;
  gp.spec.capacity.accelerators = -1;
  gp.spec.power = {-700, -1};
  gp.spec.carbonIntensity = -3;
  gp.spec.pue = D("0.5");
  std::string all = All(Validate(gp));
  for (const char* want :
       {"spec.accelerator.memoryGiB: must be >= 1, got 0",
        "spec.capacity.accelerators: must be "
        ">= 0, got -1",
        "spec.power.acceleratorWatts: must be >= 0, got -700",
        "spec.power.idleWatts: must be >= 0, got -1", "spec.carbonIntensity: must be >= 0, got -3",
        "spec.pue: must be >= 1, got 0.5"}) {
    EXPECT_NE(all.find(want), std::string::npos) << want << "\n" << all;
  }

  auto w = GoodWorkload();
  w.spec.replicas = -3;
  w.spec.accelerators.count = 0;
  w.spec.accelerators.minMemoryGiB = -1;
  w.spec.placement.maxLatencyMs = -1;
  w.spec.limits.maxPowerWatts = -1;
  w.spec.redundancy.failoverAfterSeconds = -1;
  w.spec.priority = int64_t{1} << 31;
  EXPECT_EQ(Validate(w).size(), 7u) << All(Validate(w));
  EXPECT_NE(All(Validate(w)).find("team-a/llama: spec.replicas: must be >= 0, got -3"),
            std::string::npos);
  w = GoodWorkload();
  w.spec.priority = INT32_MIN;
  EXPECT_TRUE(Validate(w).empty());

  auto b = GoodBudget();
  b.spec.limits.powerWatts = -5;
  b.spec.warnAtPercent = 101;
  EXPECT_EQ(All(Validate(b)),
            "team-a/vision: spec.limits.powerWatts: must be >= 0, got -5\n"
            "team-a/vision: spec.warnAtPercent: must be between 1 and 100, got 101\n");
}

TEST(ValidationTest, RequiredStrings) {
  MemberCluster mc;
  mc.metadata.name = "x";
  mc.spec.kubeconfigSecretRef = SecretKeyRef{"", "", ""};
  EXPECT_EQ(All(Validate(mc)),
            "x: spec.provider: required\n"
            "x: spec.kubeconfigSecretRef.name: required\n"
            "x: spec.kubeconfigSecretRef.key: required\n");
  GPUPool gp;
  gp.metadata.name = "p";
  gp.spec.accelerator.memoryGiB = 1;
  std::string all = All(Validate(gp));
  for (const char* want :
       {"spec.cluster: required", "spec.accelerator.vendor: required",
        "spec.accelerator.model: required", "spec.accelerator.resourceName: required"}) {
    EXPECT_NE(all.find(want), std::string::npos) << want << "\n" << all;
  }
}

TEST(ValidationTest, PoolFormats) {
  auto gp = GoodPool();
  gp.spec.pricing.currency = "usd";
  gp.spec.accelerator.resourceName = "nvidia.com/";
  gp.spec.nodeSelector = {{"pool", "a b"}};
  gp.spec.tolerations = {{"k", "Matches", "", "Sometimes", std::nullopt}};
  std::string all = All(Validate(gp));
  for (const char* want : {"spec.pricing.currency: must be three capital letters",
                           "spec.accelerator.resourceName: must be a qualified name",
                           "spec.nodeSelector[pool]: must be a valid label value",
                           "spec.tolerations[0].operator: must be one of Exists, Equal",
                           "spec.tolerations[0].effect: must be one of NoSchedule"}) {
    EXPECT_NE(all.find(want), std::string::npos) << want << "\n" << all;
  }
  EXPECT_TRUE(IsCurrencyCode("EUR"));
  EXPECT_FALSE(IsCurrencyCode("EURO"));
  EXPECT_FALSE(IsCurrencyCode("Eu1"));
}

TEST(ValidationTest, ClusterSelector) {
  auto w = GoodWorkload();
  w.spec.placement.clusterSelector.matchExpressions = {{"tier", "Like", {}}, {"", "In", {"a"}}};
  std::string all = All(Validate(w));
  EXPECT_NE(all.find("matchExpressions[0].operator: must be one of In, NotIn, Exists, "
                     "DoesNotExist, got \"Like\""),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("matchExpressions[1].key: must be a valid label key"), std::string::npos);
}

TEST(ValidationTest, PlacementTiersAndFailback) {
  auto w = GoodWorkload();
  w.spec.placement.failback.mode = FailbackMode::WhenRoomReturns;
  EXPECT_EQ(All(Validate(w)),
            "team-a/llama: spec.placement.failback.mode: WhenRoomReturns needs "
            "spec.placement.tiers (there is no preferred tier to return to)\n");
  PlacementTier t;
  t.locations = {Location::OnPrem};
  w.spec.placement.tiers = {t};
  EXPECT_TRUE(Validate(w).empty()) << All(Validate(w));

  w.spec.placement.failback.afterSeconds = -1;
  w.spec.placement.tiers[0].maxLatencyMs = -3;
  w.spec.placement.tiers[0].clusterSelector.matchExpressions = {{"zone", "Near", {}}};
  std::string all = All(Validate(w));
  EXPECT_NE(all.find("spec.placement.failback.afterSeconds: must be >= 0"), std::string::npos)
      << all;
  EXPECT_NE(all.find("spec.placement.tiers[0].maxLatencyMs: must be >= 0"), std::string::npos)
      << all;
  EXPECT_NE(all.find("spec.placement.tiers[0].clusterSelector.matchExpressions[0].operator"),
            std::string::npos)
      << all;

  w = GoodWorkload();
  w.spec.placement.tiers.assign(kMaxPlacementTiers + 1, t);
  EXPECT_EQ(All(Validate(w)),
            "team-a/llama: spec.placement.tiers: must have at most 8 items, got 9\n");
}

TEST(ValidationTest, CelCrossFieldRules) {
  auto w = GoodWorkload();
  w.spec.replicas = 4;
  w.spec.redundancy.mode = RedundancyMode::Spread;
  w.spec.redundancy.minDomains = 1;
  EXPECT_EQ(All(Validate(w)),
            "team-a/llama: spec.redundancy.minDomains: must be >= 2 when mode is Spread, got 1\n");
  w.spec.redundancy.mode = RedundancyMode::ActivePassive;
  EXPECT_EQ(All(Validate(w)),
            "team-a/llama: spec.redundancy.minDomains: must be >= 2 when mode "
            "is ActivePassive, got 1\n");
  w.spec.redundancy.mode = RedundancyMode::None;
  EXPECT_TRUE(Validate(w).empty()) << "minDomains only matters with redundancy";

  w.spec.redundancy = {RedundancyMode::Spread, TopologyKey::Provider, 3, 60};
  w.spec.replicas = 2;
  EXPECT_EQ(All(Validate(w)),
            "team-a/llama: spec.replicas: must be >= minDomains (3) when "
            "redundancy.mode is Spread, got 2\n");
  w.spec.replicas = 3;
  EXPECT_TRUE(Validate(w).empty());

  w.spec.type = WorkloadType::Training;
  EXPECT_EQ(All(Validate(w)),
            "team-a/llama: spec.redundancy.mode: Training cannot use Spread (a gang lives in one "
            "pool); use ActivePassive for a standby gang\n");
  w.spec.redundancy.mode = RedundancyMode::ActivePassive;
  EXPECT_TRUE(Validate(w).empty());

  auto b = GoodBudget();
  b.spec.limits = {};
  EXPECT_EQ(All(Validate(b)),
            "team-a/vision: spec.limits: must set at least one of powerWatts, "
            "energyKWh, carbonKg, cost\n");
  b.spec.limits.powerWatts = 0;
  EXPECT_TRUE(Validate(b).empty()) << "a zero limit is still a limit";
}

}  // namespace
}  // namespace hybridai
