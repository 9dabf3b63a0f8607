// The streams a kubectl-hybrid command reads and writes, passed in so that tests run commands
// in-process against string streams. Exit codes are shared by every verb.
// Not thread-safe: one command at a time per CliIo.
#pragma once

#include <istream>
#include <ostream>

namespace hybridai::cli {

// 0: everything placed and within budget; 1: a workload is unschedulable or a budget is
// exceeded; 2: invalid input or wrong usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitPlanFailed = 1;
inline constexpr int kExitUsage = 2;

struct CliIo {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool color = false;  // stdout is a terminal (and NO_COLOR is unset): tables may use colour
};

}  // namespace hybridai::cli
