#include "runtime/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <spdlog/spdlog.h>

namespace hybridai::runtime {

// ---- values ----

void Counter::Inc(double v) {
  if (!(v > 0)) return;  // also rejects NaN
  value_.fetch_add(v, std::memory_order_relaxed);
}

void Gauge::Add(double v) {
  value_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_([&] {
        // Prometheus requires strictly increasing finite bounds; +Inf is implicit.
        std::vector<double> b;
        for (double x : bounds)
          if (std::isfinite(x)) b.push_back(x);
        std::sort(b.begin(), b.end());
        b.erase(std::unique(b.begin(), b.end()), b.end());
        return b;
      }()),
      counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double v) {
  if (std::isnan(v)) return;
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  std::lock_guard lock(mu_);
  ++counts_[i];
  sum_ += v;
  ++count_;
}

Histogram::Snapshot Histogram::Snap() const {
  Snapshot s;
  s.bounds = bounds_;
  std::lock_guard lock(mu_);
  s.cumulative.reserve(counts_.size());
  uint64_t running = 0;
  for (uint64_t c : counts_) {
    running += c;
    s.cumulative.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> b;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) b.push_back(v);
  return b;
}

std::vector<double> ReconcileTimeBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
          0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
          6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
}

std::vector<double> WorkqueueDurationBuckets() {
  // 1e-8 .. 1e3 written out: repeated multiplication drifts (1.0000000000000002e-07).
  return {1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000};
}

// ---- exposition helpers ----

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

const char* TypeName(MetricType t) {
  switch (t) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

bool ValidName(std::string_view n, bool allowColon) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allowColon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// `{a="x",b="y"` without the closing brace, so histograms can append `le`.
void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values) {
  for (size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? '{' : ',';
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
}

void AppendSample(std::string& out, const std::string& name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, double v) {
  out += name;
  AppendLabels(out, names, values);
  if (!names.empty()) out += '}';
  out += ' ';
  out += FormatMetricValue(v);
  out += '\n';
}

void WriteSeries(std::string& out, const std::string& name, const std::vector<std::string>& names,
                 const std::vector<std::string>& values, const Counter& c) {
  AppendSample(out, name, names, values, c.Value());
}

void WriteSeries(std::string& out, const std::string& name, const std::vector<std::string>& names,
                 const std::vector<std::string>& values, const Gauge& g) {
  AppendSample(out, name, names, values, g.Value());
}

void WriteSeries(std::string& out, const std::string& name, const std::vector<std::string>& names,
                 const std::vector<std::string>& values, const Histogram& h) {
  Histogram::Snapshot s = h.Snap();
  for (size_t i = 0; i < s.cumulative.size(); ++i) {
    out += name;
    out += "_bucket";
    AppendLabels(out, names, values);
    out += names.empty() ? "{" : ",";
    out += "le=\"";
    out += i < s.bounds.size() ? FormatMetricValue(s.bounds[i]) : "+Inf";
    out += "\"} ";
    out += FormatMetricValue(static_cast<double>(s.cumulative[i]));
    out += '\n';
  }
  AppendSample(out, name + "_sum", names, values, s.sum);
  AppendSample(out, name + "_count", names, values, static_cast<double>(s.count));
}

class CallbackFamily final : public MetricFamilyBase {
 public:
  CallbackFamily(std::string name, std::string help, MetricType type, std::function<double()> read)
      : MetricFamilyBase(std::move(name), std::move(help), type, {}), read_(std::move(read)) {}
  void Write(std::string& out) const override {
    WriteHeader(out);
    AppendSample(out, name_, {}, {}, read_ ? read_() : 0.0);
  }

 private:
  std::function<double()> read_;
};

}  // namespace

// One collect for several families (AddCollectedGroup): run once at the start of a scrape, its
// series kept per family until the scrape ends. Used under the registry's lock only.
class CollectorGroup {
 public:
  CollectorGroup(std::vector<MetricsRegistry::CollectedSpec> specs,
                 std::function<void(const MetricsRegistry::EmitTo&)> collect)
      : specs_(std::move(specs)), collect_(std::move(collect)), bodies_(specs_.size()) {}

  void Collect() {
    Clear();  // also what an earlier collect left when it threw
    if (!collect_) return;
    collect_([&](size_t i, const std::vector<std::string>& values, double v) {
      if (i >= specs_.size()) return;
      std::vector<std::string> padded = values;
      padded.resize(specs_[i].labelNames.size());
      AppendSample(bodies_[i], specs_[i].name, specs_[i].labelNames, padded, v);
    });
  }
  void Clear() {
    for (auto& b : bodies_) b.clear();
  }
  const std::string& Body(size_t i) const { return bodies_[i]; }

 private:
  const std::vector<MetricsRegistry::CollectedSpec> specs_;
  const std::function<void(const MetricsRegistry::EmitTo&)> collect_;
  std::vector<std::string> bodies_;  // exposition lines per family, this scrape
};

namespace {

class GroupedFamily final : public MetricFamilyBase {
 public:
  GroupedFamily(std::string name, std::string help, MetricType type,
                std::vector<std::string> labelNames, std::shared_ptr<const CollectorGroup> group,
                size_t index)
      : MetricFamilyBase(std::move(name), std::move(help), type, std::move(labelNames)),
        group_(std::move(group)),
        index_(index) {}
  void Write(std::string& out) const override {
    const std::string& body = group_->Body(index_);
    if (body.empty()) return;
    WriteHeader(out);
    out += body;
  }

 private:
  const std::shared_ptr<const CollectorGroup> group_;
  const size_t index_;
};

}  // namespace

void MetricFamilyBase::WriteHeader(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  out += EscapeHelp(help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += TypeName(type_);
  out += '\n';
}

// ---- families ----

template <typename M>
Family<M>::Family(std::string name, std::string help, MetricType type,
                  std::vector<std::string> labelNames, std::vector<double> bounds)
    : MetricFamilyBase(std::move(name), std::move(help), type, std::move(labelNames)),
      bounds_(std::move(bounds)) {
  // An unlabelled metric exists from the start (exposed as 0), as in client_golang.
  if (labelNames_.empty()) series_.emplace(std::vector<std::string>{}, Make());
}

template <typename M>
std::unique_ptr<M> Family<M>::Make() const {
  if constexpr (std::is_same_v<M, Histogram>) {
    return std::make_unique<Histogram>(bounds_);
  } else {
    return std::make_unique<M>();
  }
}

template <typename M>
M& Family<M>::With(const std::vector<std::string>& labelValues) {
  std::lock_guard lock(mu_);
  auto it = series_.find(labelValues);
  if (it != series_.end()) return *it->second;
  std::vector<std::string> key = labelValues;
  if (key.size() != labelNames_.size()) {
    spdlog::error("metric={} msg=\"wrong number of label values\" want={} got={}", name_,
                  labelNames_.size(), key.size());
    key.resize(labelNames_.size());
    if (auto again = series_.find(key); again != series_.end()) return *again->second;
  }
  return *series_.emplace(std::move(key), Make()).first->second;
}

template <typename M>
M& Family<M>::With(std::initializer_list<std::string_view> labelValues) {
  std::vector<std::string> v;
  v.reserve(labelValues.size());
  for (std::string_view s : labelValues) v.emplace_back(s);
  return With(v);
}

template <typename M>
void Family<M>::Write(std::string& out) const {
  std::lock_guard lock(mu_);
  if (series_.empty()) return;
  WriteHeader(out);
  for (const auto& [values, metric] : series_)
    WriteSeries(out, name_, labelNames_, values, *metric);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- registry ----

template <typename F, typename... Args>
F& MetricsRegistry::Register(const std::string& name, MetricType type,
                             const std::vector<std::string>& labels, Args&&... args) {
  std::lock_guard lock(mu_);
  std::string problem;
  if (!ValidName(name, true)) problem = "invalid metric name";
  for (const std::string& l : labels) {
    if (!ValidName(l, false) || l.rfind("__", 0) == 0 ||
        (type == MetricType::Histogram && l == "le")) {
      problem = "invalid label name '" + l + "'";
    }
  }
  if (problem.empty()) {
    auto it = families_.find(name);
    if (it == families_.end()) {
      auto f = std::make_unique<F>(name, std::forward<Args>(args)...);
      F& ref = *f;
      families_.emplace(name, std::move(f));
      return ref;
    }
    if (auto* existing = dynamic_cast<F*>(it->second.get());
        existing && existing->type() == type && existing->labelNames() == labels) {
      return *existing;
    }
    problem = "already registered with another type or labels";
  }
  spdlog::error("metric={} msg=\"{}; this metric will not be exposed\"", name, problem);
  auto f = std::make_unique<F>(name, std::forward<Args>(args)...);
  F& ref = *f;
  detached_.push_back(std::move(f));
  return ref;
}

CounterFamily& MetricsRegistry::AddCounter(const std::string& name, const std::string& help,
                                           std::vector<std::string> labelNames) {
  return Register<CounterFamily>(name, MetricType::Counter, labelNames, help, MetricType::Counter,
                                 labelNames);
}

GaugeFamily& MetricsRegistry::AddGauge(const std::string& name, const std::string& help,
                                       std::vector<std::string> labelNames) {
  return Register<GaugeFamily>(name, MetricType::Gauge, labelNames, help, MetricType::Gauge,
                               labelNames);
}

HistogramFamily& MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                               std::vector<std::string> labelNames,
                                               std::vector<double> bounds) {
  return Register<HistogramFamily>(name, MetricType::Histogram, labelNames, help,
                                   MetricType::Histogram, labelNames, std::move(bounds));
}

void MetricsRegistry::AddCallback(const std::string& name, const std::string& help, MetricType type,
                                  std::function<double()> read) {
  if (type == MetricType::Histogram) {
    spdlog::error("metric={} msg=\"a callback metric is a counter or a gauge\"", name);
    return;
  }
  Register<CallbackFamily>(name, type, {}, help, type, std::move(read));
}

void MetricsRegistry::AddCollected(const std::string& name, const std::string& help,
                                   MetricType type, std::vector<std::string> labelNames,
                                   std::function<void(const Emit& emit)> collect) {
  // A group of one.
  AddCollectedGroup(
      {CollectedSpec{name, help, type, std::move(labelNames)}},
      [collect = std::move(collect)](const EmitTo& emit) {
        if (!collect) return;
        collect([&](const std::vector<std::string>& values, double v) { emit(0, values, v); });
      });
}

void MetricsRegistry::AddCollectedGroup(std::vector<CollectedSpec> families,
                                        std::function<void(const EmitTo& emit)> collect) {
  auto group = std::make_shared<CollectorGroup>(families, std::move(collect));
  for (size_t i = 0; i < families.size(); ++i) {
    const CollectedSpec& f = families[i];
    if (f.type == MetricType::Histogram) {
      spdlog::error("metric={} msg=\"a collected metric is a counter or a gauge\"", f.name);
      continue;
    }
    Register<GroupedFamily>(f.name, f.type, f.labelNames, f.help, f.type, f.labelNames,
                            std::shared_ptr<const CollectorGroup>(group), i);
  }
  std::lock_guard lock(mu_);
  groups_.push_back(std::move(group));
}

std::string MetricsRegistry::Expose() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& g : groups_) g->Collect();
  for (const auto& [name, family] : families_) family->Write(out);
  for (const auto& g : groups_) g->Clear();
  return out;
}

MetricsRegistry& DefaultRegistry() {
  static MetricsRegistry* registry = new MetricsRegistry();  // never destroyed: used at exit
  return *registry;
}

RuntimeMetrics::RuntimeMetrics(MetricsRegistry& r)
    : reconcileTotal(r.AddCounter("controller_runtime_reconcile_total",
                                  "Total number of reconciliations per controller",
                                  {"controller", "result"})),
      reconcileErrors(r.AddCounter("controller_runtime_reconcile_errors_total",
                                   "Total number of reconciliation errors per controller",
                                   {"controller"})),
      reconcileTime(r.AddHistogram("controller_runtime_reconcile_time_seconds",
                                   "Length of time per reconciliation per controller",
                                   {"controller"}, ReconcileTimeBuckets())),
      activeWorkers(r.AddGauge("controller_runtime_active_workers",
                               "Number of currently used workers per controller", {"controller"})),
      maxConcurrentReconciles(r.AddGauge("controller_runtime_max_concurrent_reconciles",
                                         "Maximum number of concurrent reconciles per controller",
                                         {"controller"})),
      workqueueDepth(
          r.AddGauge("workqueue_depth", "Current depth of workqueue by workqueue", {"name"})),
      workqueueAdds(r.AddCounter("workqueue_adds_total",
                                 "Total number of adds handled by workqueue", {"name"})),
      workqueueRetries(r.AddCounter("workqueue_retries_total",
                                    "Total number of retries handled by workqueue", {"name"})),
      workqueueQueueDuration(
          r.AddHistogram("workqueue_queue_duration_seconds",
                         "How long in seconds an item stays in workqueue before being requested",
                         {"name"}, WorkqueueDurationBuckets())),
      workqueueWorkDuration(
          r.AddHistogram("workqueue_work_duration_seconds",
                         "How long in seconds processing an item from workqueue takes", {"name"},
                         WorkqueueDurationBuckets())),
      leaderElectionMasterStatus(r.AddGauge(
          "leader_election_master_status",
          "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 "
          "indicates master. 'name' is the string used to identify the lease.",
          {"name"})) {}

}  // namespace hybridai::runtime
