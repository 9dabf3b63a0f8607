#include "runtime/process_metrics.h"

#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/metrics.h"

namespace hybridai::runtime {

namespace {

// Fields of /proc/self/stat after the command name, which may itself hold spaces and parens.
std::vector<std::string> ProcSelfStatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return {};
  size_t close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;  // fields[0] is field 3 (state)
}

double StatField(const std::vector<std::string>& fields, int fieldNumber) {
  size_t i = static_cast<size_t>(fieldNumber - 3);
  if (i >= fields.size()) return 0;
  double v = 0;
  const std::string& s = fields[i];
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

// jemalloc's control interface, present when the binary is linked with jemalloc.
extern "C" int mallctl(const char*, void*, size_t*, void*, size_t) __attribute__((weak));

// A jemalloc statistic ("stats.allocated", ...), refreshed first; 0 without jemalloc.
double AllocatorStat(const char* name) {
  if (mallctl == nullptr) return 0;
  uint64_t epoch = 1;
  size_t len = sizeof epoch;
  mallctl("epoch", &epoch, &len, &epoch, len);
  size_t value = 0;
  len = sizeof value;
  if (mallctl(name, &value, &len, nullptr, 0) != 0) return 0;
  return static_cast<double>(value);
}

double ClockTicks() {
  long t = sysconf(_SC_CLK_TCK);
  return t > 0 ? static_cast<double>(t) : 100.0;
}

}  // namespace

void RegisterProcessMetrics(MetricsRegistry& r) {
  r.AddCallback("process_resident_memory_bytes", "Resident memory size in bytes.",
                MetricType::Gauge, [] {
                  std::ifstream in("/proc/self/statm");
                  double size = 0, resident = 0;
                  if (!(in >> size >> resident)) return 0.0;
                  return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
                });
  if (mallctl != nullptr) {
    r.AddCallback("hybridai_allocator_allocated_bytes",
                  "Bytes the program holds in live allocations (jemalloc stats.allocated).",
                  MetricType::Gauge, [] { return AllocatorStat("stats.allocated"); });
    r.AddCallback("hybridai_allocator_resident_bytes",
                  "Bytes of allocator pages resident in memory (jemalloc stats.resident).",
                  MetricType::Gauge, [] { return AllocatorStat("stats.resident"); });
  }
  r.AddCallback("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
                [] { return StatField(ProcSelfStatFields(), 23); });
  r.AddCallback("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                MetricType::Counter, [] {
                  auto f = ProcSelfStatFields();
                  return (StatField(f, 14) + StatField(f, 15)) / ClockTicks();
                });
  // Constant for the process lifetime: computed once.
  double start = BootTimeSeconds() + StatField(ProcSelfStatFields(), 22) / ClockTicks();
  r.AddCallback("process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
                [start] { return start; });
  r.AddCallback("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, [] {
    std::error_code ec;
    double n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++n;
    }
    return n;
  });
}

}  // namespace hybridai::runtime
