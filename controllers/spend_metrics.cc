#include "controllers/spend_metrics.h"

#include <cctype>
#include <iterator>
#include <map>
#include <memory>
#include <set>

#include "core/lenient_json.h"
#include "runtime/store.h"

namespace hybridai::controllers {

using nlohmann::json;
using runtime::MetricsRegistry;
using runtime::MetricType;

namespace {

using lenient::Field;
using lenient::Number;
using lenient::Str;

// Workload gauges and counters read from the workload's status.
struct WorkloadMetric {
  const char* name;
  const char* help;
  MetricType type;
  double (*read)(const json& status);
};
const WorkloadMetric kWorkload[] = {
    {"hybridai_workload_hourly_cost",
     "What the workload's running placements cost per hour, in its currency.", MetricType::Gauge,
     [](const json& s) { return Number(Field(Field(s, "cost"), "hourly")); }},
    {"hybridai_workload_cost_total",
     "Cost accumulated since the workload was created, in its currency.", MetricType::Counter,
     [](const json& s) { return Number(Field(Field(s, "cost"), "accumulated")); }},
    {"hybridai_workload_power_watts", "Power the workload draws now in watts, PUE included.",
     MetricType::Gauge,
     [](const json& s) { return Number(Field(Field(s, "energy"), "powerWatts")); }},
    {"hybridai_workload_energy_joules_total", "Energy used since creation in joules (kWh x 3.6e6).",
     MetricType::Counter,
     [](const json& s) { return Number(Field(Field(s, "energy"), "energyKWh")) * 3.6e6; }},
    {"hybridai_workload_carbon_grams_total", "Carbon emitted since creation in grams CO2e.",
     MetricType::Counter,
     [](const json& s) { return Number(Field(Field(s, "energy"), "carbonKg")) * 1000; }},
    {"hybridai_workload_month_cost", "Cost accumulated in the current calendar month (UTC).",
     MetricType::Gauge,
     [](const json& s) { return Number(Field(Field(s, "monthToDate"), "cost")); }},
    {"hybridai_workload_throttled_replicas", "Replicas a Throttle budget has scaled down.",
     MetricType::Gauge, [](const json& s) { return Number(Field(s, "throttledReplicas")); }},
};

// Per budget: usage, projection and limit of each quantity, in base units.
struct BudgetMetric {
  const char* name;
  const char* what;
  const char* field;  // in usage / projected / limits
  double scale;
};
const BudgetMetric kBudget[] = {
    {"hybridai_budget_cost", "cost", "cost", 1},
    {"hybridai_budget_energy_joules", "energy in joules", "energyKWh", 3.6e6},
    {"hybridai_budget_carbon_grams", "carbon in grams CO2e", "carbonKg", 1000},
    {"hybridai_budget_power_watts", "power in watts", "powerWatts", 1},
};

// What one scrape reads from a budget for one family.
enum class BudgetPart { Usage, Projected, Limit, Warning, Exceeded };
struct BudgetFamily {
  size_t family;  // index in the collector's families
  BudgetPart part;
  const char* field = "";
  double scale = 1;
};

// Every spend family from one pass over the hub caches per scrape: each workload is decoded
// once (the workload store packs its objects) for all of its families.
struct SpendCollector {
  HubCaches caches;
  std::vector<std::string> tagKeys;
  size_t firstWorkloadFamily = 0;  // kWorkload[i] is family firstWorkloadFamily + i
  size_t placementPower = 0, placementCarbon = 0;
  std::vector<BudgetFamily> budgetFamilies;

  void AppendTags(const json& tags, std::vector<std::string>& labels) const {
    for (const auto& k : tagKeys) labels.push_back(Str(Field(tags, k.c_str())));
  }

  void Collect(const MetricsRegistry::EmitTo& emit) const {
    std::map<std::string, std::string> location;
    for (const auto& c : caches.clusters->List())
      location[Str(Field(Field(*c, "metadata"), "name"))] =
          Str(Field(Field(*c, "spec"), "location"));
    caches.workloads->ForEach("", "", [&](const runtime::StoredObject& stored) {
      runtime::ObjectPtr o = stored.object();
      if (!o) return;
      const json& meta = Field(*o, "metadata");
      const json& spec = Field(*o, "spec");
      const json& status = Field(*o, "status");
      std::vector<std::string> labels = {Str(Field(meta, "namespace")), Str(Field(meta, "name")),
                                         Str(Field(spec, "type")),
                                         Str(Field(Field(status, "cost"), "currency"))};
      AppendTags(Field(spec, "tags"), labels);
      for (size_t i = 0; i < std::size(kWorkload); ++i)
        emit(firstWorkloadFamily + i, labels, kWorkload[i].read(status));
      // Per placement: power and carbon by where they are drawn.
      const double throttled = Number(Field(status, "throttledReplicas"));
      for (const auto& p : Field(status, "placements")) {
        if (Str(Field(p, "role")) != "Active" || throttled > 0) continue;
        const std::string cluster = Str(Field(p, "cluster"));
        const std::vector<std::string> where = {labels[0], labels[1], cluster,
                                                Str(Field(p, "pool")), location[cluster]};
        emit(placementPower, where, Number(Field(p, "powerWatts")));
        emit(placementCarbon, where, Number(Field(p, "carbonGramsPerHour")));
      }
    });
    for (const auto& o : caches.budgets->List()) {
      const json& meta = Field(*o, "metadata");
      const json& spec = Field(*o, "spec");
      const json& status = Field(*o, "status");
      std::vector<std::string> labels = {Str(Field(meta, "namespace")), Str(Field(meta, "name")),
                                         Str(Field(spec, "enforcement"))};
      AppendTags(Field(Field(spec, "selector"), "tags"), labels);
      for (const BudgetFamily& f : budgetFamilies) {
        switch (f.part) {
          case BudgetPart::Usage:
            emit(f.family, labels, Number(Field(Field(status, "usage"), f.field)) * f.scale);
            break;
          case BudgetPart::Projected:
            emit(f.family, labels, Number(Field(Field(status, "projected"), f.field)) * f.scale);
            break;
          case BudgetPart::Limit: {
            const json& v = Field(Field(spec, "limits"), f.field);
            if (!v.is_null()) emit(f.family, labels, Number(v) * f.scale);
            break;
          }
          case BudgetPart::Warning:
          case BudgetPart::Exceeded: {
            const char* type = f.part == BudgetPart::Warning ? "Warning" : "Exceeded";
            double v = 0;
            for (const auto& c : Field(status, "conditions"))
              if (Str(Field(c, "type")) == type && Str(Field(c, "status")) == "True") v = 1;
            emit(f.family, labels, v);
            break;
          }
        }
      }
    }
  }
};

}  // namespace

std::string TagLabelName(const std::string& key) {
  std::string out;
  for (char c : key) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isupper(u)) {
      if (!out.empty() && out.back() != '_') out += '_';
      out += static_cast<char>(std::tolower(u));
    } else if (std::isalnum(u) || c == '_') {
      out += c;
    } else {
      out += '_';
    }
  }
  static const std::set<std::string> kOwn = {"namespace", "workload", "budget",
                                             "cluster",   "pool",     "location",
                                             "type",      "currency", "enforcement"};
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])) || kOwn.count(out) ||
      out.starts_with("__"))
    out = "tag_" + out;
  return out;
}

void RegisterSpendMetrics(MetricsRegistry& registry, HubCaches caches,
                          std::vector<std::string> tagKeys) {
  std::vector<std::string> tagLabels;
  for (const auto& k : tagKeys) tagLabels.push_back(TagLabelName(k));
  auto with = [&](std::vector<std::string> fixed) {
    fixed.insert(fixed.end(), tagLabels.begin(), tagLabels.end());
    return fixed;
  };
  const auto workloadLabels = with({"namespace", "workload", "type", "currency"});
  const auto budgetLabels = with({"namespace", "budget", "enforcement"});
  auto collector = std::make_shared<SpendCollector>();
  collector->caches = caches;
  collector->tagKeys = std::move(tagKeys);
  std::vector<MetricsRegistry::CollectedSpec> families;

  collector->firstWorkloadFamily = families.size();
  for (const auto& m : kWorkload) families.push_back({m.name, m.help, m.type, workloadLabels});

  const std::vector<std::string> placementLabels = {"namespace", "workload", "cluster", "pool",
                                                    "location"};
  collector->placementPower = families.size();
  families.push_back({"hybridai_placement_power_watts",
                      "Power an Active placement is rated to draw in watts, PUE included.",
                      MetricType::Gauge, placementLabels});
  collector->placementCarbon = families.size();
  families.push_back({"hybridai_placement_carbon_grams_per_hour",
                      "Carbon an Active placement emits per hour in grams CO2e (what runs).",
                      MetricType::Gauge, placementLabels});

  auto budgetFamily = [&](std::string name, std::string help, BudgetPart part, const char* field,
                          double scale) {
    collector->budgetFamilies.push_back({families.size(), part, field, scale});
    families.push_back({std::move(name), std::move(help), MetricType::Gauge, budgetLabels});
  };
  for (const auto& m : kBudget) {
    const std::string what = m.what;
    const std::string base = m.name;
    const bool power = std::string(m.field) == "powerWatts";
    budgetFamily(base, "Budget usage: " + what + (power ? " drawn now." : " so far this period."),
                 BudgetPart::Usage, m.field, m.scale);
    if (!power) {
      budgetFamily(base + "_projected", "Budget usage projected to the period's end: " + what + ".",
                   BudgetPart::Projected, m.field, m.scale);
    }
    budgetFamily(base + "_limit", "Budget limit: " + what + (power ? "." : " per period."),
                 BudgetPart::Limit, m.field, m.scale);
  }
  budgetFamily("hybridai_budget_warning", "1 while the budget's Warning condition is True.",
               BudgetPart::Warning, "", 1);
  budgetFamily("hybridai_budget_exceeded", "1 while the budget's Exceeded condition is True.",
               BudgetPart::Exceeded, "", 1);

  std::shared_ptr<const SpendCollector> collect = std::move(collector);
  registry.AddCollectedGroup(std::move(families), [collect](const MetricsRegistry::EmitTo& emit) {
    collect->Collect(emit);
  });
}

}  // namespace hybridai::controllers
