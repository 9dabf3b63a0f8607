// Metrics registry and Prometheus text exposition (format 0.0.4).
#include "runtime/metrics.h"
#include "runtime/process_metrics.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <thread>
#include <vector>

namespace hybridai::runtime {
namespace {

TEST(MetricsTest, ExpositionIsExact) {
  MetricsRegistry r;
  auto& reconciles = r.AddCounter("controller_runtime_reconcile_total", "Total reconciles",
                                  {"controller", "result"});
  reconciles.With({"aiworkload", "success"}).Inc();
  reconciles.With({"aiworkload", "success"}).Inc(2);
  reconciles.With({"aiworkload", "error"}).Inc();
  reconciles.With({"gpupool", "requeue_after"}).Inc();
  r.AddGauge("workqueue_depth", "Current depth", {"name"}).With({"aiworkload"}).Set(7);
  r.AddGauge("hybridai_up", "Whether up").With({}).Set(1);

  EXPECT_EQ(r.Expose(),
            "# HELP controller_runtime_reconcile_total Total reconciles\n"
            "# TYPE controller_runtime_reconcile_total counter\n"
            "controller_runtime_reconcile_total{controller=\"aiworkload\",result=\"error\"} 1\n"
            "controller_runtime_reconcile_total{controller=\"aiworkload\",result=\"success\"} 3\n"
            "controller_runtime_reconcile_total{controller=\"gpupool\",result=\"requeue_after\"} "
            "1\n"
            "# HELP hybridai_up Whether up\n"
            "# TYPE hybridai_up gauge\n"
            "hybridai_up 1\n"
            "# HELP workqueue_depth Current depth\n"
            "# TYPE workqueue_depth gauge\n"
            "workqueue_depth{name=\"aiworkload\"} 7\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInclusive) {
  MetricsRegistry r;
  auto& h = r.AddHistogram("work_seconds", "Work time", {"name"}, {0.25, 1, 10});
  Histogram& q = h.With({"q"});
  q.Observe(0.125);
  q.Observe(0.25);  // on the bound: counts in le="0.25"
  q.Observe(0.5);
  q.Observe(10);
  q.Observe(11);

  EXPECT_EQ(r.Expose(),
            "# HELP work_seconds Work time\n"
            "# TYPE work_seconds histogram\n"
            "work_seconds_bucket{name=\"q\",le=\"0.25\"} 2\n"
            "work_seconds_bucket{name=\"q\",le=\"1\"} 3\n"
            "work_seconds_bucket{name=\"q\",le=\"10\"} 4\n"
            "work_seconds_bucket{name=\"q\",le=\"+Inf\"} 5\n"
            "work_seconds_sum{name=\"q\"} 21.875\n"
            "work_seconds_count{name=\"q\"} 5\n");
}

TEST(MetricsTest, UnlabelledHistogramPutsLeFirst) {
  MetricsRegistry r;
  r.AddHistogram("h", "H", {}, {1}).With({}).Observe(3);
  EXPECT_EQ(r.Expose(),
            "# HELP h H\n# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_sum 3\nh_count 1\n");
}

TEST(MetricsTest, HistogramBoundsAreSortedAndDeduplicated) {
  Histogram h({10, 1, 1, std::numeric_limits<double>::infinity()});
  h.Observe(5);
  Histogram::Snapshot s = h.Snap();
  EXPECT_EQ(s.bounds, (std::vector<double>{1, 10}));
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{0, 1, 1}));
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  MetricsRegistry r;
  r.AddCounter("c_total", "Help with \\ and\nnewline", {"path"})
      .With({"C:\\dir \"quoted\"\nnext"})
      .Inc();
  EXPECT_EQ(r.Expose(),
            "# HELP c_total Help with \\\\ and\\nnewline\n"
            "# TYPE c_total counter\n"
            "c_total{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 1\n");
}

TEST(MetricsTest, ValuesFormatLikePrometheus) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(42), "42");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(-1.5), "-1.5");
  EXPECT_EQ(FormatMetricValue(1e-8), "1e-08");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  // Round-trips exactly.
  EXPECT_EQ(std::strtod(FormatMetricValue(0.1 + 0.2).c_str(), nullptr), 0.1 + 0.2);
}

TEST(MetricsTest, CounterIgnoresNegativeAndNaN) {
  Counter c;
  c.Inc(2);
  c.Inc(-5);
  c.Inc(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(c.Value(), 2);
}

TEST(MetricsTest, GaugeMovesBothWays) {
  Gauge g;
  g.Inc();
  g.Inc();
  g.Dec();
  g.Add(0.5);
  EXPECT_EQ(g.Value(), 1.5);
}

TEST(MetricsTest, LabelledFamilyWithoutSeriesIsNotExposed) {
  MetricsRegistry r;
  r.AddCounter("never_used_total", "Unused", {"x"});
  EXPECT_EQ(r.Expose(), "");
}

TEST(MetricsTest, RegisteringTwiceReturnsTheSameFamily) {
  MetricsRegistry r;
  auto& a = r.AddCounter("x_total", "X", {"k"});
  auto& b = r.AddCounter("x_total", "X", {"k"});
  EXPECT_EQ(&a, &b);
  a.With({"v"}).Inc();
  EXPECT_EQ(b.With({"v"}).Value(), 1);
}

TEST(MetricsTest, ClashingRegistrationWorksButIsNotExposed) {
  MetricsRegistry r;
  r.AddCounter("x_total", "X", {"k"}).With({"v"}).Inc();
  auto& clash = r.AddGauge("x_total", "X as a gauge", {"k"});
  clash.With({"v"}).Set(99);  // usable, must not crash
  auto& otherLabels = r.AddCounter("x_total", "X", {"other"});
  otherLabels.With({"w"}).Inc();
  auto& badName = r.AddCounter("1bad-name", "Bad");
  badName.With({}).Inc();
  auto& badLabel = r.AddHistogram("h", "H", {"le"}, {1});
  badLabel.With({"x"}).Observe(1);
  EXPECT_EQ(r.Expose(), "# HELP x_total X\n# TYPE x_total counter\nx_total{k=\"v\"} 1\n");
}

TEST(MetricsTest, ACollectedGroupCollectsOncePerScrapeForAllItsFamilies) {
  MetricsRegistry r;
  int collects = 0;
  std::vector<std::string> namespaces;
  r.AddCollectedGroup({{"b_watts", "B", MetricType::Gauge, {"ns"}},
                       {"d_total", "D", MetricType::Counter, {"ns", "x"}},
                       {"e_idle", "Never emitted", MetricType::Gauge, {"ns"}}},
                      [&](const MetricsRegistry::EmitTo& emit) {
                        ++collects;
                        for (const auto& ns : namespaces) {
                          emit(0, {ns}, 2);
                          emit(1, {ns}, 3);  // too few label values: padded
                        }
                        emit(7, {"nowhere"}, 1);  // no such family: ignored
                      });
  r.AddGauge("c", "C").With({}).Set(1);
  EXPECT_EQ(r.Expose(), "# HELP c C\n# TYPE c gauge\nc 1\n");
  EXPECT_EQ(collects, 1);
  namespaces = {"a", "b"};
  // In name order among the other families; each family's series in the order emitted.
  EXPECT_EQ(r.Expose(),
            "# HELP b_watts B\n# TYPE b_watts gauge\n"
            "b_watts{ns=\"a\"} 2\nb_watts{ns=\"b\"} 2\n"
            "# HELP c C\n# TYPE c gauge\nc 1\n"
            "# HELP d_total D\n# TYPE d_total counter\n"
            "d_total{ns=\"a\",x=\"\"} 3\nd_total{ns=\"b\",x=\"\"} 3\n");
  EXPECT_EQ(collects, 2);
  // Nothing of one scrape is left for the next.
  namespaces = {"z"};
  EXPECT_EQ(r.Expose(),
            "# HELP b_watts B\n# TYPE b_watts gauge\nb_watts{ns=\"z\"} 2\n"
            "# HELP c C\n# TYPE c gauge\nc 1\n"
            "# HELP d_total D\n# TYPE d_total counter\nd_total{ns=\"z\",x=\"\"} 3\n");
  EXPECT_EQ(collects, 3);
}

TEST(MetricsTest, ACollectedGroupKeepsTheClashRules) {
  MetricsRegistry r;
  r.AddCounter("x_total", "X", {"k"}).With({"v"}).Inc();
  r.AddCollectedGroup({{"x_total", "X as a gauge", MetricType::Gauge, {"k"}},
                       {"h", "A histogram cannot be collected", MetricType::Histogram, {"k"}},
                       {"ok", "OK", MetricType::Gauge, {"k"}}},
                      [](const MetricsRegistry::EmitTo& emit) {
                        emit(0, {"w"}, 99);
                        emit(1, {"w"}, 1);
                        emit(2, {"w"}, 1);
                      });
  EXPECT_EQ(r.Expose(),
            "# HELP ok OK\n# TYPE ok gauge\nok{k=\"w\"} 1\n"
            "# HELP x_total X\n# TYPE x_total counter\nx_total{k=\"v\"} 1\n");
}

TEST(MetricsTest, WrongLabelArityIsPaddedNotFatal) {
  MetricsRegistry r;
  auto& f = r.AddCounter("y_total", "Y", {"a", "b"});
  f.With({"only-a"}).Inc();
  f.With({"1", "2", "3"}).Inc();
  EXPECT_EQ(r.Expose(),
            "# HELP y_total Y\n# TYPE y_total counter\n"
            "y_total{a=\"1\",b=\"2\"} 1\n"
            "y_total{a=\"only-a\",b=\"\"} 1\n");
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
  MetricsRegistry r;
  auto& c = r.AddCounter("hits_total", "Hits", {"worker"});
  auto& h = r.AddHistogram("lat", "Latency", {}, {0.5});
  constexpr int kThreads = 4, kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        c.With({"shared"}).Inc();
        h.With({}).Observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  // Scrapes race with the writers; each must be well formed.
  for (int i = 0; i < 20; ++i)
    EXPECT_NE(r.Expose().find("# TYPE lat histogram"), std::string::npos);
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.With({"shared"}).Value(), kThreads * kPerThread);
  Histogram::Snapshot s = h.With({}).Snap();
  EXPECT_EQ(s.count, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(s.cumulative[0], static_cast<uint64_t>(kThreads * kPerThread / 2));
}

TEST(MetricsTest, RuntimeMetricsUseTheExpectedNames) {
  MetricsRegistry r;
  RuntimeMetrics m(r);
  m.reconcileTotal.With({"aiworkload", kResultRequeueAfter}).Inc();
  m.reconcileErrors.With({"aiworkload"}).Inc();
  m.reconcileTime.With({"aiworkload"}).Observe(0.003);
  m.activeWorkers.With({"aiworkload"}).Set(2);
  m.workqueueDepth.With({"aiworkload"}).Set(3);
  m.workqueueAdds.With({"aiworkload"}).Inc();
  m.workqueueRetries.With({"aiworkload"}).Inc();
  m.workqueueQueueDuration.With({"aiworkload"}).Observe(1e-3);
  m.workqueueWorkDuration.With({"aiworkload"}).Observe(1e-3);
  m.leaderElectionMasterStatus.With({"hybridai-operator"}).Set(1);
  std::string out = r.Expose();
  for (const char* line : {
           "controller_runtime_reconcile_total{controller=\"aiworkload\",result=\"requeue_after\"} "
           "1",
           "controller_runtime_reconcile_errors_total{controller=\"aiworkload\"} 1",
           "controller_runtime_reconcile_time_seconds_bucket{controller=\"aiworkload\",le=\"0."
           "005\"} 1",
           "controller_runtime_reconcile_time_seconds_count{controller=\"aiworkload\"} 1",
           "controller_runtime_active_workers{controller=\"aiworkload\"} 2",
           "workqueue_depth{name=\"aiworkload\"} 3",
           "workqueue_adds_total{name=\"aiworkload\"} 1",
           "workqueue_retries_total{name=\"aiworkload\"} 1",
           "workqueue_queue_duration_seconds_bucket{name=\"aiworkload\",le=\"1e-08\"} 0",
           "workqueue_queue_duration_seconds_bucket{name=\"aiworkload\",le=\"0.001\"} 1",
           "workqueue_work_duration_seconds_count{name=\"aiworkload\"} 1",
           "leader_election_master_status{name=\"hybridai-operator\"} 1",
       }) {
    EXPECT_NE(out.find(std::string(line) + "\n"), std::string::npos) << line << "\nin:\n" << out;
  }
  // A second set over the same registry shares the families.
  RuntimeMetrics again(r);
  EXPECT_EQ(&again.reconcileTotal, &m.reconcileTotal);
}

double SampleValue(const std::string& exposition, const std::string& name) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::strtod(line.c_str() + name.size() + 1, nullptr);
  }
  return -1;
}

TEST(MetricsTest, ProcessMetricsComeFromProc) {
  MetricsRegistry r;
  RegisterProcessMetrics(r);
  std::string out = r.Expose();
  EXPECT_NE(out.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_GT(SampleValue(out, "process_resident_memory_bytes"), 1024 * 1024);
  EXPECT_GE(SampleValue(out, "process_virtual_memory_bytes"),
            SampleValue(out, "process_resident_memory_bytes"));
  EXPECT_GE(SampleValue(out, "process_cpu_seconds_total"), 0);
  EXPECT_GE(SampleValue(out, "process_open_fds"), 3);
  // Started after 2020-01-01 and not in the future.
  double start = SampleValue(out, "process_start_time_seconds");
  EXPECT_GT(start, 1577836800);
  EXPECT_LE(start, static_cast<double>(std::time(nullptr)) + 1);
}

}  // namespace
}  // namespace hybridai::runtime
