// hybrid-operator's flags, through the built program: usage errors exit 2 before anything is
// contacted, so a typo cannot silently change how the operator runs.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace {

struct Outcome {
  int code = -1;
  std::string err;
};

Outcome RunOperator(const std::string& args) {
  const std::string binary = std::string(HYBRIDAI_BINARY_DIR) + "/bin/hybrid-operator";
  Outcome r;
  if (!std::filesystem::exists(binary)) {
    r.err = "not built: " + binary;
    return r;
  }
  const std::string err_file =
      (std::filesystem::temp_directory_path() / ("hybridai-flags-" + std::to_string(getpid())))
          .string();
  const int status = std::system((binary + " " + args + " >/dev/null 2>" + err_file).c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_file);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove(err_file);
  return r;
}

TEST(OperatorFlags, AnUnknownLogLevelIsAUsageError) {
  const Outcome r = RunOperator("--log-level verbose --kubeconfig /nonexistent");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--log-level: expected trace, debug, info, warn, error, critical or off, "
                       "got \"verbose\""),
            std::string::npos)
      << r.err;
}

TEST(OperatorFlags, KnownLogLevelsAndTheSecretFlagsParse) {
  // Valid flags get past parsing and fail later, on the missing kubeconfig (exit 1, not 2).
  for (const std::string args :
       {"--log-level off", "--log-level warn", "--allow-member-exec-credentials",
        "--member-secret-namespaces team-a,team-b", "'--member-secret-namespaces=*'"}) {
    const Outcome r = RunOperator(args + " --kubeconfig /nonexistent/kubeconfig");
    EXPECT_EQ(r.code, 1) << args << ": " << r.err;
  }
  EXPECT_EQ(RunOperator("--member-secret-namespaces").code, 2);
  const Outcome help = RunOperator("--help");
  EXPECT_EQ(help.code, 0);
}

}  // namespace
