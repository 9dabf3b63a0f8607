// The sample fleet in manifests/samples/: every file documented and valid, the pools matching
// the e2e fleet's nodes, and each workload landing where its file says it should.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "cli/plan_command.h"
#include "core/enums.h"
#include "core/manifest_loader.h"
#include "core/placement_engine.h"

namespace hybridai {
namespace {

namespace fs = std::filesystem;

const fs::path kSamples = fs::path(HYBRIDAI_SOURCE_DIR) / "manifests" / "samples";

class SamplesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    loaded_ = new LoadResult(LoadManifests({kSamples.string()}));
    input_ = new PlacementInput(PlacementInputFromManifests(loaded_->manifests));
    plan_ = new PlacementPlan(PlanPlacements(*input_));
  }
  static void TearDownTestSuite() {
    delete plan_;
    delete input_;
    delete loaded_;
  }

  static const WorkloadDecision& Decision(const std::string& ns, const std::string& name) {
    const WorkloadDecision* d = plan_->Find(ns, name);
    if (d == nullptr) {
      static WorkloadDecision missing;
      ADD_FAILURE() << "no decision for " << ns << "/" << name;
      return missing;
    }
    return *d;
  }
  static const api::MemberCluster& Cluster(const std::string& name) {
    for (const auto& c : input_->clusters) {
      if (c.cluster.metadata.name == name) return c.cluster;
    }
    static api::MemberCluster missing;
    ADD_FAILURE() << "no cluster " << name;
    return missing;
  }
  static const api::GPUPool& Pool(const std::string& name) {
    for (const auto& p : input_->pools) {
      if (p.pool.metadata.name == name) return p.pool;
    }
    static api::GPUPool missing;
    ADD_FAILURE() << "no pool " << name;
    return missing;
  }
  static std::set<std::string> Clusters(const WorkloadDecision& d, api::Role role) {
    std::set<std::string> out;
    for (const auto& p : d.placements) {
      if (p.role == role) out.insert(p.cluster);
    }
    return out;
  }
  static std::set<std::string> Pools(const WorkloadDecision& d) {
    std::set<std::string> out;
    for (const auto& p : d.placements) out.insert(p.pool);
    return out;
  }

  static LoadResult* loaded_;
  static PlacementInput* input_;
  static PlacementPlan* plan_;
};

LoadResult* SamplesTest::loaded_ = nullptr;
PlacementInput* SamplesTest::input_ = nullptr;
PlacementPlan* SamplesTest::plan_ = nullptr;

TEST_F(SamplesTest, LoadWithoutErrorsOrWarnings) {
  for (const auto& d : loaded_->diagnostics) ADD_FAILURE() << d.ToString();
  EXPECT_EQ(loaded_->manifests.clusters.size(), 4u);
  EXPECT_EQ(loaded_->manifests.pools.size(), 7u);
  EXPECT_EQ(loaded_->manifests.budgets.size(), 2u);
  EXPECT_EQ(loaded_->manifests.workloads.size(), 10u);
  // Only the three Namespaces are skipped.
  EXPECT_EQ(loaded_->notes.size(), 3u);
}

TEST_F(SamplesTest, EveryFileOpensWithAComment) {
  int files = 0;
  for (const auto& e : fs::directory_iterator(kSamples)) {
    if (e.path().extension() != ".yaml") continue;
    ++files;
    std::ifstream in(e.path());
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first.rfind("# ", 0), 0u) << e.path().filename() << " starts with: " << first;
  }
  EXPECT_EQ(files, 14);
  EXPECT_TRUE(fs::exists(kSamples / "README.md"));
}

TEST_F(SamplesTest, EveryWorkloadIsTaggedWithTeamAndCostCenter) {
  for (const auto& w : loaded_->manifests.workloads) {
    const auto& tags = w.object.spec.tags;
    EXPECT_TRUE(tags.count("team")) << w.source.ToString();
    EXPECT_TRUE(tags.count("costCenter")) << w.source.ToString();
    EXPECT_EQ("team-" + tags.at("team"), w.object.metadata.namespace_) << w.source.ToString();
    EXPECT_FALSE(w.object.spec.tmpl.empty()) << w.source.ToString();
  }
}

// Every pool's capacity is exactly what the e2e fleet's nodes of its instance type hold.
TEST_F(SamplesTest, PoolsMatchTheTestFleetNodes) {
  const YAML::Node fleet =
      YAML::LoadFile((fs::path(HYBRIDAI_SOURCE_DIR) / "e2e" / "fleet" / "default.yaml").string());
  std::map<std::string, std::map<std::string, int64_t>> by_instance_type;  // type -> res -> n
  for (const auto& cluster : fleet["clusters"]) {
    for (const auto& group : cluster["nodeGroups"]) {
      const int64_t count = group["count"].as<int64_t>();
      for (const auto& res : group["capacity"]) {
        const std::string name = res.first.as<std::string>();
        if (name.find(".com/gpu") == std::string::npos) continue;
        by_instance_type[group["instanceType"].as<std::string>()][name] +=
            count * res.second.as<int64_t>();
      }
    }
  }
  ASSERT_EQ(by_instance_type.size(), input_->pools.size());
  for (const auto& p : input_->pools) {
    const auto& spec = p.pool.spec;
    const std::string type = spec.nodeSelector.at("node.kubernetes.io/instance-type");
    ASSERT_TRUE(by_instance_type.count(type)) << p.pool.metadata.name << ": " << type;
    EXPECT_EQ(by_instance_type[type][spec.accelerator.resourceName], spec.capacity.accelerators)
        << p.pool.metadata.name;
  }
}

TEST_F(SamplesTest, EverythingIsPlacedWithinCapacityAndBudgets) {
  for (const auto& d : plan_->decisions) {
    EXPECT_TRUE(d.placed) << d.namespace_ << "/" << d.name << ": " << d.message;
  }
  int64_t allocated = 0, capacity = 0;
  for (const auto& p : plan_->pools) {
    EXPECT_LE(p.allocated, p.capacity) << p.name;
    allocated += p.allocated;
    capacity += p.capacity;
  }
  EXPECT_EQ(capacity, 84);
  EXPECT_LE(allocated * 2, capacity) << "the samples should leave room to try more";
  ASSERT_EQ(plan_->budgets.size(), 2u);
  for (const auto& b : plan_->budgets) {
    EXPECT_EQ(b.state, BudgetState::Ok) << b.namespace_ << "/" << b.name << ": " << b.message;
  }
}

TEST_F(SamplesTest, CostObjectivePicksTheCheapestNonSpotPool) {
  EXPECT_EQ(Pools(Decision("team-nlp", "chat-small")), std::set<std::string>{"gcp-l4"});
}

TEST_F(SamplesTest, LatencyBoundInferenceRunsAtTheEdge) {
  EXPECT_EQ(Clusters(Decision("team-vision", "defect-detector"), api::Role::Active),
            std::set<std::string>{"edge-lyon"});
}

TEST_F(SamplesTest, SpreadCoversTwoProviders) {
  const auto& d = Decision("team-nlp", "assistant");
  std::set<std::string> providers;
  int64_t replicas = 0;
  for (const auto& p : d.placements) {
    providers.insert(Cluster(p.cluster).spec.provider);
    replicas += p.replicas;
  }
  EXPECT_GE(providers.size(), 2u);
  EXPECT_EQ(replicas, 4);
}

TEST_F(SamplesTest, ActivePassiveKeepsAStandbyInAnotherCluster) {
  const auto& d = Decision("team-vision", "image-search");
  const auto active = Clusters(d, api::Role::Active);
  const auto standby = Clusters(d, api::Role::Standby);
  ASSERT_EQ(active.size(), 1u);
  ASSERT_EQ(standby.size(), 1u);
  EXPECT_NE(*active.begin(), *standby.begin());
}

TEST_F(SamplesTest, TrainingGangLandsInOnePool) {
  const auto& d = Decision("team-vision", "vlm-finetune");
  ASSERT_EQ(d.placements.size(), 1u);
  EXPECT_EQ(d.placements[0].replicas, 2);
  EXPECT_EQ(d.placements[0].accelerators, 8);
  const std::string model = Pool(d.placements[0].pool).spec.accelerator.model;
  EXPECT_TRUE(model == "H100" || model == "MI300X") << model;
}

TEST_F(SamplesTest, SpotPreferredBatchLandsOnSpot) {
  EXPECT_EQ(Pools(Decision("team-nlp", "transcribe-calls")),
            std::set<std::string>{"aws-a10g-spot"});
}

TEST_F(SamplesTest, RestrictedDataStaysOnPrem) {
  EXPECT_EQ(Clusters(Decision("team-nlp", "records-summarizer"), api::Role::Active),
            std::set<std::string>{"dc-paris"});
}

TEST_F(SamplesTest, CarbonObjectivePicksTheLowCarbonGrid) {
  EXPECT_EQ(Clusters(Decision("team-vision", "catalogue-embeddings"), api::Role::Active),
            std::set<std::string>{"dc-paris"});
}

TEST_F(SamplesTest, ClusterSelectorKeepsToSovereignNonEdgeClusters) {
  const auto& d = Decision("team-nlp", "eu-contracts-qa");
  ASSERT_FALSE(d.placements.empty());
  for (const auto& p : d.placements) {
    const auto& labels = Cluster(p.cluster).metadata.labels;
    EXPECT_EQ(labels.at("hybridai.io/sovereign"), "true") << p.cluster;
    EXPECT_NE(labels.at("hybridai.io/tier"), "edge") << p.cluster;
  }
}

TEST_F(SamplesTest, LimitsAreHonoured) {
  const auto& d = Decision("team-nlp", "research-sandbox");
  EXPECT_LE(d.powerWatts, 2000);
  EXPECT_LE(d.hourlyCost, *Decimal::Parse("4.00"));
  for (const auto& p : d.placements) {
    EXPECT_NE(Pool(p.pool).spec.accelerator.model, "H100") << p.pool;
  }
}

}  // namespace
}  // namespace hybridai
