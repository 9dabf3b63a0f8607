// Spend on /metrics: per workload (hourly cost, power, accumulated cost, energy and carbon),
// per placement (power and carbon by cluster and location), per budget (usage, projection and
// limit of each quantity), labelled by namespace, workload or budget, and the tag keys teams
// aggregate by (`--metrics-tag-labels`, default team and costCenter, as `team` and
// `cost_center`). Computed at scrape time from the hub caches, in one pass for every family
// (each workload decoded once per scrape), so a deleted object leaves no series behind. Names
// follow Prometheus conventions: base units (watts, joules, grams), `_total` for what only
// grows. docs/metrics.md lists them.
#pragma once

#include <string>
#include <vector>

#include "controllers/fleet_snapshot.h"
#include "runtime/metrics.h"

namespace hybridai::controllers {

// "costCenter" -> "cost_center"; anything not [a-zA-Z0-9_] -> "_"; a leading digit, or a name
// our own labels use (namespace, workload, budget, cluster, pool, location, type, currency),
// gets a "tag_" prefix.
std::string TagLabelName(const std::string& tagKey);

void RegisterSpendMetrics(runtime::MetricsRegistry& registry, HubCaches caches,
                          std::vector<std::string> tagKeys);

}  // namespace hybridai::controllers
