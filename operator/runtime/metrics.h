// A small metrics registry (counters, gauges, histograms, with labels), its Prometheus text
// exposition (format 0.0.4), and the metric names users expect from controller-runtime.
// Thread-safe: update and Expose() from any thread; With() references live as long as the registry.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/process_metrics.h"  // RegisterProcessMetrics, for callers of this header

namespace hybridai::runtime {

enum class MetricType { Counter, Gauge, Histogram };

// Monotonic; negative increments are ignored so a counter never goes down.
class Counter {
 public:
  void Inc(double v = 1.0);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v);
  void Inc() { Add(1.0); }
  void Dec() { Add(-1.0); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Fixed upper bounds; an implicit +Inf bucket follows the last one.
class Histogram {
 public:
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };

  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  Snapshot Snap() const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;         // a scrape sees count, sum and buckets of the same instant
  std::vector<uint64_t> counts_;  // per bucket, non-cumulative, last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

// controller-runtime's reconcile_time buckets, and client-go's workqueue buckets (1e-8 .. 1e3).
std::vector<double> ReconcileTimeBuckets();
std::vector<double> WorkqueueDurationBuckets();
std::vector<double> ExponentialBuckets(double start, double factor, int count);

class MetricFamilyBase {
 public:
  MetricFamilyBase(std::string name, std::string help, MetricType type,
                   std::vector<std::string> labelNames)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        labelNames_(std::move(labelNames)) {}
  virtual ~MetricFamilyBase() = default;

  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& labelNames() const { return labelNames_; }
  // Appends HELP, TYPE and every series; appends nothing when the family has no series.
  virtual void Write(std::string& out) const = 0;

 protected:
  void WriteHeader(std::string& out) const;

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> labelNames_;
};

// All series of one metric name, one per distinct tuple of label values (in labelNames order).
template <typename M>
class Family final : public MetricFamilyBase {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> labelNames,
         std::vector<double> bounds = {});

  // The series for these label values, created on first use. A wrong number of values is a
  // programming error; it is padded or truncated rather than crashing the process.
  M& With(const std::vector<std::string>& labelValues);
  M& With(std::initializer_list<std::string_view> labelValues);
  void Write(std::string& out) const override;

 private:
  std::unique_ptr<M> Make() const;

  const std::vector<double> bounds_;  // histograms only
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

class CollectorGroup;  // metrics.cc

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Registering a name again with the same type and labels returns the existing family, so
  // components may each declare the metrics they use. A clash (other type or labels, invalid
  // name) is logged and yields a family that works but is never exposed.
  CounterFamily& AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> labelNames = {});
  GaugeFamily& AddGauge(const std::string& name, const std::string& help,
                        std::vector<std::string> labelNames = {});
  HistogramFamily& AddHistogram(const std::string& name, const std::string& help,
                                std::vector<std::string> labelNames, std::vector<double> bounds);
  // An unlabelled value computed at scrape time (process metrics). Same clash rules.
  void AddCallback(const std::string& name, const std::string& help, MetricType type,
                   std::function<double()> read);
  // Series computed at scrape time from the state they describe, so a series exists exactly as
  // long as its object does: `collect` calls `emit` once per series, label values in
  // `labelNames` order. Same clash rules.
  using Emit = std::function<void(const std::vector<std::string>& labelValues, double value)>;
  void AddCollected(const std::string& name, const std::string& help, MetricType type,
                    std::vector<std::string> labelNames,
                    std::function<void(const Emit& emit)> collect);
  // Several collected families computed by one pass over the state they describe (a store
  // walked once, each object decoded once, for all of them): `collect` runs once per scrape
  // and calls `emit(i, labelValues, value)` for each series of `families[i]`. Each family is
  // exposed in its place by name as AddCollected's are. Same clash rules, per family; a name
  // already registered keeps its first collector.
  struct CollectedSpec {
    std::string name;
    std::string help;
    MetricType type = MetricType::Gauge;
    std::vector<std::string> labelNames;
  };
  using EmitTo =
      std::function<void(size_t family, const std::vector<std::string>& labelValues, double value)>;
  void AddCollectedGroup(std::vector<CollectedSpec> families,
                         std::function<void(const EmitTo& emit)> collect);

  // The Prometheus text exposition, families sorted by name.
  std::string Expose() const;

 private:
  template <typename F, typename... Args>
  F& Register(const std::string& name, MetricType type, const std::vector<std::string>& labels,
              Args&&... args);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<MetricFamilyBase>> families_;
  // Collected once at the start of each Expose(), their families' series held until its end.
  std::vector<std::shared_ptr<CollectorGroup>> groups_;
  std::vector<std::unique_ptr<MetricFamilyBase>> detached_;  // clashes: usable, not exposed
};

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The process-wide registry the operator serves on /metrics. Components take a registry
// pointer so tests can pass their own.
MetricsRegistry& DefaultRegistry();

// The names controller-runtime and client-go users expect, declared on one registry.
struct RuntimeMetrics {
  explicit RuntimeMetrics(MetricsRegistry& registry);

  CounterFamily& reconcileTotal;         // controller_runtime_reconcile_total{controller,result}
  CounterFamily& reconcileErrors;        // controller_runtime_reconcile_errors_total{controller}
  HistogramFamily& reconcileTime;        // controller_runtime_reconcile_time_seconds{controller}
  GaugeFamily& activeWorkers;            // controller_runtime_active_workers{controller}
  GaugeFamily& maxConcurrentReconciles;  // controller_runtime_max_concurrent_reconciles{controller}
  GaugeFamily& workqueueDepth;           // workqueue_depth{name}
  CounterFamily& workqueueAdds;          // workqueue_adds_total{name}
  CounterFamily& workqueueRetries;       // workqueue_retries_total{name}
  HistogramFamily& workqueueQueueDuration;  // workqueue_queue_duration_seconds{name}
  HistogramFamily& workqueueWorkDuration;   // workqueue_work_duration_seconds{name}
  GaugeFamily& leaderElectionMasterStatus;  // leader_election_master_status{name}
};

// Values of controller_runtime_reconcile_total's `result` label.
inline constexpr const char* kResultSuccess = "success";
inline constexpr const char* kResultError = "error";
inline constexpr const char* kResultRequeue = "requeue";
inline constexpr const char* kResultRequeueAfter = "requeue_after";

// Exposition helpers, public for tests and other exporters.
std::string FormatMetricValue(double v);           // shortest round-trip; +Inf, -Inf, NaN
std::string EscapeLabelValue(std::string_view v);  // backslash, double quote, newline
std::string EscapeHelp(std::string_view v);        // backslash, newline

}  // namespace hybridai::runtime
