// `kubectl hybrid plan`: loads manifests (files, directories, "-" for stdin), places every
// AIWorkload with the same engine the operator runs, and prints placements, cost, power and
// budget verdicts. No cluster is contacted. Not thread-safe: one call at a time per CliIo.
#pragma once

#include <string>

#include "cli/cli_io.h"
#include "cli/command_line.h"
#include "cli/plan_report.h"
#include "core/manifest_loader.h"
#include "core/placement_input.h"

namespace hybridai::cli {

// Exit code: kExitOk when every workload is placed and no budget is exceeded, kExitPlanFailed
// when one is unschedulable or a budget is exceeded, kExitUsage when the input is invalid
// (every error printed to io.err, one per line) or a path cannot be read.
int RunPlan(const PlanOptions& options, CliIo& io);

// The help text of `plan`, including what budget "cost" means.
std::string PlanHelp();

// Joins the engine's answer with the objects it was given into printable rows: workloads in
// the engine's order (namespace, name), budgets and pools likewise.
PlanReport BuildPlanReport(const PlacementInput& input, const PlacementPlan& plan);

}  // namespace hybridai::cli
