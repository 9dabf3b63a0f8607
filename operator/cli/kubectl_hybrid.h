// kubectl-hybrid's entry point as a function: parses the arguments, runs the verb, prints
// usage on a bad command line. main() only wires the process's streams to it; tests call it
// directly. Not thread-safe: one call at a time per CliIo.
#pragma once

#include <string>
#include <vector>

#include "cli/cli_io.h"
#include "cli/spend_command.h"

namespace hybridai::cli {

inline constexpr const char* kCliVersion = "v0.1.0";

// `args` excludes the program name. Returns the process exit code (see cli_io.h). `hub` reads
// the hub for the verbs that need it (spend); the binary passes a real client's.
int RunKubectlHybrid(const std::vector<std::string>& args, CliIo& io,
                     const SpendFetch& hub = nullptr);

// Top-level usage: the verbs and how to get help on each.
std::string TopLevelHelp();

}  // namespace hybridai::cli
