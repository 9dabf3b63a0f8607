// Load measurement of the runtime against a real kube-apiserver: N AIWorkloads are created by W
// writers while an informer watches them; then a raw watch replays them all from the
// resourceVersion taken before the writes (the apiserver's watch cache serves them as fast as
// the client reads, so this is the client's own processing rate); then the memory of a full
// informer cache of N objects is taken, plain (JSON trees) and compact (packed). Prints a table
// and one `key=value` line per figure for scripts. Everything it creates is deleted at the end
// unless --keep.
//
//   watch_load --kubeconfig FILE [--context NAME] --namespace NS [--count N] [--writers W]
//              [--keep] [--no-last-applied]
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "runtime/api_client.h"
#include "runtime/clock.h"
#include "runtime/informer.h"
#include "runtime/kube_client.h"
#include "runtime/kubeconfig.h"
#include "runtime/store.h"

namespace {

using namespace hybridai;
using runtime::json;
using Clock = std::chrono::steady_clock;
namespace kinds = runtime::kinds;

constexpr const char* kUsage = R"(watch_load: runtime load against a real kube-apiserver.

  --kubeconfig FILE     (default: $KUBECONFIG)
  --context NAME        (default: the current context)
  --namespace NS        created if missing; its AIWorkloads named load-* are the load
  --count N             objects (default 10000)
  --writers W           parallel writers (default 8)
  --keep                leave the objects in place (for an operator measurement)
  --no-last-applied     objects without the annotation `kubectl apply` adds
  --create-only         only create the objects (implies --keep), e.g. to load an operator
)";

struct Flags {
  std::string kubeconfig, context, ns;
  int count = 10000;
  int writers = 8;
  bool keep = false;
  bool lastApplied = true;
  bool createOnly = false;
};

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// jemalloc's control interface, when the binary runs on jemalloc.
extern "C" int mallctl(const char*, void*, size_t*, void*, size_t) __attribute__((weak));

// Resident memory after returning freed memory to the system, so growth is what is live.
long RssBytes() {
  if (mallctl != nullptr) {
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // MALLCTL_ARENAS_ALL
  } else {
    malloc_trim(0);
  }
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * 4096;
}

// An Inference workload shaped like manifests/samples/10-inference-cost.yaml, with the
// annotation a `kubectl apply` leaves (a copy of the applied object) when asked.
json Workload(const std::string& ns, int i, bool lastApplied) {
  json o = json::parse(R"({
    "apiVersion": "hybridai.io/v1alpha1", "kind": "AIWorkload",
    "metadata": {"labels": {"app.kubernetes.io/part-of": "load"}},
    "spec": {
      "type": "Inference", "replicas": 2,
      "accelerators": {"count": 1, "vendors": ["NVIDIA"], "minMemoryGiB": 24},
      "placement": {"dataClassification": "Internal", "spot": "Never", "objective": "Cost"},
      "tags": {"team": "nlp", "costCenter": "cc-4200"},
      "template": {
        "metadata": {"labels": {"app": "chat-small"}},
        "spec": {"containers": [{
          "name": "vllm", "image": "vllm/vllm-openai:v0.6.3",
          "args": ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--max-model-len", "8192"],
          "ports": [{"name": "http", "containerPort": 8000}],
          "resources": {"requests": {"cpu": "4", "memory": "24Gi"}, "limits": {"memory": "32Gi"}},
          "readinessProbe": {"httpGet": {"path": "/health", "port": "http"}}}]}}}})");
  char name[32];
  std::snprintf(name, sizeof name, "load-%05d", i);
  o["metadata"]["name"] = name;
  o["metadata"]["namespace"] = ns;
  if (lastApplied) {
    json applied = o;
    applied["metadata"]["annotations"] = json::object();
    o["metadata"]["annotations"][runtime::kLastAppliedAnnotation] = applied.dump() + "\n";
  }
  return o;
}

// Runs `fn(i)` for i in [0, n) on `threads` threads; returns the failures.
template <typename F>
int Parallel(int n, int threads, F&& fn) {
  std::atomic<int> next{0}, failed{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++)
        if (!fn(i)) ++failed;
    });
  }
  for (auto& t : pool) t.join();
  return failed.load();
}

void Report(const std::string& key, double value, const std::string& unit,
            const std::string& what) {
  std::printf("  %-58s %12.1f %s\n", what.c_str(), value, unit.c_str());
  std::fprintf(stderr, "watch_load: %s=%.1f\n", key.c_str(), value);
}

// Fills an informer of N objects and returns its RSS growth (and the process's whole RSS then, in
// *total); the informer is then dropped.
long CacheGrowth(runtime::ApiClient& api, const std::string& ns, bool compact, int count,
                 double* listSeconds, long* total) {
  const long before = RssBytes();
  runtime::InformerOptions opts;
  opts.ns = ns;
  opts.compact = compact;
  opts.transform = compact ? runtime::DropManagedFieldsAndLastApplied : runtime::DropManagedFields;
  auto informer = std::make_unique<runtime::Informer>(api, kinds::kAIWorkload, runtime::RealClock(),
                                                      opts);
  const auto start = Clock::now();
  informer->Start();
  informer->WaitForSync(std::stop_token{});  // a token that never stops
  *listSeconds = Seconds(Clock::now() - start);
  informer->Stop();  // the cache stays; no watch thread or buffers count
  *total = RssBytes();
  const long grown = *total - before;
  if (static_cast<int>(informer->store().Size()) < count)
    spdlog::warn("msg=\"cache smaller than expected\" have={} want={}", informer->store().Size(),
                 count);
  return grown;
}

int Run(const Flags& f) {
  std::string kubeconfig = f.kubeconfig;
  if (kubeconfig.empty())
    if (const char* env = std::getenv("KUBECONFIG")) kubeconfig = env;
  auto config = runtime::LoadClientConfig(kubeconfig, f.context);
  if (!config.ok()) {
    std::cerr << "watch_load: " << config.error().message << "\n";
    return 2;
  }
  runtime::KubeClientOptions copts;
  copts.qps = 0;  // unthrottled: the server's rate is what is measured
  copts.userAgent = "watch-load/0.1.0";
  auto made = runtime::NewKubeClient(config.value(), copts);
  if (!made.ok()) {
    std::cerr << "watch_load: " << made.error().message << "\n";
    return 2;
  }
  runtime::ApiClient& api = *made.value();

  auto ns = api.Create(kinds::kNamespace, "",
                       json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", f.ns}}}});
  if (!ns.ok() && !ns.Is(runtime::ApiError::Reason::AlreadyExists)) {
    std::cerr << "watch_load: namespace " << f.ns << ": " << ns.error().message << "\n";
    return 1;
  }

  std::printf("watch_load: %d AIWorkloads in %s, %d writers, %s\n", f.count, f.ns.c_str(),
              f.writers, f.lastApplied ? "with kubectl's last-applied annotation" : "plain");

  // 1. A live informer while W writers create N objects.
  runtime::InformerOptions live_opts;
  live_opts.ns = f.ns;
  live_opts.compact = true;
  auto live_owner =
      std::make_unique<runtime::Informer>(api, kinds::kAIWorkload, runtime::RealClock(), live_opts);
  runtime::Informer& live = *live_owner;
  std::atomic<int> seen{0};
  std::atomic<int64_t> last_event_ns{0};
  live.AddEventHandler(runtime::ResourceEventHandler{
      .onAdd =
          [&](const runtime::ObjectPtr&) {
            ++seen;
            last_event_ns = Clock::now().time_since_epoch().count();
          },
      .onUpdate = nullptr,
      .onDelete = nullptr});
  live.Start();
  live.WaitForSync(std::stop_token{});
  const int preexisting = seen.load();
  const std::string rv0 = live.LastResourceVersion();

  std::vector<std::string> bodies;  // built beforehand, so writers only write
  bodies.reserve(f.count);
  for (int i = 0; i < f.count; ++i) bodies.push_back(Workload(f.ns, i, f.lastApplied).dump());
  const auto write_start = Clock::now();
  const int create_failed = Parallel(f.count, f.writers, [&](int i) {
    auto r = api.Create(kinds::kAIWorkload, f.ns, json::parse(bodies[i]));
    if (r.ok() || r.Is(runtime::ApiError::Reason::AlreadyExists)) return true;
    spdlog::warn("msg=\"create failed\" i={} error=\"{}\"", i, r.error().message);
    return false;
  });
  const auto write_end = Clock::now();
  bodies.clear();
  bodies.shrink_to_fit();
  const auto wait_limit = write_end + std::chrono::seconds(120);
  while (live.store().Size() < static_cast<std::size_t>(f.count) && Clock::now() < wait_limit)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto last_event = Clock::time_point(Clock::duration(last_event_ns.load()));
  live.Stop();
  const int live_events = seen.load() - preexisting;
  if (create_failed > 0) std::printf("  (%d creates failed)\n", create_failed);
  if (f.createOnly) {
    std::printf("  created %d in %.1f s\n", f.count - create_failed, Seconds(write_end - write_start));
    return create_failed > 0 ? 1 : 0;
  }

  std::printf("\n");
  Report("create_per_second", f.count / Seconds(write_end - write_start), "objects/s",
          "creates by " + std::to_string(f.writers) + " writers");
  if (live_events > 0) {
    Report("live_events_per_second", live_events / Seconds(last_event - write_start), "events/s",
            "live watch, events delivered during the writes");
    Report("live_lag_ms", 1000 * Seconds(std::max(last_event - write_end, Clock::duration(0))),
            "ms", "last event after the last create returned");
  }

  // 2. Replay: a watch from before the writes; the apiserver sends all N as fast as we read.
  runtime::WatchOptions wopts;
  wopts.resourceVersion = rv0;
  wopts.timeoutSeconds = 120;
  auto stream = api.Watch(kinds::kAIWorkload, f.ns, wopts);
  if (stream.ok()) {
    runtime::Store replayed{runtime::StoreOptions{.compact = true}};
    int added = 0;
    const auto start = Clock::now();
    std::string failure;
    while (added < f.count) {
      auto ev = stream.value()->Next();
      if (!ev.ok()) {
        failure = ev.error().message;
        break;
      }
      if (!ev.value()) {
        failure = "stream ended";
        break;
      }
      if (ev.value()->type == runtime::WatchEvent::Type::Error) {
        failure = ev.value()->object.value("message", "error event");
        break;
      }
      if (ev.value()->type != runtime::WatchEvent::Type::Added) continue;
      json obj = std::move(ev.value()->object);
      runtime::DropManagedFieldsAndLastApplied(obj);
      replayed.Upsert(std::make_shared<const json>(std::move(obj)));
      ++added;
    }
    const double secs = Seconds(Clock::now() - start);
    stream.value()->Cancel();
    if (failure.empty()) {
      Report("replay_events_per_second", added / secs, "events/s",
             "replayed watch: decode + compact store, one thread");
    } else {
      std::printf("  replayed watch: stopped after %d events: %s\n", added, failure.c_str());
    }
  } else {
    std::printf("  replayed watch: %s\n", stream.error().message.c_str());
  }

  // 3. Memory of a full cache, each form on its own (the live informer's cache goes first).
  live_owner.reset();
  double list_plain = 0, list_compact = 0;
  long total_plain = 0, total_compact = 0;
  const long plain = CacheGrowth(api, f.ns, false, f.count, &list_plain, &total_plain);
  const long compact = CacheGrowth(api, f.ns, true, f.count, &list_compact, &total_compact);
  Report("list_plain_objects_per_second", f.count / list_plain, "objects/s",
         "list into a plain cache (pages of 500)");
  Report("list_compact_objects_per_second", f.count / list_compact, "objects/s",
         "list into a compact cache (pages of 500)");
  Report("cache_plain_mib", plain / 1048576.0, "MiB", "plain cache (JSON trees, managedFields dropped)");
  Report("cache_compact_mib", compact / 1048576.0, "MiB",
         "compact cache (packed, last-applied dropped too)");
  Report("cache_compact_bytes_per_object", static_cast<double>(compact) / f.count, "B",
         "compact cache per object");
  Report("process_rss_plain_mib", total_plain / 1048576.0, "MiB",
         "whole process RSS holding the plain cache");
  Report("process_rss_compact_mib", total_compact / 1048576.0, "MiB",
         "whole process RSS holding the compact cache");

  if (!f.keep) {
    const int del_failed = Parallel(f.count, f.writers, [&](int i) {
      char name[32];
      std::snprintf(name, sizeof name, "load-%05d", i);
      auto st = api.Delete(kinds::kAIWorkload, f.ns, name, {});
      return st.ok() || st.Is(runtime::ApiError::Reason::NotFound);
    });
    if (del_failed > 0) std::printf("  (%d deletes failed)\n", del_failed);
  }
  return create_failed > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "watch_load: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--kubeconfig") f.kubeconfig = value();
    else if (a == "--context") f.context = value();
    else if (a == "--namespace") f.ns = value();
    else if (a == "--count") f.count = std::atoi(value().c_str());
    else if (a == "--writers") f.writers = std::atoi(value().c_str());
    else if (a == "--keep") f.keep = true;
    else if (a == "--no-last-applied") f.lastApplied = false;
    else if (a == "--create-only") f.createOnly = f.keep = true;
    else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "watch_load: unknown flag " << a << "\n" << kUsage;
      return 2;
    }
  }
  if (f.ns.empty() || f.count <= 0 || f.writers <= 0) {
    std::cerr << "watch_load: --namespace is required; --count and --writers must be positive\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  return Run(f);
}
