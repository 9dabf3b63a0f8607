#include "cli/spend_command.h"

#include <chrono>
#include <map>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "cli/text_table.h"
#include "core/cost_model.h"
#include "core/decimal.h"
#include "core/escape.h"
#include "core/lenient_json.h"
#include "core/rfc3339.h"

namespace hybridai::cli {

using nlohmann::json;

namespace {

using lenient::Dec;
using lenient::Field;
using lenient::Int;
using lenient::Str;

struct Group {
  int64_t workloads = 0;
  int64_t throttled = 0;
  Decimal hourly;
  int64_t powerWatts = 0;
  int64_t carbonGramsPerHour = 0;
  Decimal cost, energyKWh, carbonKg;  // this month
};

std::string State(const json& status) {
  std::string state = "OK";
  for (const auto& c : Field(status, "conditions")) {
    if (Str(Field(c, "status")) != "True") continue;
    const std::string t = Str(Field(c, "type"));
    if (t == "Exceeded") return "Exceeded";
    if (t == "Warning") state = "Warning";
  }
  return state;
}

json UsageOf(const json& u) {
  return json{{"cost", Dec(Field(u, "cost")).ToString(2)},
              {"energyKWh", Dec(Field(u, "energyKWh")).ToString()},
              {"carbonKg", Dec(Field(u, "carbonKg")).ToString()},
              {"powerWatts", Int(Field(u, "powerWatts"))}};
}

}  // namespace

json BuildSpendReport(const SpendInput& input, const std::string& by, int64_t now) {
  const PeriodWindow month = PeriodAt(api::BudgetPeriod::Monthly, now);
  std::map<std::tuple<std::string, std::string, std::string>, Group> groups;
  for (const auto& w : input.workloads) {
    const json& meta = Field(w, "metadata");
    const json& status = Field(w, "status");
    const std::string tag = Str(Field(Field(Field(w, "spec"), "tags"), by.c_str()));
    const std::string currency = Str(Field(Field(status, "cost"), "currency"));
    Group& g = groups[{Str(Field(meta, "namespace")), tag, currency.empty() ? "USD" : currency}];
    ++g.workloads;
    if (Int(Field(status, "throttledReplicas")) > 0) ++g.throttled;
    g.hourly += Dec(Field(Field(status, "cost"), "hourly"));
    g.powerWatts += Int(Field(Field(status, "energy"), "powerWatts"));
    for (const auto& p : Field(status, "placements"))
      if (Str(Field(p, "role")) == "Active" && Int(Field(status, "throttledReplicas")) == 0)
        g.carbonGramsPerHour += Int(Field(p, "carbonGramsPerHour"));
    // This month's figures count only when they are of this month.
    const json& mtd = Field(status, "monthToDate");
    const auto since = ParseRfc3339(Str(Field(mtd, "since")));
    if (since && *since >= month.start) {
      g.cost += Dec(Field(mtd, "cost"));
      g.energyKWh += Dec(Field(mtd, "energyKWh"));
      g.carbonKg += Dec(Field(mtd, "carbonKg"));
    }
  }
  json report = {
      {"by", by},
      {"month", {{"start", FormatRfc3339(month.start)}, {"end", FormatRfc3339(month.end)}}},
      {"groups", json::array()},
      {"budgets", json::array()}};
  const int64_t left = std::max<int64_t>(0, month.end - now);
  for (const auto& [key, g] : groups) {
    api::BudgetUsage so_far;
    so_far.cost = g.cost;
    so_far.energyKWh = g.energyKWh;
    so_far.carbonKg = g.carbonKg;
    const api::BudgetUsage end =
        ProjectPeriod(so_far, BudgetRate{g.hourly, g.powerWatts, g.carbonGramsPerHour}, left);
    report["groups"].push_back({{"namespace", std::get<0>(key)},
                                {by, std::get<1>(key)},
                                {"currency", std::get<2>(key)},
                                {"workloads", g.workloads},
                                {"throttledWorkloads", g.throttled},
                                {"hourlyCost", g.hourly.ToString(2)},
                                {"powerWatts", g.powerWatts},
                                {"monthToDate",
                                 {{"cost", g.cost.ToString(2)},
                                  {"energyKWh", g.energyKWh.ToString()},
                                  {"carbonKg", g.carbonKg.ToString()}}},
                                {"projectedMonth",
                                 {{"cost", end.cost.ToString(2)},
                                  {"energyKWh", end.energyKWh.ToString()},
                                  {"carbonKg", end.carbonKg.ToString()}}}});
  }
  for (const auto& b : input.budgets) {
    const json& meta = Field(b, "metadata");
    const json& spec = Field(b, "spec");
    const json& status = Field(b, "status");
    json limits = json::object();
    for (const auto& [k, v] : Field(spec, "limits").items()) limits[k] = v;
    report["budgets"].push_back({{"namespace", Str(Field(meta, "namespace"))},
                                 {"name", Str(Field(meta, "name"))},
                                 {"selector", Field(Field(spec, "selector"), "tags").is_object()
                                                  ? Field(Field(spec, "selector"), "tags")
                                                  : json::object()},
                                 {"period", Str(Field(spec, "period"))},
                                 {"periodStart", Str(Field(status, "periodStart"))},
                                 {"enforcement", Str(Field(spec, "enforcement"))},
                                 {"usage", UsageOf(Field(status, "usage"))},
                                 {"projected", UsageOf(Field(status, "projected"))},
                                 {"limits", limits},
                                 {"throttledWorkloads", Int(Field(status, "throttledWorkloads"))},
                                 {"state", State(status)}});
  }
  return report;
}

std::string RenderSpendTables(const json& report, const std::string& by, bool color) {
  std::string out = "Spend this month (" +
                    Str(Field(Field(report, "month"), "start")).substr(0, 10) + " to " +
                    Str(Field(Field(report, "month"), "end")).substr(0, 10) +
                    ", UTC), projected at the current rate:\n";
  std::string upper;
  for (char c : by) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  TextTable groups({{"NAMESPACE"},
                    {upper},
                    {"WORKLOADS", Align::Right},
                    {"HOURLY", Align::Right},
                    {"COST", Align::Right},
                    {"PROJECTED", Align::Right},
                    {"ENERGY kWh", Align::Right},
                    {"CARBON kg", Align::Right},
                    {"CURRENCY"}});
  for (const auto& g : Field(report, "groups")) {
    std::string n = std::to_string(Int(Field(g, "workloads")));
    if (Int(Field(g, "throttledWorkloads")) > 0)
      n += " (" + std::to_string(Int(Field(g, "throttledWorkloads"))) + " throttled)";
    const std::string tag = Str(Field(g, by.c_str()));
    groups.AddRow({EscapeControl(Str(Field(g, "namespace"))),
                   tag.empty() ? Cell("<none>", Color::Dim) : Cell(EscapeControl(tag)), n,
                   Str(Field(g, "hourlyCost")), Str(Field(Field(g, "monthToDate"), "cost")),
                   Str(Field(Field(g, "projectedMonth"), "cost")),
                   Str(Field(Field(g, "monthToDate"), "energyKWh")),
                   Str(Field(Field(g, "monthToDate"), "carbonKg")),
                   EscapeControl(Str(Field(g, "currency")))});
  }
  out += groups.empty() ? "  no AIWorkloads\n" : groups.Render(color);
  out += "\nBudgets (their own periods):\n";
  TextTable budgets({{"NAMESPACE"},
                     {"BUDGET"},
                     {"ENFORCEMENT"},
                     {"PERIOD"},
                     {"LIMIT"},
                     {"USED", Align::Right},
                     {"PROJECTED", Align::Right},
                     {"LIMIT VALUE", Align::Right},
                     {"STATE"}});
  for (const auto& b : Field(report, "budgets")) {
    const std::string state = Str(Field(b, "state"));
    const Color c = state == "Exceeded"  ? Color::Red
                    : state == "Warning" ? Color::Yellow
                                         : Color::Green;
    std::string st = state;
    if (Int(Field(b, "throttledWorkloads")) > 0)
      st += ", " + std::to_string(Int(Field(b, "throttledWorkloads"))) + " throttled";
    bool first = true;
    for (const char* k : {"cost", "energyKWh", "carbonKg", "powerWatts"}) {
      const json& limit = Field(Field(b, "limits"), k);
      if (limit.is_null()) continue;
      const json& used = Field(Field(b, "usage"), k);
      const json& proj = Field(Field(b, "projected"), k);
      auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
      budgets.AddRow({first ? EscapeControl(Str(Field(b, "namespace"))) : "",
                      first ? EscapeControl(Str(Field(b, "name"))) : "",
                      first ? Str(Field(b, "enforcement")) : "",
                      first ? Str(Field(b, "period")) : "", k, text(used),
                      std::string(k) == "powerWatts" ? "-" : text(proj), text(limit),
                      first ? Cell(st, c) : Cell("")});
      first = false;
    }
  }
  out += budgets.empty() ? "  no Budgets\n" : budgets.Render(color);
  return out;
}

int RunSpend(const SpendOptions& options, CliIo& io, const SpendFetch& fetch) {
  SpendInput input;
  std::string error;
  if (!fetch) {
    io.err << "error: spend needs a connection to the hub, which this build lacks\n";
    return kExitUsage;
  }
  const bool ok = fetch(options, input, error);
  if (!ok) {
    io.err << "error: " << EscapeControl(error) << "\n";
    return kExitUsage;
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const json report = BuildSpendReport(input, options.by, now);
  switch (options.output) {
    case OutputFormat::Json:
      io.out << report.dump(2) << "\n";
      break;
    case OutputFormat::Yaml: {
      YAML::Node node = YAML::Load(report.dump());
      YAML::Emitter e;
      e << node;
      io.out << e.c_str() << "\n";
      break;
    }
    case OutputFormat::Table:
      io.out << RenderSpendTables(report, options.by, io.color);
      break;
  }
  io.out.flush();
  if (!io.out) {
    io.err << "error: writing the report failed\n";
    return kExitUsage;
  }
  return kExitOk;
}

std::string SpendHelp() {
  return R"(Show what each team spends, read live from the hub: per namespace and tag value,
this calendar month's cost, energy and carbon (UTC) and the end-of-month projection at the
current hourly rate; then each Budget's usage and projection for its own period against its
limits.

Usage:
  kubectl hybrid spend [-n NAMESPACE | -A] [--by TAG] [-o table|json|yaml]

Flags:
  -n, --namespace NS      one namespace (default: the kubeconfig context's)
  -A, --all-namespaces    every namespace
      --by TAG            tag key to group workloads by (default: team; e.g. costCenter)
  -o, --output FORMAT     table (default), json or yaml
      --kubeconfig PATH   kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)
      --context NAME      kubeconfig context
)";
}

}  // namespace hybridai::cli
