// `kubectl hybrid plan` end to end, in-process through RunKubectlHybrid (and once through the
// built binary): exit codes, stdin, notes for foreign kinds, every error reported, output
// formats, usage errors.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "cli/kubectl_hybrid.h"
#include "plan_runner.h"
#include "support/temp_dir.h"

namespace hybridai::cli {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

const std::string kSamples = std::string(HYBRIDAI_SOURCE_DIR) + "/manifests/samples";

// One cluster, one 8-accelerator pool at 2.00/h and 500 W.
constexpr const char* kFleet = R"(apiVersion: hybridai.io/v1alpha1
kind: MemberCluster
metadata: {name: lab}
spec: {location: OnPrem, provider: lab, region: eu-west-3, maxDataClassification: Restricted,
       latencyMs: 5, carbonIntensity: 100, pue: "1.0"}
---
apiVersion: hybridai.io/v1alpha1
kind: GPUPool
metadata: {name: lab-h100}
spec:
  cluster: lab
  accelerator: {vendor: NVIDIA, model: H100, memoryGiB: 80, resourceName: nvidia.com/gpu}
  capacity: {accelerators: 8}
  pricing: {acceleratorHour: "2.00"}
  power: {acceleratorWatts: 500}
)";

std::string Workload(const std::string& name, int replicas, int count,
                     const std::string& extra = "") {
  return "apiVersion: hybridai.io/v1alpha1\nkind: AIWorkload\nmetadata: {name: " + name +
         ", namespace: team-a}\nspec:\n  type: Inference\n  replicas: " + std::to_string(replicas) +
         "\n  accelerators: {count: " + std::to_string(count) +
         "}\n  tags: {team: a}\n  template: {spec: {containers: [{name: c, image: x}]}}\n" + extra;
}

std::string Budget(const std::string& enforcement, const std::string& cost) {
  return "apiVersion: hybridai.io/v1alpha1\nkind: Budget\nmetadata: {name: team-a, namespace: "
         "team-a}\nspec:\n  selector: {tags: {team: a}}\n  period: Monthly\n  limits: {cost: \"" +
         cost + "\"}\n  enforcement: " + enforcement + "\n";
}

TEST(PlanCommand, SamplesPlaceEverythingAndExitZero) {
  const Outcome r = Plan({"plan", "-f", kSamples, "-o", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["workloads"].size(), 10u);
  for (const auto& w : j["workloads"]) {
    EXPECT_TRUE(w["placed"].get<bool>()) << w.dump();
    EXPECT_FALSE(w["placements"].empty()) << w.dump();
    EXPECT_TRUE(w["reasons"].empty()) << w.dump();
    EXPECT_TRUE(w["hourlyCost"].is_string());
    EXPECT_NE(w["hourlyCost"].get<std::string>().find('.'), std::string::npos);
  }
  ASSERT_EQ(j["budgets"].size(), 2u);
  for (const auto& b : j["budgets"]) EXPECT_NE(b["verdict"], "Exceeded") << b.dump();
  EXPECT_EQ(j["pools"].size(), 7u);
  // The Namespace documents are skipped, each with a note.
  EXPECT_NE(r.err.find("skipping v1 Namespace \"team-vision\""), std::string::npos) << r.err;
}

TEST(PlanCommand, SamplesTableReadsWell) {
  const Outcome r = Plan({"plan", "-f", kSamples});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out.rfind("WORKLOAD", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("team-vision/defect-detector"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("edge-lyon/edge-lyon-l4 x2, Active"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("BUDGET"), std::string::npos);
  EXPECT_NE(r.out.find("POOL"), std::string::npos);
  EXPECT_EQ(r.out.find("why "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\033'), std::string::npos);
}

TEST(PlanCommand, UnschedulableWorkloadExitsOneWithReasons) {
  TempDir dir;
  dir.Write("fleet.yaml", kFleet);
  dir.Write("w.yaml", Workload("fits", 2, 1) + "---\n" + Workload("too-big", 3, 4));
  const Outcome json = Plan({"plan", "-f", dir.path(), "-o", "json"});
  EXPECT_EQ(json.code, kExitPlanFailed) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["workloads"].size(), 2u);
  const auto& fits = j["workloads"][0];
  const auto& big = j["workloads"][1];
  EXPECT_EQ(fits["name"], "fits");
  EXPECT_TRUE(fits["placed"].get<bool>());
  EXPECT_EQ(big["name"], "too-big");
  EXPECT_FALSE(big["placed"].get<bool>());
  EXPECT_TRUE(big["placements"].empty());
  ASSERT_FALSE(big["reasons"].empty());
  EXPECT_NE(big["reasons"].dump().find("insufficient accelerators"), std::string::npos)
      << big.dump();

  const Outcome table = Plan({"plan", "-f", dir.path()});
  EXPECT_EQ(table.code, kExitPlanFailed);
  EXPECT_NE(table.out.find("why team-a/too-big is unschedulable: "), std::string::npos)
      << table.out;
}

// A cloud cluster beside the lab: 16 accelerators at 4.00/h.
constexpr const char* kCloud = R"(apiVersion: hybridai.io/v1alpha1
kind: MemberCluster
metadata: {name: aws-eu}
spec: {location: Cloud, provider: aws, region: eu-west-1, maxDataClassification: Restricted,
       latencyMs: 30, carbonIntensity: 300, pue: "1.2"}
---
apiVersion: hybridai.io/v1alpha1
kind: GPUPool
metadata: {name: aws-h100}
spec:
  cluster: aws-eu
  accelerator: {vendor: NVIDIA, model: H100, memoryGiB: 80, resourceName: nvidia.com/gpu}
  capacity: {accelerators: 16}
  pricing: {acceleratorHour: "4.00"}
  power: {acceleratorWatts: 700}
)";

constexpr const char* kTiers = R"(  placement:
    tiers:
    - {locations: [OnPrem]}
    - {locations: [Cloud]}
    failback: {mode: WhenRoomReturns, afterSeconds: 60}
)";

TEST(PlanCommand, TiersShowTheSplitAndTheTierOfEachPlacement) {
  TempDir dir;
  dir.Write("fleet.yaml", std::string(kFleet) + "---\n" + kCloud);
  // The on-prem pool is nearly full: a higher-priority workload holds 6 of its 8.
  dir.Write("w.yaml", Workload("filler", 6, 1, "  priority: 100\n") + "---\n" +
                          Workload("chat", 6, 1, kTiers));
  const Outcome r = Plan({"plan", "-f", dir.path(), "-o", "json"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& chat = j["workloads"][0];
  ASSERT_EQ(chat["name"], "chat");
  ASSERT_EQ(chat["placements"].size(), 2u) << chat.dump();
  // Placements are listed by cluster, then pool.
  EXPECT_EQ(chat["placements"][0]["pool"], "aws-h100");
  EXPECT_EQ(chat["placements"][0]["replicas"], 4);
  EXPECT_EQ(chat["placements"][0]["tier"], 1);
  EXPECT_EQ(chat["placements"][1]["pool"], "lab-h100");
  EXPECT_EQ(chat["placements"][1]["replicas"], 2);
  EXPECT_EQ(chat["placements"][1]["tier"], 0);
  EXPECT_FALSE(j["workloads"][1]["placements"][0].contains("tier"));  // filler has no tiers

  const Outcome table = Plan({"plan", "-f", dir.path()});
  EXPECT_NE(table.out.find("lab/lab-h100 x2, Active, tier 0"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("aws-eu/aws-h100 x4, Active, tier 1"), std::string::npos) << table.out;

  // Room returns at home: every replica there.
  dir.Write("w.yaml", Workload("chat", 6, 1, kTiers));
  const auto home = nlohmann::json::parse(Plan({"plan", "-f", dir.path(), "-o", "json"}).out);
  ASSERT_EQ(home["workloads"][0]["placements"].size(), 1u);
  EXPECT_EQ(home["workloads"][0]["placements"][0]["pool"], "lab-h100");
  EXPECT_EQ(home["workloads"][0]["placements"][0]["replicas"], 6);
}

TEST(PlanCommand, DenyBudgetRefusesThePlacementAndExitsOne) {
  TempDir dir;
  dir.Write("fleet.yaml", kFleet);
  // 2 accelerators x 2.00/h x 720 h = 2880.00 a month, over 1000.00.
  dir.Write("w.yaml", Workload("llama", 2, 1) + "---\n" + Budget("Deny", "1000.00"));
  const Outcome r = Plan({"plan", "-f", dir.path(), "-o", "json"});
  EXPECT_EQ(r.code, kExitPlanFailed) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  const auto& w = j["workloads"][0];
  EXPECT_FALSE(w["placed"].get<bool>());
  ASSERT_FALSE(w["reasons"].empty());
  EXPECT_NE(w["reasons"].dump().find("budget team-a/team-a"), std::string::npos) << w.dump();
}

TEST(PlanCommand, ExceededWarnBudgetExitsOneButPlaces) {
  TempDir dir;
  dir.Write("fleet.yaml", kFleet);
  dir.Write("w.yaml", Workload("llama", 2, 1) + "---\n" + Budget("Warn", "1000.00"));
  const Outcome r = Plan({"plan", "-f", dir.path(), "-o", "json"});
  EXPECT_EQ(r.code, kExitPlanFailed) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["workloads"][0]["placed"].get<bool>());
  ASSERT_EQ(j["budgets"].size(), 1u);
  EXPECT_EQ(j["budgets"][0]["verdict"], "Exceeded");
  EXPECT_EQ(j["budgets"][0]["usage"]["cost"], "2880.00");
  EXPECT_EQ(j["budgets"][0]["usage"]["powerWatts"], 1000);

  const Outcome table = Plan({"plan", "-f", dir.path()});
  EXPECT_EQ(table.code, kExitPlanFailed);
  EXPECT_NE(table.out.find("budget team-a/team-a (Exceeded): "), std::string::npos) << table.out;
}

TEST(PlanCommand, BudgetWithinLimitsExitsZero) {
  TempDir dir;
  dir.Write("fleet.yaml", kFleet);
  dir.Write("w.yaml", Workload("llama", 2, 1) + "---\n" + Budget("Deny", "10000.00"));
  const Outcome r = Plan({"plan", "-f", dir.path(), "-o", "json"});
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["budgets"][0]["verdict"], "Ok");
}

TEST(PlanCommand, InvalidInputReportsEveryErrorAndExitsTwo) {
  TempDir dir;
  const std::string fleet = dir.Write("fleet.yaml", kFleet);
  const std::string bad =
      dir.Write("bad.yaml", Workload("ok", 1, 1) + "---\n" + Workload("zero", 1, 0) + "---\n" +
                                Workload("neg", -3, 1, "  placement: {objective: Cheapest}\n"));
  const Outcome r = Plan({"plan", "-f", fleet, "-f", bad});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(bad + "[1] team-a/zero: spec.accelerators.count: "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(bad + "[2] team-a/neg: spec.replicas: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(bad + "[2] team-a/neg: spec.placement.objective: "), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("team-a/ok"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 errors"), std::string::npos) << r.err;
}

TEST(PlanCommand, MissingPathAndMalformedYamlAreInputErrors) {
  TempDir dir;
  const std::string broken = dir.Write("broken.yaml", "kind: [unclosed\n");
  const Outcome r = Plan({"plan", "-f", dir.path() + "/absent.yaml", "-f", broken});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("absent.yaml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken.yaml"), std::string::npos) << r.err;
}

TEST(PlanCommand, ReadsStdinAlongsideFiles) {
  TempDir dir;
  const std::string fleet = dir.Write("fleet.yaml", kFleet);
  const Outcome r =
      Plan({"plan", "-f", fleet, "-f", "-", "-o", "json"}, Workload("from-stdin", 2, 1));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["workloads"].size(), 1u);
  EXPECT_EQ(j["workloads"][0]["name"], "from-stdin");
  EXPECT_EQ(j["workloads"][0]["hourlyCost"], "4.00");
  EXPECT_EQ(j["pools"][0]["allocated"], 2);
}

TEST(PlanCommand, SkipsForeignKindsWithANote) {
  const std::string input = std::string(kFleet) +
                            "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n"
                            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                            "---\n" +
                            Workload("llama", 1, 1);
  const Outcome r = Plan({"plan", "-f", "-", "-o", "json"}, input);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.err.find("<stdin>[2]: skipping v1 Namespace \"team-a\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("<stdin>[3]: skipping apps/v1 Deployment \"web\""), std::string::npos)
      << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["workloads"].size(), 1u);
}

TEST(PlanCommand, YamlOutputIsTheJsonDocument) {
  const Outcome json = Plan({"plan", "-f", kSamples, "-o", "json"});
  const Outcome yaml = Plan({"plan", "-f", kSamples, "-o", "yaml"});
  ASSERT_EQ(yaml.code, kExitOk) << yaml.err;
  const auto j = nlohmann::json::parse(json.out);
  const YAML::Node y = YAML::Load(yaml.out);
  ASSERT_EQ(y["workloads"].size(), j["workloads"].size());
  for (size_t i = 0; i < j["workloads"].size(); ++i) {
    const auto& jw = j["workloads"][i];
    const YAML::Node yw = y["workloads"][i];
    EXPECT_EQ(yw["name"].as<std::string>(), jw["name"].get<std::string>());
    EXPECT_EQ(yw["hourlyCost"].as<std::string>(), jw["hourlyCost"].get<std::string>());
    EXPECT_EQ(yw["hourlyCost"].Tag(), "!");  // quoted: stays a string
    EXPECT_EQ(yw["powerWatts"].as<int64_t>(), jw["powerWatts"].get<int64_t>());
    EXPECT_EQ(yw["placements"].size(), jw["placements"].size());
  }
  EXPECT_EQ(y["budgets"].size(), j["budgets"].size());
  EXPECT_EQ(y["pools"].size(), j["pools"].size());
}

TEST(PlanCommand, BadUsageExitsTwoWithUsage) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"plan"},
                                               {"plan", "-f", kSamples, "-o", "xml"},
                                               {"plan", "--bogus"},
                                               {"plna"},
                                               {}}) {
    const Outcome r = Plan(args);
    EXPECT_EQ(r.code, kExitUsage);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("Usage:"), std::string::npos) << r.err;
  }
}

TEST(PlanCommand, HelpAndVersionExitZero) {
  const Outcome help = Plan({"plan", "--help"});
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_NE(help.out.find("kubectl hybrid plan -f PATH"), std::string::npos);
  EXPECT_NE(help.out.find("30 days (Monthly)"), std::string::npos) << help.out;
  const Outcome top = Plan({"-h"});
  EXPECT_EQ(top.code, kExitOk);
  EXPECT_NE(top.out.find("plan"), std::string::npos);
  const Outcome version = Plan({"version"});
  EXPECT_EQ(version.code, kExitOk);
  EXPECT_EQ(version.out.rfind("kubectl-hybrid v", 0), 0u) << version.out;
}

// The installed program: real process, real stdin, real exit status.
Outcome RunBinary(const std::string& args, const std::string& stdin_file = "") {
  const std::string binary = std::string(HYBRIDAI_BINARY_DIR) + "/bin/kubectl-hybrid";
  Outcome r;
  if (!fs::exists(binary)) {
    r.err = "not built: " + binary;
    return r;
  }
  TempDir dir;
  const std::string err_file = dir.path() + "/stderr";
  std::string cmd = binary + " " + args + " 2>" + err_file;
  if (!stdin_file.empty()) cmd += " <" + stdin_file;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_file);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

TEST(PlanBinary, PlansSamplesFromADirectoryAndFromStdin) {
  const Outcome dir = RunBinary("plan -f " + kSamples + " -o json");
  ASSERT_EQ(dir.code, 0) << dir.err;
  const auto j = nlohmann::json::parse(dir.out);
  EXPECT_EQ(j["workloads"].size(), 10u);

  TempDir tmp;
  std::string all;
  for (const auto& e : fs::directory_iterator(kSamples)) {
    if (e.path().extension() != ".yaml") continue;
    std::ifstream in(e.path());
    all += "---\n" + std::string(std::istreambuf_iterator<char>(in), {});
  }
  const std::string piped = tmp.Write("all.yaml", all);
  const Outcome stdin_run = RunBinary("plan -f - -o json", piped);
  ASSERT_EQ(stdin_run.code, 0) << stdin_run.err;
  EXPECT_EQ(nlohmann::json::parse(stdin_run.out)["workloads"], j["workloads"]);

  // Not a terminal: no colour.
  const Outcome table = RunBinary("plan -f " + kSamples);
  EXPECT_EQ(table.code, 0);
  EXPECT_EQ(table.out.find('\033'), std::string::npos);
}

TEST(PlanBinary, BadFlagExitsTwo) {
  const Outcome r = RunBinary("plan --nope");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown flag: --nope"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hybridai::cli
