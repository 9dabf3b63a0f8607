// kubectl-hybrid: the hybridai CLI, usable standalone or as the kubectl plugin `kubectl hybrid`.
// All behaviour lives in cli/kubectl_hybrid.h; this file only binds the process to it.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/kubectl_hybrid.h"
#include "core/escape.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  // Colour only for a person at a terminal; NO_COLOR (no-color.org) and TERM=dumb turn it off.
  const char* term = std::getenv("TERM");
  const bool color = isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr &&
                     !(term != nullptr && std::string(term) == "dumb");
  hybridai::cli::CliIo io{std::cin, std::cout, std::cerr, color};
  int code = hybridai::cli::kExitUsage;
  try {
    code = hybridai::cli::RunKubectlHybrid(args, io);
  } catch (const std::exception& e) {
    std::cerr << "kubectl-hybrid: internal error: " << hybridai::EscapeControl(e.what()) << "\n";
    return hybridai::cli::kExitUsage;
  }
  std::cout.flush();
  if (!std::cout) {
    // Output that could not be written (`> /dev/full`) is a failure, whatever the verb said;
    // `plan` reports its own (and then returns kExitUsage).
    if (code != hybridai::cli::kExitUsage) {
      std::cerr << "kubectl-hybrid: cannot write to standard output\n";
    }
    return hybridai::cli::kExitUsage;
  }
  return code;
}
