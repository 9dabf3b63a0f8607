// informer-probe: runs one Informer against a real API server and writes what it sees to files,
// so that script tests (e2e/tests/it_watch_resilience.sh) can check the watch machinery while
// they restart the apiserver or compact etcd under it. One line per event, flushed at once; the
// watcher's counters rewritten atomically every 200 ms. SIGTERM/SIGINT stop it (exit 0); a bad
// flag or an unusable kubeconfig exits 2.
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "runtime/api_client.h"
#include "runtime/clock.h"
#include "runtime/command_line.h"
#include "runtime/informer.h"
#include "runtime/kube_client.h"
#include "runtime/kubeconfig.h"

namespace {

using namespace hybridai;

constexpr const char* kUsage =
    R"(informer-probe: runs one informer and records its events and watch counters.

Usage: informer-probe --events FILE --stats FILE [flags]

  --kubeconfig PATH      kubeconfig (default: $KUBECONFIG, else in-cluster, else ~/.kube/config)
  --context NAME         kubeconfig context (default: the current context)
  --kind KIND            configmaps | secrets | pods | leases (default: configmaps)
  --namespace NS         namespace to watch (default: all namespaces)
  --watch-timeout S      the watch requests' timeoutSeconds (default: 300)
  --events FILE          appended: "ADDED ns/name rv", "MODIFIED ns/name rv",
                         "DELETED ns/name rv final_state_unknown=true|false", "SYNCED" (first sync)
  --stats FILE           rewritten every 200 ms: "lists=N watches=N relists=N errors=N events=N"
  --log-level LEVEL      trace|debug|info|warn|error (default: info); logs go to stderr
  -h, --help
)";

// core/v1 ConfigMap has no entry in runtime::kinds (the operator never watches one).
const runtime::ResourceKind kConfigMap{"", "v1", "configmaps", "ConfigMap", true};

struct Flags {
  std::string kubeconfig;
  std::string context;
  std::string kind = "configmaps";
  std::string ns;
  int watchTimeout = 300;
  std::string eventsFile;
  std::string statsFile;
  std::string logLevel = "info";
};

// Returns an error message, or "" when the flags are fine.
std::string ParseFlags(int argc, char** argv, Flags* f, bool* help) {
  std::map<std::string, std::string*> strings = {
      {"--kubeconfig", &f->kubeconfig}, {"--context", &f->context},   {"--kind", &f->kind},
      {"--namespace", &f->ns},          {"--events", &f->eventsFile}, {"--stats", &f->statsFile},
      {"--log-level", &f->logLevel},
  };
  runtime::ArgCursor args(argc, argv);
  while (args.Next()) {
    const std::string& arg = args.flag();
    auto next = [&args](std::string* out) { return args.Value(out); };
    if (arg == "-h" || arg == "--help") {
      *help = true;
      return "";
    }
    if (auto it = strings.find(arg); it != strings.end()) {
      if (!next(it->second)) return arg + ": missing value";
      continue;
    }
    if (arg == "--watch-timeout") {
      std::string v;
      auto ok = next(&v);
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), f->watchTimeout);
      if (!ok || ec != std::errc() || p != v.data() + v.size() || f->watchTimeout < 1) {
        return arg + ": expected a positive number of seconds, got \"" + v + "\"";
      }
      continue;
    }
    return "unknown flag " + arg;
  }
  if (f->eventsFile.empty()) return "--events: required";
  if (f->statsFile.empty()) return "--stats: required";
  return "";
}

bool KindFromFlag(const std::string& name, runtime::ResourceKind* out) {
  if (name == "configmaps") {
    *out = kConfigMap;
  } else if (name == "secrets") {
    *out = runtime::kinds::kSecret;
  } else if (name == "pods") {
    *out = runtime::kinds::kPod;
  } else if (name == "leases") {
    *out = runtime::kinds::kLease;
  } else {
    return false;
  }
  return true;
}

// The events file: one line per event, flushed at once so a test polling it never misses one
// that was delivered. Written from the informer's thread and the main thread.
class EventLog {
 public:
  bool Open(const std::string& path) {
    file_ = std::fopen(path.c_str(), "a");
    return file_ != nullptr;
  }
  ~EventLog() {
    if (file_) std::fclose(file_);
  }
  void Write(const std::string& line) {
    std::lock_guard lock(mu_);
    std::fputs(line.c_str(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);
  }

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

std::string Describe(const char* type, const runtime::ObjectPtr& obj) {
  return std::string(type) + " " + runtime::ObjectKey(*obj) + " " +
         runtime::MetaString(*obj, "resourceVersion");
}

// Write to a temporary file, then rename over the target, so a reader never sees half a line.
bool WriteStats(const std::string& path, const runtime::Watcher::Stats& s) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "lists=" << s.lists << " watches=" << s.watches << " relists=" << s.relists
        << " errors=" << s.errors << " events=" << s.events << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  bool help = false;
  if (std::string err = ParseFlags(argc, argv, &flags, &help); !err.empty()) {
    std::cerr << "informer-probe: " << err << "\n\n" << kUsage;
    return 2;
  }
  if (help) {
    std::cout << kUsage;
    return 0;
  }
  spdlog::set_default_logger(spdlog::stderr_logger_mt("informer-probe"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  spdlog::set_level(spdlog::level::from_str(flags.logLevel));

  // Blocked before any thread starts (the HTTP client has its own), so that only the signal
  // thread below ever receives them; one that arrives during setup waits for it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  runtime::ResourceKind kind;
  if (!KindFromFlag(flags.kind, &kind)) {
    spdlog::critical("msg=\"unsupported kind\" kind={}", flags.kind);
    return 2;
  }
  std::string kubeconfig = flags.kubeconfig;
  if (kubeconfig.empty()) {
    if (const char* env = std::getenv("KUBECONFIG")) kubeconfig = env;
  }
  auto config = runtime::LoadClientConfig(kubeconfig, flags.context);
  if (!config.ok()) {
    spdlog::critical("msg=\"cannot load client configuration\" error=\"{}\"",
                     config.error().message);
    return 2;
  }
  runtime::KubeClientOptions clientOpts;
  clientOpts.userAgent = "informer-probe/0.1.0";
  auto client = runtime::NewKubeClient(config.value(), clientOpts);
  if (!client.ok()) {
    spdlog::critical("msg=\"cannot create the client\" error=\"{}\"", client.error().message);
    return 2;
  }
  EventLog events;
  if (!events.Open(flags.eventsFile)) {
    spdlog::critical("msg=\"cannot open the events file\" path={}", flags.eventsFile);
    return 2;
  }
  if (!WriteStats(flags.statsFile, {})) {
    spdlog::critical("msg=\"cannot write the stats file\" path={}", flags.statsFile);
    return 2;
  }

  std::stop_source stop;
  std::jthread signalThread([&signals, &stop] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("msg=\"signal received, stopping\" signal={}", sig);
    stop.request_stop();
  });

  runtime::InformerOptions opts;
  opts.ns = flags.ns;
  opts.timeoutSeconds = flags.watchTimeout;
  runtime::Informer informer(*client.value(), kind, runtime::RealClock(), opts);
  runtime::ResourceEventHandler handler;
  handler.onAdd = [&](const runtime::ObjectPtr& obj) { events.Write(Describe("ADDED", obj)); };
  handler.onUpdate = [&](const runtime::ObjectPtr&, const runtime::ObjectPtr& obj) {
    events.Write(Describe("MODIFIED", obj));
  };
  handler.onDelete = [&](const runtime::ObjectPtr& obj, bool finalStateUnknown) {
    events.Write(Describe("DELETED", obj) +
                 (finalStateUnknown ? " final_state_unknown=true" : " final_state_unknown=false"));
  };
  informer.AddEventHandler(std::move(handler));
  informer.Start();
  spdlog::info("msg=\"informer started\" server={} context={} kind={} namespace={} timeout_s={}",
               config.value().server, config.value().context, kind.kind,
               flags.ns.empty() ? "*" : flags.ns, flags.watchTimeout);

  // The informer reports only its first sync; later (re)lists show in the stats.
  bool syncedReported = false;
  const auto token = stop.get_token();
  while (!token.stop_requested()) {
    if (!syncedReported && informer.HasSynced()) {
      events.Write("SYNCED");
      syncedReported = true;
    }
    if (!WriteStats(flags.statsFile, informer.watchStats())) {
      spdlog::warn("msg=\"cannot write the stats file\" path={}", flags.statsFile);
    }
    runtime::RealClock().SleepFor(std::chrono::milliseconds(200), token);
  }
  informer.Stop();
  WriteStats(flags.statsFile, informer.watchStats());
  const auto s = informer.watchStats();
  spdlog::info("msg=\"stopped\" lists={} watches={} relists={} errors={} events={}", s.lists,
               s.watches, s.relists, s.errors, s.events);
  return 0;
}
