// The process_* metrics every Prometheus exporter provides (memory, CPU, start time, open fds),
// read from /proc at scrape time. Thread-safe: the readers hold no state.
#pragma once

namespace hybridai::runtime {

class MetricsRegistry;

// process_resident_memory_bytes, process_virtual_memory_bytes, process_cpu_seconds_total,
// process_start_time_seconds, process_open_fds; with jemalloc linked in, also
// hybridai_allocator_allocated_bytes and hybridai_allocator_resident_bytes (live heap vs. pages).
void RegisterProcessMetrics(MetricsRegistry& registry);

}  // namespace hybridai::runtime
