// The two validators agree: crd-validate (kube-apiserver's own create path over crds/: strict
// decoding, pruning, defaulting, OpenAPI schema, CEL) and the C++ core (LoadManifests +
// Validate) accept every sample manifest and reject every invalid fixture that the fixtures'
// README classifies as schema or cel, with the fixture's `# expect:` substring in both messages
// where the README says the message is shared.
//
// crd-validate comes from $HYBRIDAI_CRD_VALIDATE, else the tools cache that
// e2e/tools/install.sh fills ($HOME/.cache/hybridai/bin/current/crd-validate).
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/diagnostic.h"
#include "core/manifest_loader.h"

namespace hybridai {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSourceDir = HYBRIDAI_SOURCE_DIR;
const fs::path kCrdDir = kSourceDir / "crds";
const fs::path kSamplesDir = kSourceDir / "manifests" / "samples";
const fs::path kInvalidDir = kSourceDir / "tests" / "fixtures" / "invalid";

// ---- running crd-validate ----

std::optional<fs::path> CrdValidatePath(std::string* why) {
  if (const char* env = std::getenv("HYBRIDAI_CRD_VALIDATE"); env != nullptr && *env != '\0') {
    if (fs::exists(env)) return fs::path(env);
    *why = std::string("HYBRIDAI_CRD_VALIDATE=") + env + " does not exist";
    return std::nullopt;
  }
  const char* home = std::getenv("HOME");
  fs::path cached = fs::path(home != nullptr ? home : "") / ".cache" / "hybridai" / "bin" /
                    "current" / "crd-validate";
  if (fs::exists(cached)) return cached;
  *why = "crd-validate not found at " + cached.string() +
         "; run e2e/tools/install.sh (it builds every e2e/controlplane/cmd tool into that cache) "
         "or set HYBRIDAI_CRD_VALIDATE";
  return std::nullopt;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct RunResult {
  int exitCode = -1;
  std::vector<json> lines;         // the JSON result lines
  std::vector<std::string> other;  // anything else it printed (CRD checks, errors)
};

RunResult RunCrdValidate(const fs::path& binary, const std::vector<std::string>& args) {
  std::string cmd = ShellQuote(binary.string()) + " -crds " + ShellQuote(kCrdDir.string());
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  cmd += " 2>&1";
  RunResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    r.other.push_back("popen failed: " + cmd);
    return r;
  }
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = pclose(pipe);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (line[0] == '{') {
      json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!j.is_discarded()) {
        r.lines.push_back(std::move(j));
        continue;
      }
    }
    r.other.push_back(line);
  }
  return r;
}

std::vector<std::string> Errors(const json& line) {
  std::vector<std::string> out;
  if (line.contains("errors") && line["errors"].is_array()) {
    for (const auto& e : line["errors"]) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  }
  return out;
}

bool AnyContains(const std::vector<std::string>& messages, const std::string& needle) {
  return std::any_of(messages.begin(), messages.end(),
                     [&](const std::string& m) { return m.find(needle) != std::string::npos; });
}

std::vector<std::string> YamlFiles(const fs::path& dir) {
  std::vector<std::string> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (ext == ".yaml" || ext == ".yml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> ErrorStrings(const std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags) {
    if (d.severity == Severity::Error) out.push_back(d.ToString());
  }
  return out;
}

// ---- the fixtures ----

// The `# expect: <substring>` header of an invalid fixture.
std::string ExpectedSubstring(const fs::path& file) {
  std::ifstream in(file);
  static const std::regex kExpect(R"(^#\s*expect:\s*(.*?)\s*$)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kExpect)) return m[1].str();
  }
  return "";
}

struct FixtureClass {
  std::string kind;     // schema | cel | planner-only
  bool shared = false;  // both validators' messages contain the `# expect:` substring
};

// README.md lists the fixtures under one heading per class (`## schema ...`, `## cel ...`,
// `## planner-only`), one `- file.yaml (comment)` item each. CEL messages are the project's own
// wording (crds/ mirrors core/validation.cc), so cel fixtures share their message; the OpenAPI
// messages of schema fixtures are the apiserver's fixed text, unless an item says "shared".
std::map<std::string, FixtureClass> ReadClassification(const fs::path& readme) {
  std::map<std::string, FixtureClass> out;
  std::ifstream in(readme);
  static const std::regex kHeading(R"(^#+\s*([A-Za-z-]+))");
  static const std::regex kItem(R"(^\s*[-*]\s*`?([A-Za-z0-9_.-]+\.ya?ml)`?(.*)$)");
  std::string section;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, kHeading)) {
      section = m[1].str();
      std::transform(section.begin(), section.end(), section.begin(), ::tolower);
      continue;
    }
    if (!std::regex_match(line, m, kItem)) continue;
    if (section != "schema" && section != "cel" && section != "planner-only") continue;
    const std::string comment = m[2].str();
    FixtureClass c;
    c.kind = section;
    c.shared = (section == "cel" && comment.find("not shared") == std::string::npos) ||
               std::regex_search(comment, std::regex(R"(\(shared\b)"));
    out[m[1].str()] = c;
  }
  return out;
}

// ---- tests ----

class CrdAgreementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    auto path = CrdValidatePath(&why);
    if (!path) FAIL() << why;
    binary_ = *path;
  }
  fs::path binary_;
};

TEST_F(CrdAgreementTest, CrdsAreValidForTheApiServer) {
  RunResult r = RunCrdValidate(binary_, {"-check-crds"});
  EXPECT_EQ(r.exitCode, 0) << ::testing::PrintToString(r.other);
  EXPECT_EQ(r.other.size(), 4u) << ::testing::PrintToString(r.other);
}

TEST_F(CrdAgreementTest, SamplesAreAcceptedByBoth) {
  const std::vector<std::string> files = YamlFiles(kSamplesDir);
  ASSERT_FALSE(files.empty()) << "no samples in " << kSamplesDir;

  RunResult r = RunCrdValidate(binary_, files);
  EXPECT_EQ(r.exitCode, 0) << ::testing::PrintToString(r.other);
  std::map<std::string, int> server_counts;
  for (const auto& line : r.lines) {
    server_counts[line.value("kind", "")]++;
    EXPECT_TRUE(line.value("allowed", false)) << line.dump();
  }

  LoadResult loaded = LoadManifests(files);
  EXPECT_FALSE(loaded.HasErrors()) << ::testing::PrintToString(ErrorStrings(loaded.diagnostics));
  // Same objects on both sides: nothing the apiserver saw was skipped by the loader.
  std::map<std::string, int> core_counts;
  if (!loaded.manifests.clusters.empty()) {
    core_counts["MemberCluster"] = loaded.manifests.clusters.size();
  }
  if (!loaded.manifests.pools.empty()) core_counts["GPUPool"] = loaded.manifests.pools.size();
  if (!loaded.manifests.workloads.empty()) {
    core_counts["AIWorkload"] = loaded.manifests.workloads.size();
  }
  if (!loaded.manifests.budgets.empty()) core_counts["Budget"] = loaded.manifests.budgets.size();
  EXPECT_EQ(core_counts, server_counts);
  for (const char* kind : {"MemberCluster", "GPUPool", "AIWorkload", "Budget"}) {
    EXPECT_GT(server_counts[kind], 0) << "the samples have no " << kind;
  }
}

TEST_F(CrdAgreementTest, InvalidFixturesAreRejectedByBoth) {
  const fs::path readme = kInvalidDir / "README.md";
  ASSERT_TRUE(fs::exists(readme)) << readme << " is missing";
  const auto classes = ReadClassification(readme);
  const std::vector<std::string> files = YamlFiles(kInvalidDir);
  ASSERT_FALSE(files.empty()) << "no fixtures in " << kInvalidDir;

  int checked = 0;
  for (const auto& file : files) {
    const std::string name = fs::path(file).filename().string();
    SCOPED_TRACE(name);
    auto it = classes.find(name);
    ASSERT_NE(it, classes.end()) << "README.md does not classify " << name;
    const FixtureClass& c = it->second;
    if (c.kind == "planner-only") {
      // Invisible to the apiserver: whatever of it parses is accepted there.
      RunResult r = RunCrdValidate(binary_, {file});
      if (r.exitCode == 2) continue;  // not YAML at all: kubectl stops before the server
      for (const auto& line : r.lines) EXPECT_TRUE(line.value("allowed", false)) << line.dump();
      continue;
    }
    const std::string expect = ExpectedSubstring(file);
    ASSERT_FALSE(expect.empty()) << "no `# expect:` line";
    ++checked;

    RunResult r = RunCrdValidate(binary_, {file});
    EXPECT_EQ(r.exitCode, 1) << ::testing::PrintToString(r.other);
    // Exactly the one invalid object is rejected; the objects it needs are fine.
    std::vector<std::string> server_errors;
    int rejected = 0;
    for (const auto& line : r.lines) {
      if (!line.value("allowed", true)) ++rejected;
      for (const auto& e : Errors(line)) server_errors.push_back(e);
    }
    EXPECT_EQ(rejected, 1) << "objects the apiserver rejects: " << rejected;

    LoadResult loaded = LoadManifests({file});
    std::vector<std::string> core_errors = ErrorStrings(loaded.diagnostics);
    EXPECT_FALSE(core_errors.empty()) << "the C++ validator accepts it";

    if (c.shared) {
      EXPECT_TRUE(AnyContains(server_errors, expect))
          << "apiserver messages lack \"" << expect
          << "\": " << ::testing::PrintToString(server_errors);
      EXPECT_TRUE(AnyContains(core_errors, expect))
          << "C++ messages lack \"" << expect << "\": " << ::testing::PrintToString(core_errors);
    } else {
      EXPECT_TRUE(AnyContains(core_errors, expect))
          << "C++ messages lack \"" << expect << "\": " << ::testing::PrintToString(core_errors);
    }
  }
  EXPECT_GT(checked, 0) << "README.md classifies no fixture as schema or cel";
}

// The classification parser itself, on the README's shape.
TEST(CrdAgreementReadmeTest, ClassifiesFixturesBySection) {
  const fs::path tmp = fs::temp_directory_path() / "crd_agreement_readme_test.md";
  {
    std::ofstream out(tmp);
    out << "# Invalid manifests\n"
           "Prose mentioning x.yaml and cel and schema.\n"
           "## schema (OpenAPI: type, enum)\n"
           "- a-bad-enum.yaml\n"
           "- a-bad-value.yaml (shared: worded like the C++ message)\n"
           "## cel (x-kubernetes-validations)\n"
           "- b-spread.yaml (decimal strings compare only in CEL)\n"
           "- `b-other.yaml` (not shared)\n"
           "## planner-only\n"
           "- c-dangling.yaml\n";
  }
  auto classes = ReadClassification(tmp);
  fs::remove(tmp);
  EXPECT_EQ(classes.size(), 5u);
  EXPECT_EQ(classes["a-bad-enum.yaml"].kind, "schema");
  EXPECT_FALSE(classes["a-bad-enum.yaml"].shared);
  EXPECT_TRUE(classes["a-bad-value.yaml"].shared);
  EXPECT_EQ(classes["b-spread.yaml"].kind, "cel");
  EXPECT_TRUE(classes["b-spread.yaml"].shared);
  EXPECT_EQ(classes["b-other.yaml"].kind, "cel");
  EXPECT_FALSE(classes["b-other.yaml"].shared);
  EXPECT_EQ(classes["c-dangling.yaml"].kind, "planner-only");
  EXPECT_EQ(classes.count("x.yaml"), 0u);
}

}  // namespace
}  // namespace hybridai
