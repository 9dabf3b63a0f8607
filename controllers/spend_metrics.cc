#include "controllers/spend_metrics.h"

#include <cctype>
#include <map>
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

struct Scrape {
  HubCaches caches;
  std::vector<std::string> tagKeys;

  std::vector<std::string> Tags(const json& tags) const {
    std::vector<std::string> out;
    for (const auto& k : tagKeys) out.push_back(Str(Field(tags, k.c_str())));
    return out;
  }

  // fn(labels: namespace, workload, type, currency, tags..., object)
  template <class Fn>
  void Workloads(Fn&& fn) const {
    caches.workloads->ForEach("", "", [&](const runtime::StoredObject& stored) {
      runtime::ObjectPtr o = stored.object();
      if (!o) return;
      const json& meta = Field(*o, "metadata");
      const json& spec = Field(*o, "spec");
      const json& status = Field(*o, "status");
      std::vector<std::string> labels = {Str(Field(meta, "namespace")), Str(Field(meta, "name")),
                                         Str(Field(spec, "type")),
                                         Str(Field(Field(status, "cost"), "currency"))};
      for (auto& t : Tags(Field(spec, "tags"))) labels.push_back(std::move(t));
      fn(labels, status);
    });
  }

  template <class Fn>
  void Budgets(Fn&& fn) const {
    for (const auto& o : caches.budgets->List()) {
      const json& meta = Field(*o, "metadata");
      const json& spec = Field(*o, "spec");
      std::vector<std::string> labels = {Str(Field(meta, "namespace")), Str(Field(meta, "name")),
                                         Str(Field(spec, "enforcement"))};
      for (auto& t : Tags(Field(Field(spec, "selector"), "tags"))) labels.push_back(std::move(t));
      fn(labels, spec, Field(*o, "status"));
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
  auto scrape = std::make_shared<const Scrape>(Scrape{caches, std::move(tagKeys)});

  struct WorkloadMetric {
    const char* name;
    const char* help;
    MetricType type;
    double (*read)(const json& status);
  };
  static const WorkloadMetric kWorkload[] = {
      {"hybridai_workload_hourly_cost",
       "What the workload's running placements cost per hour, in its currency.", MetricType::Gauge,
       [](const json& s) { return Number(Field(Field(s, "cost"), "hourly")); }},
      {"hybridai_workload_cost_total",
       "Cost accumulated since the workload was created, in its currency.", MetricType::Counter,
       [](const json& s) { return Number(Field(Field(s, "cost"), "accumulated")); }},
      {"hybridai_workload_power_watts", "Power the workload draws now in watts, PUE included.",
       MetricType::Gauge,
       [](const json& s) { return Number(Field(Field(s, "energy"), "powerWatts")); }},
      {"hybridai_workload_energy_joules_total",
       "Energy used since creation in joules (kWh x 3.6e6).", MetricType::Counter,
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
  for (const auto& m : kWorkload) {
    auto read = m.read;
    registry.AddCollected(
        m.name, m.help, m.type, workloadLabels, [scrape, read](const MetricsRegistry::Emit& emit) {
          scrape->Workloads([&](const std::vector<std::string>& labels, const json& status) {
            emit(labels, read(status));
          });
        });
  }

  // Per placement: power and carbon by where they are drawn.
  for (const bool carbon : {false, true}) {
    registry.AddCollected(
        carbon ? "hybridai_placement_carbon_grams_per_hour" : "hybridai_placement_power_watts",
        carbon ? "Carbon an Active placement emits per hour in grams CO2e (what runs)."
               : "Power an Active placement is rated to draw in watts, PUE included.",
        MetricType::Gauge, {"namespace", "workload", "cluster", "pool", "location"},
        [scrape, carbon, caches](const MetricsRegistry::Emit& emit) {
          std::map<std::string, std::string> location;
          for (const auto& c : caches.clusters->List())
            location[Str(Field(Field(*c, "metadata"), "name"))] =
                Str(Field(Field(*c, "spec"), "location"));
          scrape->Workloads([&](const std::vector<std::string>& labels, const json& status) {
            const double throttled = Number(Field(status, "throttledReplicas"));
            for (const auto& p : Field(status, "placements")) {
              if (Str(Field(p, "role")) != "Active" || throttled > 0) continue;
              const std::string cluster = Str(Field(p, "cluster"));
              emit({labels[0], labels[1], cluster, Str(Field(p, "pool")), location[cluster]},
                   Number(Field(p, carbon ? "carbonGramsPerHour" : "powerWatts")));
            }
          });
        });
  }

  // Per budget: usage, projection and limit of each quantity, in base units.
  struct BudgetMetric {
    const char* name;
    const char* help;
    const char* field;  // in usage / projected / limits
    double scale;
  };
  static const BudgetMetric kBudget[] = {
      {"hybridai_budget_cost", "cost", "cost", 1},
      {"hybridai_budget_energy_joules", "energy in joules", "energyKWh", 3.6e6},
      {"hybridai_budget_carbon_grams", "carbon in grams CO2e", "carbonKg", 1000},
      {"hybridai_budget_power_watts", "power in watts", "powerWatts", 1},
  };
  for (const auto& m : kBudget) {
    const std::string what = m.help;
    const char* field = m.field;
    const double scale = m.scale;
    const std::string base = m.name;
    const bool power = std::string(field) == "powerWatts";
    registry.AddCollected(
        base, "Budget usage: " + what + (power ? " drawn now." : " so far this period."),
        MetricType::Gauge, budgetLabels, [scrape, field, scale](const MetricsRegistry::Emit& emit) {
          scrape->Budgets([&](const auto& labels, const json&, const json& status) {
            emit(labels, Number(Field(Field(status, "usage"), field)) * scale);
          });
        });
    if (!power) {
      registry.AddCollected(
          base + "_projected", "Budget usage projected to the period's end: " + what + ".",
          MetricType::Gauge, budgetLabels,
          [scrape, field, scale](const MetricsRegistry::Emit& emit) {
            scrape->Budgets([&](const auto& labels, const json&, const json& status) {
              emit(labels, Number(Field(Field(status, "projected"), field)) * scale);
            });
          });
    }
    registry.AddCollected(base + "_limit", "Budget limit: " + what + (power ? "." : " per period."),
                          MetricType::Gauge, budgetLabels,
                          [scrape, field, scale](const MetricsRegistry::Emit& emit) {
                            scrape->Budgets([&](const auto& labels, const json& spec, const json&) {
                              const json& v = Field(Field(spec, "limits"), field);
                              if (!v.is_null()) emit(labels, Number(v) * scale);
                            });
                          });
  }
  for (const char* type : {"Warning", "Exceeded"}) {
    const std::string t = type;
    registry.AddCollected(
        t == "Warning" ? "hybridai_budget_warning" : "hybridai_budget_exceeded",
        t == "Warning" ? "1 while the budget's Warning condition is True."
                       : "1 while the budget's Exceeded condition is True.",
        MetricType::Gauge, budgetLabels, [scrape, t](const MetricsRegistry::Emit& emit) {
          scrape->Budgets([&](const auto& labels, const json&, const json& status) {
            double v = 0;
            for (const auto& c : Field(status, "conditions"))
              if (Str(Field(c, "type")) == t && Str(Field(c, "status")) == "True") v = 1;
            emit(labels, v);
          });
        });
  }
}

}  // namespace hybridai::controllers
