// Parses kubectl-hybrid's arguments (kubectl plugin conventions: `plan -f PATH -o json`,
// `--filename=PATH`, `-ojson`, `-h/--help`, `version`) into values. Never throws and never
// prints: a bad command line comes back as an error string for the caller to report with the
// usage and exit code 2. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/plan_output.h"
#include "cli/spend_command.h"

namespace hybridai::cli {

enum class Verb { Help, Version, Plan, Spend };

struct PlanOptions {
  std::vector<std::string> filenames;  // files, directories, or "-" for stdin; in given order
  OutputFormat output = OutputFormat::Table;
};

struct CommandLine {
  Verb verb = Verb::Help;
  std::string help_topic;  // for Verb::Help: "" (top level) or a verb name ("plan")
  PlanOptions plan;
  SpendOptions spend;
};

struct ParsedCommandLine {
  std::optional<CommandLine> command;  // set when parsing succeeded
  std::string error;                   // set otherwise: what was wrong, one line
  std::string usage_topic;             // which usage to print with the error ("" or "plan")
};

// `args` excludes the program name.
ParsedCommandLine ParseCommandLine(const std::vector<std::string>& args);

// "table" | "json" | "yaml" (also "wide" as table, like kubectl); nullopt otherwise.
std::optional<OutputFormat> ParseOutputFormat(const std::string& text);

}  // namespace hybridai::cli
