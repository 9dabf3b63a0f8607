// Runs `kubectl-hybrid` in-process with its arguments and standard input, as the CLI tests do,
// and keeps its exit code and both output streams. Thread-compatible.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/kubectl_hybrid.h"

namespace hybridai::cli {

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

inline Outcome Plan(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  CliIo io{in, out, err, false};
  Outcome r;
  r.code = RunKubectlHybrid(args, io);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace hybridai::cli
