// Renders a PlanReport as JSON (the machine contract: exact keys, money as decimal strings),
// YAML (the same document) or an aligned table for people. Pure functions; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/plan_report.h"

namespace hybridai::cli {

enum class OutputFormat { Table, Json, Yaml };

// {"workloads": [...], "budgets": [...], "pools": [...]} with keys in contract order.
nlohmann::ordered_json PlanToJson(const PlanReport& report);

// Pretty JSON, two-space indent, trailing newline.
std::string RenderJson(const PlanReport& report);

// The JSON document as YAML; strings that YAML would read as numbers, booleans or null (money
// like "8.20") are double-quoted so that the document reads back with the same types.
std::string RenderYaml(const PlanReport& report);

// Workloads, budgets and pools tables, then a "why" line for each unplaced workload and a line
// for each budget over its warning threshold. `color` adds ANSI colours (only for a TTY).
std::string RenderTable(const PlanReport& report, bool color);

std::string Render(const PlanReport& report, OutputFormat format, bool color);

}  // namespace hybridai::cli
