// `kubectl hybrid spend`: what each team spends, read live from the hub. Groups the
// AIWorkloads of a namespace (or all) by a tag key (--by team|costCenter|...), with this
// calendar month's cost, energy and carbon (UTC, from each workload's status.monthToDate) and
// the end-of-month projection at the current hourly rate; then every Budget with its period's
// usage and projection against its limits and its state. Table or -o json|yaml.
// Not thread-safe: one call at a time per CliIo.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_io.h"
#include "cli/plan_output.h"

namespace hybridai::cli {

struct SpendOptions {
  std::string kubeconfig;  // --kubeconfig; empty: $KUBECONFIG, in-cluster, ~/.kube/config
  std::string context;     // --context
  std::string ns;          // -n; empty with allNamespaces
  bool allNamespaces = false;
  std::string by = "team";  // tag key to group by
  OutputFormat output = OutputFormat::Table;
};

// What the hub holds: the AIWorkload and Budget objects (as the API returns them).
struct SpendInput {
  std::vector<nlohmann::json> workloads;
  std::vector<nlohmann::json> budgets;
};

// The report as data (what -o json prints), computed at `nowUnix`. Pure.
nlohmann::json BuildSpendReport(const SpendInput& input, const std::string& by, int64_t nowUnix);
// The report as the two tables people read. Pure.
std::string RenderSpendTables(const nlohmann::json& report, const std::string& by, bool color);

// Reads the hub through `fetch` and prints the report. Exit 0, or 2 when the hub cannot be
// read (an unreadable kubeconfig, an unreachable hub: the message names which). The binary
// passes a fetch over a real client (kubeconfig rules as kubectl's); tests pass their own.
using SpendFetch = std::function<bool(const SpendOptions&, SpendInput&, std::string& error)>;
int RunSpend(const SpendOptions& options, CliIo& io, const SpendFetch& fetch);

std::string SpendHelp();

}  // namespace hybridai::cli
