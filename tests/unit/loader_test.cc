// Manifest loading: documents, files, directories, notes, malformed input, set-level checks,
// and the replay of every fixture under tests/fixtures/invalid/.
#include "core/manifest_loader.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>

namespace hybridai {
namespace {

namespace fs = std::filesystem;

const std::string kInvalidDir = std::string(HYBRIDAI_SOURCE_DIR) + "/tests/fixtures/invalid";

std::string All(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) out += d.ToString() + "\n";
  return out;
}

size_t CountErrors(const std::vector<Diagnostic>& diags) {
  size_t n = 0;
  for (const auto& d : diags) n += d.severity == Severity::Error;
  return n;
}

const char* kCluster = R"(apiVersion: hybridai.io/v1alpha1
kind: MemberCluster
metadata: {name: aws-eu}
spec: {location: Cloud, provider: aws}
)";

const char* kPool = R"(apiVersion: hybridai.io/v1alpha1
kind: GPUPool
metadata: {name: h100}
spec:
  cluster: aws-eu
  accelerator: {vendor: NVIDIA, model: H100, memoryGiB: 80, resourceName: nvidia.com/gpu}
  pricing: {acceleratorHour: "4.10"}
  power: {acceleratorWatts: 700}
)";

const char* kWorkload = R"(apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: llama}
spec:
  type: Inference
  template: {spec: {containers: [{name: main, image: x}]}}
)";

const char* kBudget = R"(apiVersion: hybridai.io/v1alpha1
kind: Budget
metadata: {name: vision, namespace: team-a}
spec: {limits: {cost: "100"}}
)";

using testing::TempDir;

TEST(LoaderTest, LoadsAllFourKindsFromOneMultiDocumentStream) {
  std::string text = std::string("# fleet\n---\n") + kCluster + "---\n" + kPool + "---\n" +
                     kWorkload + "---\n" + kBudget;
  LoadResult r = LoadManifestsFromString(text, "fleet.yaml");
  EXPECT_TRUE(r.diagnostics.empty()) << All(r.diagnostics);
  ASSERT_EQ(r.manifests.clusters.size(), 1u);
  ASSERT_EQ(r.manifests.pools.size(), 1u);
  ASSERT_EQ(r.manifests.workloads.size(), 1u);
  ASSERT_EQ(r.manifests.budgets.size(), 1u);
  EXPECT_EQ(r.manifests.clusters[0].source.ToString(), "fleet.yaml[0]");
  EXPECT_EQ(r.manifests.budgets[0].source.ToString(), "fleet.yaml[3]");
  // kubectl semantics: a namespaced manifest without a namespace lands in "default".
  EXPECT_EQ(r.manifests.workloads[0].object.metadata.namespace_, "default");
  EXPECT_EQ(r.manifests.pools[0].object.spec.pricing.acceleratorHour.ToString(2), "4.10");
}

TEST(LoaderTest, SkipsOtherGroupsWithANote) {
  std::string text = std::string(kCluster) +
                     "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\n"
                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n";
  LoadResult r = LoadManifestsFromString(text, "samples/x.yaml");
  EXPECT_FALSE(r.HasErrors()) << All(r.diagnostics);
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_EQ(r.notes[0].ToString(),
            "samples/x.yaml[1]: skipping apps/v1 Deployment \"web\": not a hybridai.io kind");
  EXPECT_EQ(r.notes[1].severity, Severity::Note);
}

TEST(LoaderTest, OtherVersionsOfOurGroupAndUnknownKindsAreErrors) {
  LoadResult r = LoadManifestsFromString(
      "apiVersion: hybridai.io/v1\nkind: AIWorkload\nmetadata: {name: a, namespace: n}\n---\n"
      "apiVersion: hybridai.io/v1alpha1\nkind: GpuPool\nmetadata: {name: b}\n---\n"
      "kind: Budget\n---\napiVersion: hybridai.io/v1alpha1\n",
      "v.yaml");
  std::string all = All(r.diagnostics);
  EXPECT_NE(all.find("v.yaml[0] n/a: apiVersion: unsupported version \"hybridai.io/v1\", want "
                     "\"hybridai.io/v1alpha1\""),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("v.yaml[1] b: kind: unknown kind \"GpuPool\""), std::string::npos) << all;
  EXPECT_NE(all.find("v.yaml[2]: apiVersion: required"), std::string::npos) << all;
  EXPECT_NE(all.find("v.yaml[3]: kind: required"), std::string::npos) << all;
  EXPECT_TRUE(r.notes.empty());
}

TEST(LoaderTest, MalformedYamlNamesDocumentLineAndColumnAndTheRestStillLoads) {
  std::string text = std::string(kCluster) + "---\nkind: [unclosed\nfoo: bar\n---\n" + kBudget;
  LoadResult r = LoadManifestsFromString(text, "bad.yaml");
  ASSERT_EQ(CountErrors(r.diagnostics), 1u) << All(r.diagnostics);
  const Diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.docIndex, 1);
  EXPECT_EQ(d.line, 7) << d.ToString();  // absolute line in the file
  EXPECT_GT(d.column, 0);
  EXPECT_NE(d.ToString().find("bad.yaml[1] line 7, column "), std::string::npos) << d.ToString();
  EXPECT_NE(d.message.find("malformed YAML"), std::string::npos);
  EXPECT_EQ(r.manifests.clusters.size(), 1u);
  EXPECT_EQ(r.manifests.budgets.size(), 1u);
}

TEST(LoaderTest, DeepNestingIsAnErrorNotAStackOverflow) {
  std::string deep =
      std::string(kCluster) + "---\n" + std::string(100000, '[') + std::string(100000, ']') + "\n";
  LoadResult r = LoadManifestsFromString(deep, "deep.yaml");
  ASSERT_EQ(CountErrors(r.diagnostics), 1u) << All(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].ToString(), "deep.yaml[1] line 5: malformed YAML: nesting too deep");
  EXPECT_EQ(r.manifests.clusters.size(), 1u);
}

TEST(LoaderTest, NonMappingDocumentsAndListsAreHandled) {
  LoadResult r = LoadManifestsFromString(
      "- a\n- b\n---\n---\napiVersion: v1\nkind: List\nitems:\n- " +
          std::regex_replace(std::string(kCluster), std::regex("\n(.)"), "\n  $1"),
      "l.yaml");
  EXPECT_NE(All(r.diagnostics).find("l.yaml[0]: a manifest must be a mapping, got list"),
            std::string::npos)
      << All(r.diagnostics);
  EXPECT_EQ(CountErrors(r.diagnostics), 1u) << All(r.diagnostics);
  ASSERT_EQ(r.manifests.clusters.size(), 1u);
  EXPECT_EQ(r.manifests.clusters[0].source.docIndex, 2);
}

TEST(LoaderTest, EmptyInputIsEmptyNotAnError) {
  for (const char* text : {"", "# nothing\n", "---\n", "---\n...\n"}) {
    LoadResult r = LoadManifestsFromString(text, "e.yaml");
    EXPECT_TRUE(r.diagnostics.empty()) << text << All(r.diagnostics);
  }
}

TEST(LoaderTest, DirectoriesAreWalkedRecursivelyInSortedOrder) {
  TempDir dir;
  dir.Write("b/pool.yml", kPool);
  dir.Write("a.yaml", kCluster);
  dir.Write("c/d/workload.json",
            R"({"apiVersion":"hybridai.io/v1alpha1","kind":"AIWorkload","metadata":{"name":"j"},
                "spec":{"type":"Batch","template":{}}})");
  dir.Write("notes.txt", "not a manifest");
  LoadResult r = LoadManifests({dir.path()});
  EXPECT_TRUE(r.diagnostics.empty()) << All(r.diagnostics);
  ASSERT_EQ(r.manifests.clusters.size(), 1u);
  ASSERT_EQ(r.manifests.pools.size(), 1u);
  ASSERT_EQ(r.manifests.workloads.size(), 1u);
  EXPECT_EQ(r.manifests.clusters[0].source.file, dir.path() + "/a.yaml");
  EXPECT_EQ(r.manifests.workloads[0].object.metadata.namespace_, "default");
}

TEST(LoaderTest, DashReadsStandardInput) {
  std::istringstream in(std::string(kCluster) + "---\n" + kBudget);
  std::streambuf* saved = std::cin.rdbuf(in.rdbuf());
  LoadResult r = LoadManifests({"-"});
  std::cin.rdbuf(saved);
  EXPECT_TRUE(r.diagnostics.empty()) << All(r.diagnostics);
  ASSERT_EQ(r.manifests.budgets.size(), 1u);
  EXPECT_EQ(r.manifests.budgets[0].source.ToString(), "<stdin>[1]");
}

TEST(LoaderTest, MissingPathsAndMalformedJsonAreReported) {
  TempDir dir;
  std::string bad = dir.Write("bad.json", "{\n  \"apiVersion\": \"hybridai.io/v1alpha1\",\n  x\n}");
  LoadResult r = LoadManifests({dir.path() + "/nope.yaml", bad});
  std::string all = All(r.diagnostics);
  ASSERT_EQ(CountErrors(r.diagnostics), 2u) << all;
  EXPECT_NE(all.find("nope.yaml: cannot read: no such file or directory"), std::string::npos)
      << all;
  EXPECT_NE(all.find("bad.json[0] line 3, column "), std::string::npos) << all;
  EXPECT_NE(all.find("malformed JSON"), std::string::npos) << all;
}

TEST(LoaderTest, FloatsInMoneyAreRejected) {
  std::string pool = std::regex_replace(std::string(kPool), std::regex("\"4.10\""), "4.1");
  LoadResult r = LoadManifestsFromString(std::string(kCluster) + "---\n" + pool, "p.yaml");
  ASSERT_EQ(CountErrors(r.diagnostics), 1u) << All(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].ToString(),
            "p.yaml[1] h100: spec.pricing.acceleratorHour: must be a decimal string like \"4.10\", "
            "got number 4.1");
  EXPECT_TRUE(r.manifests.pools.empty()) << "an invalid object must not be used";
}

TEST(LoaderTest, ManyErrorsInOneFileAreAllReported) {
  std::string text = R"(apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: llama, namespace: team-a}
spec:
  type: Inference
  replicas: -3
  template: {}
  accelerators: {count: 0}
  placement: {spot: Sometimes}
  tags: {"bad key": x}
---
apiVersion: hybridai.io/v1alpha1
kind: Budget
metadata: {name: b, namespace: team-a}
spec: {limits: {}, warnAtPercent: 0}
---
apiVersion: hybridai.io/v1alpha1
kind: MemberCluster
metadata: {name: Edge_1}
spec: {location: edge}
)";
  LoadResult r = LoadManifestsFromString(text, "samples/bad.yaml");
  std::string all = All(r.diagnostics);
  for (const char* want : {
           "samples/bad.yaml[0] team-a/llama: spec.replicas: must be >= 0, got -3",
           "samples/bad.yaml[0] team-a/llama: spec.accelerators.count: must be >= 1, got 0",
           "samples/bad.yaml[0] team-a/llama: spec.placement.spot: must be one of Never, Allowed, "
           "Preferred, got \"Sometimes\"",
           "samples/bad.yaml[0] team-a/llama: spec.tags: key \"bad key\" is not a valid label key",
           "samples/bad.yaml[1] team-a/b: spec.limits: must set at least one of",
           "samples/bad.yaml[1] team-a/b: spec.warnAtPercent: must be between 1 and 100, got 0",
           "samples/bad.yaml[2] Edge_1: metadata.name: must be a DNS-1123 subdomain",
           "samples/bad.yaml[2] Edge_1: spec.location: must be one of Cloud, OnPrem, Edge, got "
           "\"edge\"",
           "samples/bad.yaml[2] Edge_1: spec.provider: required",
       }) {
    EXPECT_NE(all.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << all;
  }
  EXPECT_EQ(CountErrors(r.diagnostics), 9u) << all;
  EXPECT_TRUE(r.manifests.workloads.empty());
  EXPECT_TRUE(r.manifests.budgets.empty());
  EXPECT_TRUE(r.manifests.clusters.empty());
}

TEST(LoaderTest, SetLevelChecks) {
  std::string eur_pool =
      std::regex_replace(std::string(kPool), std::regex("name: h100"), "name: h100-eur");
  eur_pool = std::regex_replace(eur_pool, std::regex("\"4.10\""), "\"4.10\", currency: EUR");
  std::string dangling =
      std::regex_replace(std::string(kPool), std::regex("cluster: aws-eu"), "cluster: gcp-us");
  dangling = std::regex_replace(dangling, std::regex("name: h100"), "name: lost");
  std::string text = std::string(kCluster) + "---\n" + kPool + "---\n" + kPool + "---\n" +
                     eur_pool + "---\n" + dangling + "---\n" + kWorkload + "---\n" + kWorkload;
  LoadResult r = LoadManifestsFromString(text, "s.yaml");
  std::string all = All(r.diagnostics);
  EXPECT_NE(all.find("s.yaml[2] h100: metadata.name: duplicate GPUPool \"h100\": already defined "
                     "at s.yaml[1]"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("s.yaml[6] default/llama: metadata.name: duplicate AIWorkload "
                     "\"default/llama\": already defined at s.yaml[5]"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("s.yaml[4] lost: spec.cluster: MemberCluster \"gcp-us\" not found in the "
                     "input"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("warning: s.yaml[3] h100-eur: spec.pricing.currency: \"EUR\" differs from "
                     "\"USD\""),
            std::string::npos)
      << all;
  EXPECT_EQ(CountErrors(r.diagnostics), 3u) << all;
  EXPECT_EQ(r.manifests.pools.size(), 2u) << "first h100 and h100-eur remain";
  EXPECT_EQ(r.manifests.workloads.size(), 1u);
}

TEST(LoaderTest, PoolsOfAnInvalidClusterGetNoSecondError) {
  std::string bad_cluster = std::regex_replace(std::string(kCluster), std::regex("provider: aws"),
                                               "provider: aws, latencyMs: -1");
  LoadResult r = LoadManifestsFromString(bad_cluster + "---\n" + kPool, "c.yaml");
  ASSERT_EQ(CountErrors(r.diagnostics), 1u) << All(r.diagnostics);
  EXPECT_TRUE(r.manifests.pools.empty());
}

TEST(LoaderTest, SameNameInDifferentNamespacesOrKindsIsNoDuplicate) {
  std::string other = std::regex_replace(std::string(kWorkload), std::regex("name: llama\\}"),
                                         "name: llama, namespace: team-b}");
  LoadResult r = LoadManifestsFromString(std::string(kWorkload) + "---\n" + other, "n.yaml");
  EXPECT_TRUE(r.diagnostics.empty()) << All(r.diagnostics);
  EXPECT_EQ(r.manifests.workloads.size(), 2u);
}

TEST(LoaderTest, TruncatedAndMangledInputNeverCrashes) {
  // Every prefix of a valid fleet, and the same with brackets and quotes spliced in: the
  // loader must return diagnostics, never throw or crash.
  std::string text =
      std::string(kCluster) + "---\n" + kPool + "---\n" + kWorkload + "---\n" + kBudget;
  size_t loaded = 0;
  for (size_t n = 0; n <= text.size(); n += 7) {
    for (const char* splice : {"", "[", "{", "\"", ": ", "\t", "&a ", "*a", "!!int "}) {
      std::string mangled = text.substr(0, n) + splice + text.substr(n, 13);
      LoadResult r;
      EXPECT_NO_THROW(r = LoadManifestsFromString(mangled, "m.yaml"));
      loaded += r.manifests.clusters.size();
    }
  }
  EXPECT_GT(loaded, 0u);
}

// ---- the shared bad-input fixtures ----
struct Fixture {
  std::string name;
  std::string text;
  std::string expect;
};

std::vector<Fixture> ReadFixtures() {
  std::vector<Fixture> out;
  for (const auto& e : fs::directory_iterator(kInvalidDir)) {
    if (e.path().extension() != ".yaml") continue;
    std::ifstream in(e.path());
    std::stringstream buf;
    buf << in.rdbuf();
    Fixture f{e.path().filename().string(), buf.str(), ""};
    const std::string prefix = "# expect: ";
    if (f.text.rfind(prefix, 0) == 0)
      f.expect = f.text.substr(prefix.size(), f.text.find('\n') - prefix.size());
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

TEST(InvalidFixturesTest, EachFixtureFailsWithItsExpectedMessageOnOneObject) {
  std::vector<Fixture> fixtures = ReadFixtures();
  ASSERT_GE(fixtures.size(), 30u);
  for (const auto& f : fixtures) {
    SCOPED_TRACE(f.name);
    ASSERT_FALSE(f.expect.empty()) << "first line must be '# expect: ...'";
    EXPECT_TRUE(std::regex_match(f.name, std::regex("(membercluster|gpupool|aiworkload|budget)-"
                                                    "[a-z0-9-]+\\.yaml")));
    LoadResult r = LoadManifests({kInvalidDir + "/" + f.name});
    std::string all = All(r.diagnostics);
    EXPECT_TRUE(r.HasErrors());
    EXPECT_NE(all.find(f.expect), std::string::npos) << "expected: " << f.expect << "\ngot:\n"
                                                     << all;
    std::set<int> docs;
    for (const auto& d : r.diagnostics) {
      if (d.severity == Severity::Error) docs.insert(d.docIndex);
    }
    EXPECT_EQ(docs.size(), 1u) << "exactly one invalid object per fixture:\n" << all;
  }
}

TEST(InvalidFixturesTest, ReadmeClassifiesEveryFixtureOnce) {
  std::ifstream in(kInvalidDir + "/README.md");
  std::stringstream buf;
  buf << in.rdbuf();
  std::string readme = buf.str();
  std::map<std::string, std::string> section_of;
  std::string section;
  std::istringstream lines(readme);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("## ", 0) == 0) section = line.substr(3, line.find(' ', 3) - 3);
    std::smatch m;
    if (std::regex_search(line, m, std::regex("^- ([a-z0-9-]+\\.yaml)"))) {
      EXPECT_TRUE(section_of.emplace(m[1], section).second) << m[1] << " listed twice";
    }
  }
  std::set<std::string> sections;
  for (const auto& f : ReadFixtures()) {
    auto it = section_of.find(f.name);
    ASSERT_NE(it, section_of.end()) << f.name << " is not listed in README.md";
    sections.insert(it->second);
    section_of.erase(it);
  }
  EXPECT_TRUE(section_of.empty()) << section_of.begin()->first << " listed but missing";
  EXPECT_EQ(sections, (std::set<std::string>{"schema", "cel", "planner-only"}));
}

}  // namespace
}  // namespace hybridai
