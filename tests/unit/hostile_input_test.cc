// `kubectl hybrid plan` against hostile and unlucky input: invalid UTF-8, numbers past double's
// range, deep nesting, alias bombs, duplicate JSON keys, forged output lines, unreadable
// directories, a stdin that cannot be read and a stdout that cannot be written. Each ends in
// exit 2 with a one-line `file[doc] ns/name: path: message` error, never an abort.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/kubectl_hybrid.h"
#include "core/manifest_loader.h"
#include "plan_runner.h"
#include "support/temp_dir.h"

namespace hybridai::cli {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

// The built program under a shell, for what only a real process has (fds, /dev/full).
Outcome RunShell(const std::string& args_and_redirections) {
  const std::string binary = std::string(HYBRIDAI_BINARY_DIR) + "/bin/kubectl-hybrid";
  Outcome r;
  if (!fs::exists(binary)) {
    r.err = "not built: " + binary;
    return r;
  }
  TempDir dir;
  const std::string err_file = dir.path() + "/stderr";
  const std::string cmd = binary + " " + args_and_redirections + " 2>" + err_file;
  const int status = std::system(cmd.c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_file);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

const std::string kSamples = std::string(HYBRIDAI_SOURCE_DIR) + "/manifests/samples";

std::string Workload(const std::string& name, const std::string& type = "Inference",
                     const std::string& replicas = "1") {
  return "apiVersion: hybridai.io/v1alpha1\nkind: AIWorkload\nmetadata: {name: " + name +
         ", namespace: team-a}\nspec:\n  type: " + type + "\n  replicas: " + replicas +
         "\n  accelerators: {count: 1}\n  tags: {team: a}\n"
         "  template: {spec: {containers: [{name: c, image: x}]}}\n";
}

TEST(HostileInput, InvalidUtf8InANameOrEnumIsAnErrorNotAnAbort) {
  const Outcome name = Plan({"plan", "-f", "-"}, Workload("\"bad\xff\xfename\""));
  EXPECT_EQ(name.code, kExitUsage) << name.err;
  EXPECT_NE(name.err.find("<stdin>[0] team-a/bad\\xff\\xfename: metadata.name:"), std::string::npos)
      << name.err;
  const Outcome type = Plan({"plan", "-f", "-"}, Workload("w", "\"Infer\xc3\x28nce\""));
  EXPECT_EQ(type.code, kExitUsage) << type.err;
  EXPECT_NE(type.err.find("spec.type: must be one of"), std::string::npos) << type.err;
  EXPECT_NE(type.err.find("got \"Infer\\xc3(nce\""), std::string::npos) << type.err;
}

TEST(HostileInput, JsonNumberPastDoubleRangeIsAMalformedJsonError) {
  TempDir dir;
  const std::string file = dir.Write("w.json", R"({"apiVersion": "hybridai.io/v1alpha1",
"kind": "AIWorkload", "metadata": {"name": "w"}, "spec": {"replicas": 1e999}})");
  const Outcome r = Plan({"plan", "-f", file});
  EXPECT_EQ(r.code, kExitUsage) << r.err;
  EXPECT_NE(r.err.find(file + "[0] line 2, column"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("malformed JSON: number overflow parsing '1e999'"), std::string::npos)
      << r.err;
}

TEST(HostileInput, DeeplyNestedJsonIsRefusedLikeYaml) {
  TempDir dir;
  const std::string deep = "{\"a\":" + std::string(70'000, '[') + std::string(70'000, ']') + "}";
  const std::string file = dir.Write("deep.json", deep);
  const Outcome r = Plan({"plan", "-f", file});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("malformed JSON: nesting deeper than 128"), std::string::npos) << r.err;
}

TEST(HostileInput, DuplicateJsonKeysAreRejectedWithThePath) {
  TempDir dir;
  const std::string file = dir.Write("dup.json", R"({"apiVersion": "hybridai.io/v1alpha1",
"kind": "AIWorkload", "metadata": {"name": "w", "namespace": "team-a"},
"spec": {"type": "Inference", "replicas": 1, "replicas": 4000,
         "accelerators": {"count": 1}, "template": {}}})");
  const Outcome r = Plan({"plan", "-f", file});
  EXPECT_EQ(r.code, kExitUsage) << r.err;
  EXPECT_NE(r.err.find(file + "[0]: spec.replicas: malformed JSON: duplicate key \"replicas\""),
            std::string::npos)
      << r.err;
}

TEST(HostileInput, AliasExpansionIsBoundedInBytes) {
  // 1 MiB of text named 100 times: 100 MiB once expanded, from about a 1 MiB file.
  std::string yaml =
      "apiVersion: hybridai.io/v1alpha1\nkind: Budget\nmetadata:\n  name: b\n"
      "  annotations:\n    big: &big \"" +
      std::string(1 << 20, 'x') + "\"\n";
  for (int i = 0; i < 100; ++i) yaml += "    a" + std::to_string(i) + ": *big\n";
  const Outcome r = Plan({"plan", "-f", "-"}, yaml);
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("MiB of text once aliases are expanded"), std::string::npos) << r.err;
}

TEST(HostileInput, ANameCannotForgeOutputLines) {
  const Outcome r = Plan({"plan", "-f", "-"}, Workload("\"x\\nplan: 0 errors\\n\\e[2K\""));
  EXPECT_EQ(r.code, kExitUsage);
  std::istringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(line, "plan: 0 errors") << r.err;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << r.err;
  }
  EXPECT_NE(r.err.find("team-a/x\\nplan: 0 errors\\n\\x1b[2K: metadata.name"), std::string::npos)
      << r.err;
}

TEST(HostileInput, IntegerFieldsSayWhatWasWrong) {
  const Outcome huge = Plan({"plan", "-f", "-"}, Workload("w", "Inference", "1e9999"));
  EXPECT_EQ(huge.code, kExitUsage);
  EXPECT_EQ(huge.err.find("null"), std::string::npos) << huge.err;
  EXPECT_NE(huge.err.find("number \"1e9999\" is out of range"), std::string::npos) << huge.err;
  const Outcome big =
      Plan({"plan", "-f", "-"}, Workload("w", "Inference", "1" + std::string(400, '0')));
  EXPECT_EQ(big.code, kExitUsage);
  EXPECT_NE(big.err.find("is out of range"), std::string::npos) << big.err;
  const Outcome minus_zero = Plan({"plan", "-f", "-"}, Workload("w", "Inference", "-0.0"));
  EXPECT_EQ(minus_zero.code, kExitUsage);
  EXPECT_NE(minus_zero.err.find("spec.replicas: must be an integer, got number -0.0"),
            std::string::npos)
      << minus_zero.err;
}

TEST(HostileInput, AHugeWorkloadIsRefusedByADenyPowerBudget) {
  // 3 x 9e18 W x PUE 1.2 wraps int64 negative without saturation, and a negative draw passed
  // every power limit.
  const std::string fleet = R"(apiVersion: hybridai.io/v1alpha1
kind: MemberCluster
metadata: {name: lab}
spec: {location: OnPrem, provider: lab, region: r, maxDataClassification: Restricted,
       latencyMs: 5, carbonIntensity: 9000000000000000000, pue: "1.2"}
---
apiVersion: hybridai.io/v1alpha1
kind: GPUPool
metadata: {name: lab-h100}
spec:
  cluster: lab
  accelerator: {vendor: NVIDIA, model: H100, memoryGiB: 80, resourceName: nvidia.com/gpu}
  capacity: {accelerators: 8}
  pricing: {acceleratorHour: "2.00"}
  power: {acceleratorWatts: 9000000000000000000}
---
apiVersion: hybridai.io/v1alpha1
kind: Budget
metadata: {name: cap, namespace: team-a}
spec:
  selector: {tags: {team: a}}
  period: Monthly
  limits: {powerWatts: 20000}
  enforcement: Deny
---
)";
  const Outcome r =
      Plan({"plan", "-f", "-", "-o", "json"}, fleet + Workload("huge", "Inference", "3"));
  ASSERT_EQ(r.code, kExitPlanFailed) << r.err << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["workloads"].size(), 1u);
  EXPECT_EQ(j["workloads"][0]["placed"], false) << r.out;
}

TEST(HostileInput, AnUnreadableSubdirectoryIsAnError) {
  TempDir dir;
  dir.Write("a/cluster.yaml", "# nothing\n");
  dir.Write("hidden/budget.yaml", "# a Deny budget would be here\n");
  fs::permissions(dir.path(), fs::perms::all);
  fs::permissions(dir.path() + "/a", fs::perms::all);
  fs::permissions(dir.path() + "/hidden", fs::perms::none);
  // Root reads any directory: load as an unprivileged user in a child process.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(90);
    const LoadResult loaded = LoadManifests({dir.path()});
    bool named = false;
    for (const auto& d : loaded.diagnostics) {
      named = named || (d.severity == Severity::Error && d.file == dir.path() + "/hidden" &&
                        d.message.find("cannot list directory") != std::string::npos);
    }
    _exit(named ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the unreadable subdirectory was not reported";
}

TEST(HostileInputBinary, StdinThatIsADirectoryOrClosedIsAnError) {
  const Outcome dir = RunShell("plan -f - </");
  EXPECT_EQ(dir.code, kExitUsage) << dir.err;
  EXPECT_NE(dir.err.find("<stdin>: cannot read: Is a directory"), std::string::npos) << dir.err;
  const Outcome closed = RunShell("plan -f - <&-");
  EXPECT_EQ(closed.code, kExitUsage) << closed.err;
  EXPECT_NE(closed.err.find("<stdin>: cannot read"), std::string::npos) << closed.err;
}

TEST(HostileInputBinary, AFullStdoutIsAFailure) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const Outcome r = RunShell("plan -f " + kSamples + " >/dev/full");
  EXPECT_EQ(r.code, kExitUsage) << r.err;
  EXPECT_NE(r.err.find("plan: cannot write the output"), std::string::npos) << r.err;
  const Outcome help = RunShell("--help >/dev/full");
  EXPECT_NE(help.code, kExitOk) << help.err;
}

}  // namespace
}  // namespace hybridai::cli
