#include "cli/plan_output.h"

#include <algorithm>
#include <optional>
#include <regex>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "cli/text_table.h"
#include "core/escape.h"

namespace hybridai::cli {
namespace {

using ojson = nlohmann::ordered_json;

std::string Money(const Decimal& d) {
  return d.ToString(2);
}

std::string QualifiedName(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

// ---- YAML ----

// True when a plain (unquoted) scalar with this text would be read back as something other
// than a string by a YAML 1.1 or 1.2 parser.
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  static const std::regex kNonString(
      R"(^([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|)"
      R"(\.(nan|NaN|NAN)|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(:[0-5]?[0-9])+|~|)"
      R"(null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|)"
      R"(off|Off|OFF|y|Y|n|N)$)");
  return std::regex_match(s, kNonString);
}

void EmitYaml(YAML::Emitter& out, const ojson& j) {
  switch (j.type()) {
    case ojson::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, value] : j.items()) {
        out << YAML::Key << key << YAML::Value;
        EmitYaml(out, value);
      }
      out << YAML::EndMap;
      break;
    case ojson::value_t::array:
      if (j.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        break;
      }
      out << YAML::BeginSeq;
      for (const auto& item : j) EmitYaml(out, item);
      out << YAML::EndSeq;
      break;
    case ojson::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (NeedsQuotes(s)) {
        out << YAML::DoubleQuoted << s;
      } else {
        out << s;
      }
      break;
    }
    case ojson::value_t::boolean:
      out << j.get<bool>();
      break;
    case ojson::value_t::number_integer:
      out << j.get<int64_t>();
      break;
    case ojson::value_t::number_unsigned:
      out << j.get<uint64_t>();
      break;
    case ojson::value_t::number_float:
      out << j.get<double>();
      break;
    default:
      out << YAML::Null;
      break;
  }
}

// ---- table ----

std::string PlacementText(const PlacementRow& p) {
  return p.cluster + "/" + p.pool + " x" + std::to_string(p.replicas) + ", " + p.role +
         (p.tier ? ", tier " + std::to_string(*p.tier) : "");
}

std::string WithUnit(int64_t value, const char* unit) {
  return std::to_string(value) + unit;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

Color VerdictColor(const std::string& verdict) {
  if (verdict == "Ok") return Color::Green;
  if (verdict == "Warning") return Color::Yellow;
  return Color::Red;
}

std::string WorkloadsTable(const PlanReport& report, bool color) {
  TextTable table({{"WORKLOAD"},
                   {"TYPE"},
                   {"REPLICAS", Align::Right},
                   {"PLACEMENT"},
                   {"COST/H", Align::Right},
                   {"POWER", Align::Right},
                   {"CO2 G/H", Align::Right}});
  Decimal total_cost;
  int64_t total_power = 0;
  int64_t total_carbon = 0;
  for (const auto& w : report.workloads) {
    std::vector<Cell> row = {QualifiedName(w.namespace_, w.name), w.type,
                             std::to_string(w.replicas)};
    if (!w.placed) {
      row.insert(row.end(), {Cell("unschedulable", Color::Red), "-", "-", "-"});
      table.AddRow(std::move(row));
      continue;
    }
    total_cost += w.hourlyCost;
    total_power += w.powerWatts;
    total_carbon += w.carbonGramsPerHour;
    const std::string first = w.placements.empty() ? "-" : PlacementText(w.placements.front());
    row.insert(row.end(), {first, Money(w.hourlyCost), WithUnit(w.powerWatts, " W"),
                           std::to_string(w.carbonGramsPerHour)});
    table.AddRow(std::move(row));
    for (size_t i = 1; i < w.placements.size(); ++i) {
      const auto& p = w.placements[i];
      table.AddRow(
          {"", "", "", Cell(PlacementText(p), p.role == "Standby" ? Color::Dim : Color::None)});
    }
  }
  if (!report.workloads.empty()) {
    table.AddRow({"TOTAL", "", "", "", Money(total_cost) + " " + report.currency,
                  WithUnit(total_power, " W"), std::to_string(total_carbon)});
  }
  return table.Render(color);
}

// "10447.2 / 15000 kWh": usage against the limit, or usage alone when the budget sets none.
std::string UsageOfLimit(const std::string& usage, const std::optional<std::string>& limit,
                         const std::string& unit) {
  return (limit ? usage + " / " + *limit : usage) + unit;
}

template <class T, class F>
std::optional<std::string> Map(const std::optional<T>& value, F format) {
  if (!value) return std::nullopt;
  return format(*value);
}

std::string OneDigit(const Decimal& d) {
  return d.Round(1).ToString(1);
}
std::string Shortest(const Decimal& d) {
  return d.ToString();
}

std::string BudgetsTable(const PlanReport& report, bool color) {
  TextTable table({{"BUDGET"},
                   {"POLICY"},
                   {"POWER", Align::Right},
                   {"ENERGY/PERIOD", Align::Right},
                   {"CO2/PERIOD", Align::Right},
                   {"COST/PERIOD", Align::Right},
                   {"VERDICT"}});
  for (const auto& b : report.budgets) {
    auto int_text = [](int64_t v) { return std::to_string(v); };
    table.AddRow({QualifiedName(b.namespace_, b.name), b.enforcement + ", " + b.period,
                  UsageOfLimit(std::to_string(b.powerWatts), Map(b.powerLimit, int_text), " W"),
                  UsageOfLimit(OneDigit(b.energyKWh), Map(b.energyLimit, Shortest), " kWh"),
                  UsageOfLimit(OneDigit(b.carbonKg), Map(b.carbonLimit, Shortest), " kg"),
                  UsageOfLimit(Money(b.cost), Map(b.costLimit, Money), " " + b.currency),
                  Cell(b.verdict, VerdictColor(b.verdict))});
  }
  return table.Render(color);
}

std::string PoolsTable(const PlanReport& report, bool color) {
  TextTable table({{"POOL"},
                   {"CLUSTER"},
                   {"ACCELERATOR"},
                   {"ALLOCATED", Align::Right},
                   {"CAPACITY", Align::Right},
                   {"FREE", Align::Right}});
  for (const auto& p : report.pools) {
    const int64_t free = p.capacity - p.allocated;
    table.AddRow({p.name, p.cluster, p.accelerator + (p.spot ? " (spot)" : ""),
                  std::to_string(p.allocated), std::to_string(p.capacity),
                  Cell(std::to_string(free), free <= 0 ? Color::Yellow : Color::None)});
  }
  return table.Render(color);
}

}  // namespace

nlohmann::ordered_json PlanToJson(const PlanReport& report) {
  ojson workloads = ojson::array();
  for (const auto& w : report.workloads) {
    ojson placements = ojson::array();
    for (const auto& p : w.placements) {
      ojson pj = {{"cluster", p.cluster},
                  {"pool", p.pool},
                  {"replicas", p.replicas},
                  {"accelerators", p.accelerators},
                  {"role", p.role},
                  {"hourlyCost", Money(p.hourlyCost)},
                  {"powerWatts", p.powerWatts},
                  {"carbonGramsPerHour", p.carbonGramsPerHour}};
      if (p.tier) pj["tier"] = *p.tier;
      placements.push_back(std::move(pj));
    }
    workloads.push_back({{"namespace", w.namespace_},
                         {"name", w.name},
                         {"placed", w.placed},
                         {"placements", std::move(placements)},
                         {"hourlyCost", Money(w.hourlyCost)},
                         {"powerWatts", w.powerWatts},
                         {"carbonGramsPerHour", w.carbonGramsPerHour},
                         {"reasons", w.reasons}});
  }
  ojson budgets = ojson::array();
  for (const auto& b : report.budgets) {
    budgets.push_back({{"namespace", b.namespace_},
                       {"name", b.name},
                       {"verdict", b.verdict},
                       {"usage", {{"powerWatts", b.powerWatts}, {"cost", Money(b.cost)}}}});
  }
  ojson pools = ojson::array();
  for (const auto& p : report.pools) {
    pools.push_back({{"name", p.name}, {"capacity", p.capacity}, {"allocated", p.allocated}});
  }
  return {{"workloads", std::move(workloads)},
          {"budgets", std::move(budgets)},
          {"pools", std::move(pools)}};
}

std::string RenderJson(const PlanReport& report) {
  // Names are validated, but free text (reasons, tags) may hold invalid UTF-8: replace it
  // rather than throw.
  return PlanToJson(report).dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

std::string RenderYaml(const PlanReport& report) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  EmitYaml(out, PlanToJson(report));
  return std::string(out.c_str()) + "\n";
}

std::string RenderTable(const PlanReport& report, bool color) {
  std::string out;
  out += report.workloads.empty() ? "No AIWorkloads found.\n" : WorkloadsTable(report, color);
  if (!report.budgets.empty()) out += "\n" + BudgetsTable(report, color);
  if (!report.pools.empty()) out += "\n" + PoolsTable(report, color);

  std::string notes;
  for (const auto& w : report.workloads) {
    if (w.placed) continue;
    const std::string why = w.reasons.empty() ? "no reason given" : Join(w.reasons, "; ");
    notes += Colorize("why", color ? Color::Red : Color::None) + " " +
             QualifiedName(w.namespace_, w.name) + " is unschedulable: " + EscapeControl(why) +
             "\n";
  }
  for (const auto& b : report.budgets) {
    if (b.verdict == "Ok") continue;
    const std::string what = b.messages.empty() ? b.verdict : Join(b.messages, "; ");
    notes += Colorize("budget", color ? VerdictColor(b.verdict) : Color::None) + " " +
             QualifiedName(b.namespace_, b.name) + " (" + b.verdict + "): " + EscapeControl(what) +
             "\n";
  }
  if (!notes.empty()) out += "\n" + notes;
  return out;
}

std::string Render(const PlanReport& report, OutputFormat format, bool color) {
  switch (format) {
    case OutputFormat::Json:
      return RenderJson(report);
    case OutputFormat::Yaml:
      return RenderYaml(report);
    case OutputFormat::Table:
      break;
  }
  return RenderTable(report, color);
}

}  // namespace hybridai::cli
