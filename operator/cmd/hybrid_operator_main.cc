// hybrid-operator: the controller that runs in the hub cluster. Parses flags, connects to the
// hub, serves probes and metrics, takes part in leader election, and runs the controllers while
// it leads. SIGTERM/SIGINT stop it cleanly (the lease is released); losing the lease exits 1.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <random>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>  // before boost::asio, which uses std::exchange
#include <vector>

#include <pplx/threadpool.h>
#include <spdlog/spdlog.h>

#include "controllers/hybrid_operator.h"
#include "controllers/workload_materializer.h"
#include "runtime/command_line.h"
#include "runtime/event_recorder.h"
#include "runtime/kube_client.h"
#include "runtime/kubeconfig.h"
#include "runtime/leader_election.h"
#include "runtime/metrics.h"
#include "runtime/probe_server.h"

namespace {

using namespace hybridai;

constexpr const char* kUsage =
    R"(hybrid-operator: places AIWorkloads onto GPU pools of member clusters.

Usage: hybrid-operator [flags]

  --kubeconfig PATH                 kubeconfig of the hub (default: $KUBECONFIG, else in-cluster)
  --context NAME                    kubeconfig context (default: the current context)
  --namespace NS                    the operator's own namespace: Lease, default Secret
                                    namespace of MemberClusters (default: hybrid-system)
  --metrics-tag-labels KEY,..       AIWorkload/Budget tag keys that label the spend metrics
                                    (default: team,costCenter; as team, cost_center)
  --member-secret-namespaces NS,..  more namespaces MemberClusters' kubeconfig Secrets may
                                    be read from ("*": any; default: only --namespace)
  --allow-member-exec-credentials   let kubeconfigs from MemberCluster Secrets run exec
                                    credential plugins (cloud IAM: aws-iam-authenticator,
                                    gke-gcloud-auth-plugin, kubelogin); default: inline
                                    credentials only
  --leader-elect                    take part in leader election (default: off)
  --leader-election-id NAME         Lease name (default: hybrid-operator-leader)
  --leader-elect-lease-duration D   seconds (default: 15)
  --leader-elect-renew-deadline D   seconds (default: 10)
  --leader-elect-retry-period D     seconds (default: 2)
  --metrics-bind-address ADDR       /metrics (default: 127.0.0.1:8080; "0" disables)
  --health-probe-bind-address ADDR  /healthz, /readyz (default: 127.0.0.1:8081; "0" disables)
  --workers N                       concurrent AIWorkload reconciles (default: 4)
  --workload-resync S               seconds between unprompted reconciles of every workload
                                    (default: 36000)
  --accounting-interval S           seconds between cost/energy accounting steps of a
                                    workload that accrues them, and of each Budget's usage
                                    (default: 60)
  --throttle-hysteresis S           seconds a workload scaled down by a Throttle budget stays
                                    down before it may be scaled back up (default: 300)
  --preemption POLICY               PreemptLowerPriority | Never: whether a workload that fits
                                    nowhere may displace lower-priority ones
                                    (default: PreemptLowerPriority)
  --cluster-probe S                 seconds between MemberCluster probes; a member is also
                                    probed at once when its watches or requests fail
                                    (default: 5)
  --kube-api-qps Q, --kube-api-burst B   client-side rate limit (default: 50, 100)
  --log-level LEVEL                 trace|debug|info|warn|error|critical|off (default: info)
  -h, --help
)";

struct Flags {
  std::string kubeconfig;
  std::string context;
  std::string ns = "hybrid-system";
  bool leaderElect = false;
  std::string leaseName = "hybrid-operator-leader";
  int leaseDuration = 15, renewDeadline = 10, retryPeriod = 2;
  std::string metricsAddr = "127.0.0.1:8080";
  std::string probeAddr = "127.0.0.1:8081";
  int workers = 4;
  int workloadResync = 36000;
  int accountingInterval = 60;
  int throttleHysteresis = 300;
  std::string preemption = "PreemptLowerPriority";
  int clusterProbe = 5;
  double qps = 50;
  int burst = 100;
  std::string logLevel = "info";
  bool allowMemberExec = false;
  std::vector<std::string> memberSecretNamespaces;
  std::vector<std::string> metricTagKeys = {"team", "costCenter"};
};

// Comma-separated, empty items dropped.
std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos <= s.size();) {
    size_t end = std::min(s.find(',', pos), s.size());
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool ParseInt(const std::string& s, int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out >= 0;
}

// Returns an error message, or "" when the flags are fine.
std::string ParseFlags(int argc, char** argv, Flags* f, bool* help) {
  std::map<std::string, std::string*> strings = {
      {"--kubeconfig", &f->kubeconfig},
      {"--context", &f->context},
      {"--namespace", &f->ns},
      {"--leader-election-id", &f->leaseName},
      {"--metrics-bind-address", &f->metricsAddr},
      {"--health-probe-bind-address", &f->probeAddr},
      {"--log-level", &f->logLevel},
      {"--preemption", &f->preemption},
  };
  std::map<std::string, int*> ints = {
      {"--leader-elect-lease-duration", &f->leaseDuration},
      {"--leader-elect-renew-deadline", &f->renewDeadline},
      {"--leader-elect-retry-period", &f->retryPeriod},
      {"--workers", &f->workers},
      {"--workload-resync", &f->workloadResync},
      {"--accounting-interval", &f->accountingInterval},
      {"--throttle-hysteresis", &f->throttleHysteresis},
      {"--cluster-probe", &f->clusterProbe},
      {"--kube-api-burst", &f->burst},
  };
  runtime::ArgCursor args(argc, argv);
  while (args.Next()) {
    const std::string& arg = args.flag();
    const bool has_value = args.hasInlineValue();
    const std::string& value = args.inlineValue();
    auto next = [&args](std::string* out) { return args.Value(out); };
    if (arg == "-h" || arg == "--help") {
      *help = true;
      return "";
    }
    if (arg == "--leader-elect") {
      f->leaderElect = !has_value || value == "true";
      continue;
    }
    if (arg == "--allow-member-exec-credentials") {
      f->allowMemberExec = !has_value || value == "true";
      continue;
    }
    if (arg == "--metrics-tag-labels") {
      std::string v;
      if (!next(&v)) return arg + ": missing value";
      f->metricTagKeys = SplitList(v);
      continue;
    }
    if (arg == "--member-secret-namespaces") {
      std::string v;
      if (!next(&v)) return arg + ": missing value";
      for (auto& ns : SplitList(v)) f->memberSecretNamespaces.push_back(std::move(ns));
      continue;
    }
    if (auto it = strings.find(arg); it != strings.end()) {
      if (!next(it->second)) return arg + ": missing value";
      continue;
    }
    if (auto it = ints.find(arg); it != ints.end()) {
      std::string v;
      if (!next(&v) || !ParseInt(v, it->second))
        return arg + ": expected a non-negative integer, got \"" + v + "\"";
      continue;
    }
    if (arg == "--kube-api-qps") {
      std::string v;
      if (!next(&v)) return arg + ": missing value";
      try {
        f->qps = std::stod(v);
      } catch (const std::exception&) {
        return arg + ": expected a number, got \"" + v + "\"";
      }
      continue;
    }
    return "unknown flag " + arg;
  }
  if (f->workers < 1) return "--workers: must be >= 1";
  if (f->preemption != "PreemptLowerPriority" && f->preemption != "Never")
    return "--preemption: expected PreemptLowerPriority or Never, got \"" + f->preemption + "\"";
  if (f->accountingInterval < 1) return "--accounting-interval: must be >= 1";
  if (f->throttleHysteresis < 0) return "--throttle-hysteresis: must be >= 0";
  if (f->workloadResync < 1) return "--workload-resync: must be >= 1";
  // spdlog reads any unknown name as "off": a typo would silence the operator.
  if (spdlog::level::from_str(f->logLevel) == spdlog::level::off && f->logLevel != "off") {
    return "--log-level: expected trace, debug, info, warn, error, critical or off, got \"" +
           f->logLevel + "\"";
  }
  if (f->renewDeadline >= f->leaseDuration)
    return "--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration";
  return "";
}

std::string Identity() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  return std::string(host) + "_" + suffix;
}

constexpr std::size_t kIoThreads = 4;

}  // namespace

// jemalloc's options when the operator is linked with it (HYBRIDAI_JEMALLOC), ignored otherwise:
// a background thread hands emptied pages back within seconds, so RSS follows the live heap.
extern "C" {
const char* malloc_conf = "background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0";
}

int main(int argc, char** argv) {
  Flags flags;
  bool help = false;
  if (std::string err = ParseFlags(argc, argv, &flags, &help); !err.empty()) {
    std::cerr << "hybrid-operator: " << err << "\n\n" << kUsage;
    return 2;
  }
  if (help) {
    std::cout << kUsage;
    return 0;
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  spdlog::set_level(spdlog::level::from_str(flags.logLevel));

  // Signals go to one thread that turns them into a stop request.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // cpprestsdk's I/O threads: its default is 40, each with its own allocator cache, while the
  // operator's requests are asynchronous and few at a time. Started after the mask above, which
  // threads inherit: a thread with SIGTERM unblocked would let it kill the process outright.
  crossplat::threadpool::initialize_with_threads(kIoThreads);
  std::stop_source stop;
  std::jthread signal_thread([&signals, &stop] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("msg=\"signal received, stopping\" signal={}", sig);
    stop.request_stop();
  });

  std::string kubeconfig = flags.kubeconfig;
  if (kubeconfig.empty()) {
    if (const char* env = std::getenv("KUBECONFIG")) kubeconfig = env;
  }
  auto config = runtime::LoadClientConfig(kubeconfig, flags.context);
  if (!config.ok()) {
    spdlog::critical("msg=\"cannot load client configuration\" error=\"{}\"",
                     config.error().message);
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    return 1;
  }
  runtime::KubeClientOptions client_opts;
  client_opts.qps = flags.qps;
  client_opts.burst = flags.burst;
  client_opts.fieldManager = controllers::kFieldManager;
  // Only the hub's answers count for readiness: a member's RBAC is that member's business.
  runtime::KubeClientOptions hub_opts = client_opts;
  auto forbidden = std::make_shared<runtime::ForbiddenTracker>(runtime::RealClock());
  hub_opts.forbidden = forbidden;
  auto hub_result = runtime::NewKubeClient(config.value(), hub_opts);
  if (!hub_result.ok()) {
    spdlog::critical("msg=\"cannot create the hub client\" error=\"{}\"",
                     hub_result.error().message);
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    return 1;
  }
  std::shared_ptr<runtime::ApiClient> hub = hub_result.value();
  spdlog::info("msg=\"hub client ready\" server={} source={} context={}", config.value().server,
               config.value().source, config.value().context);

  runtime::Clock& clock = runtime::RealClock();
  runtime::MetricsRegistry& registry = runtime::DefaultRegistry();
  runtime::RegisterProcessMetrics(registry);
  const std::string identity = Identity();

  runtime::EventRecorderOptions event_opts;
  event_opts.reportingController = "hybridai.io/operator";
  event_opts.reportingInstance = identity;
  runtime::EventRecorder events(*hub, clock, event_opts, &registry);

  // Member kubeconfigs come from Secrets: untrusted (runtime/kubeconfig.h, KubeconfigPolicy).
  const auto member_policy = runtime::KubeconfigPolicy::Untrusted(flags.allowMemberExec);
  controllers::ClientFactory factory =
      [client_opts, member_policy](
          const std::string& kubeconfig_text,
          const std::string& source) -> runtime::Result<std::shared_ptr<runtime::ApiClient>> {
    auto cfg = runtime::ParseKubeconfig(kubeconfig_text, "", source, "", member_policy);
    if (!cfg.ok()) return cfg.error();
    auto client = runtime::NewKubeClient(cfg.value(), client_opts);
    if (!client.ok()) return client.error();
    return std::shared_ptr<runtime::ApiClient>(client.value());
  };
  controllers::HybridOperatorOptions op_opts;
  op_opts.operatorNamespace = flags.ns;
  op_opts.memberSecrets.allowExecCredentials = flags.allowMemberExec;
  op_opts.memberSecrets.extraNamespaces = flags.memberSecretNamespaces;
  op_opts.metricTagKeys = flags.metricTagKeys;
  op_opts.workloadWorkers = flags.workers;
  op_opts.workloadResync = std::chrono::seconds(flags.workloadResync);
  op_opts.accountingInterval = std::chrono::seconds(flags.accountingInterval);
  op_opts.throttleHysteresis = std::chrono::seconds(flags.throttleHysteresis);
  op_opts.preemption = flags.preemption == "PreemptLowerPriority";
  op_opts.clusterProbe = std::chrono::seconds(flags.clusterProbe);
  controllers::HybridOperator op(hub, factory, clock, &registry, &events, op_opts);

  std::unique_ptr<runtime::LeaderElector> elector;
  if (flags.leaderElect) {
    runtime::LeaderElectionConfig lc;
    lc.leaseNamespace = flags.ns;
    lc.leaseName = flags.leaseName;
    lc.identity = identity;
    lc.leaseDuration = std::chrono::seconds(flags.leaseDuration);
    lc.renewDeadline = std::chrono::seconds(flags.renewDeadline);
    lc.retryPeriod = std::chrono::seconds(flags.retryPeriod);
    runtime::LeaderCallbacks cb;
    cb.onStartedLeading = [&op](std::stop_token lead) {
      spdlog::info("msg=\"started leading\"");
      if (op.Start(lead)) {
        std::mutex mu;
        std::condition_variable_any cv;
        std::unique_lock lock(mu);
        cv.wait(lock, lead, [] { return false; });
      }
      op.Stop();
    };
    cb.onStoppedLeading = [] { spdlog::info("msg=\"stopped leading\""); };
    cb.onNewLeader = [](const std::string& who) {
      spdlog::info("msg=\"leader observed\" identity={}", who);
    };
    if (std::string err = lc.Validate(); !err.empty()) {
      spdlog::critical("msg=\"bad leader election settings\" error=\"{}\"", err);
      pthread_kill(signal_thread.native_handle(), SIGTERM);
      return 2;
    }
    elector = std::make_unique<runtime::LeaderElector>(*hub, clock, lc, cb, &registry);
  }

  auto serve = [](const std::string& addr,
                  runtime::MetricsRegistry* metrics) -> std::unique_ptr<runtime::ProbeServer> {
    if (addr == "0" || addr.empty()) return nullptr;
    runtime::ProbeServerOptions o;
    o.bindAddress = addr;
    o.metrics = metrics;
    return std::make_unique<runtime::ProbeServer>(o);
  };
  auto metrics_server = serve(flags.metricsAddr, &registry);
  auto probe_server = serve(flags.probeAddr, nullptr);
  if (probe_server) {
    probe_server->AddHealthCheck("ping", [] { return runtime::ProbeResult::Ok(); });
    probe_server->AddReadyCheck("leader-election", [&elector] {
      if (!elector || elector->Settled()) return runtime::ProbeResult::Ok();
      return runtime::ProbeResult::Fail("leadership not settled yet");
    });
    probe_server->AddReadyCheck("informers", [&elector, &op] {
      if (elector && !elector->IsLeader()) return runtime::ProbeResult::Ok();  // standby
      if (op.Synced()) return runtime::ProbeResult::Ok();
      return runtime::ProbeResult::Fail("hub caches not synced yet");
    });
    // A missing RBAC rule makes the operator loop on 403 for ever: unready says so.
    probe_server->AddReadyCheck("permissions", [forbidden] {
      const auto keys = forbidden->Persistent();
      if (keys.empty()) return runtime::ProbeResult::Ok();
      std::string why = "403 Forbidden in a row from the hub for:";
      for (const auto& k : keys) why += " [" + k + "]";
      return runtime::ProbeResult::Fail(why);
    });
  }
  for (auto* server : {metrics_server.get(), probe_server.get()}) {
    if (server == nullptr) continue;
    auto port = server->Start();
    if (!port.ok()) {
      spdlog::critical("msg=\"cannot serve\" error=\"{}\"", port.error().message);
      pthread_kill(signal_thread.native_handle(), SIGTERM);
      return 1;
    }
  }
  spdlog::info("msg=\"serving\" metrics={} probes={} identity={} leader_elect={}",
               flags.metricsAddr, flags.probeAddr, identity, flags.leaderElect);

  int exit_code = 0;
  if (elector) {
    const bool lost = elector->Run(stop.get_token());
    if (lost) {
      spdlog::error("msg=\"leadership lost, exiting\"");
      exit_code = 1;
    }
  } else {
    if (op.Start(stop.get_token())) {
      std::mutex mu;
      std::condition_variable_any cv;
      std::unique_lock lock(mu);
      cv.wait(lock, stop.get_token(), [] { return false; });
    }
    op.Stop();
  }
  events.Flush();
  events.Stop();
  if (probe_server) probe_server->Stop();
  if (metrics_server) metrics_server->Stop();
  if (!stop.stop_requested()) pthread_kill(signal_thread.native_handle(), SIGTERM);
  spdlog::info("msg=\"stopped\" exit_code={}", exit_code);
  return exit_code;
}
