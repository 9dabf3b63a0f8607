// Burst load against the test fleet, with parallel writers so the creator is never the
// bottleneck, in five modes measured by the same clock:
//   aiworkloads  N one-GPU Inference AIWorkloads created in the hub; done when every one has its
//                Deployment in some member (the operator's dispatch rate and latency);
//   batch        the same with Batch AIWorkloads, whose member object is a Job;
//   kueue-jobs   N one-GPU Jobs created in the hub as Kueue's webhook would leave them for
//                MultiKueue (suspended, labelled with --queue, spec.managedBy MultiKueue); done
//                when every one has its Job in some member (MultiKueue's dispatch rate);
//   deployments  N Deployments created directly in the members (round robin) by a plain client:
//                the rate at which the same fleet accepts them, the bar the operator is judged by;
//   jobs         the same with Jobs (the raw rate for batch and kueue-jobs).
// Each object's latency runs from just before its create request is sent to the moment a watch
// on the members (informers started beforehand, in this process) first sees its member object.
//
//   burst_load --kubeconfig FILE --mode aiworkloads|batch|kueue-jobs|deployments|jobs
//              --namespace NS [--count N] [--writers W] [--hub CONTEXT] [--members c1,c2,...]
//              [--queue NAME] [--timeout S] [--cluster-label KEY=VALUE]...
// --cluster-label (aiworkloads, batch; repeatable) gives the workloads a clusterSelector, so that
// a comparison can keep them to the clusters its peer uses.
//
// Prints a summary and `burst_load: key=value` lines on stderr for scripts. Deletes nothing:
// the calling script owns the namespace.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "runtime/informer.h"
#include "runtime/kube_client.h"
#include "runtime/kubeconfig.h"

using namespace hybridai;
using nlohmann::json;
namespace kinds = runtime::kinds;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kUsage =
    R"(usage: burst_load --kubeconfig FILE --mode aiworkloads|batch|kueue-jobs|deployments|jobs
                  --namespace NS [--count N] [--writers W] [--hub CONTEXT] [--members c1,c2,...]
                  [--queue NAME] [--timeout S] [--cluster-label KEY=VALUE]...
)";

struct Flags {
  std::string kubeconfig, mode, ns, hub = "hub", queue = "bench";
  std::vector<std::string> members = {"hub", "cloud", "onprem", "edge"};
  json clusterLabels = json::object();  // --cluster-label: the workloads' clusterSelector
  int count = 1000, writers = 16, timeout = 300;
};

std::string Name(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "burst-%05d", i);
  return name;
}

json Workload(const std::string& ns, int i, const char* type, const json& cluster_labels) {
  json placement = {{"objective", "Balanced"}};
  if (!cluster_labels.empty()) placement["clusterSelector"] = {{"matchLabels", cluster_labels}};
  return {{"apiVersion", "hybridai.io/v1alpha1"},
          {"kind", "AIWorkload"},
          {"metadata", {{"name", Name(i)}, {"namespace", ns}}},
          {"spec",
           {{"type", type},
            {"replicas", 1},
            {"accelerators", {{"count", 1}}},
            {"placement", placement},
            {"tags", {{"team", "bench"}, {"costCenter", "cc-bench"}}},
            {"template",
             {{"spec",
               {{"containers",
                 json::array({{{"name", "main"}, {"image", "registry.k8s.io/pause:3.10"}}})}}}}}}}};
}

// What the operator would make of it, created straight in a member: same kind, same size.
json Deployment(const std::string& ns, int i) {
  const std::string name = Name(i);
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"bench", "burst"}}}}},
          {"spec",
           {{"replicas", 1},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec",
               {{"containers",
                 json::array({{{"name", "main"},
                               {"image", "registry.k8s.io/pause:3.10"},
                               {"resources", {{"limits", {{"nvidia.com/gpu", "1"}}}}}}})}}}}}}}};
}

json GpuContainer() {
  return {{"name", "main"},
          {"image", "registry.k8s.io/pause:3.10"},
          {"resources",
           {{"requests", {{"nvidia.com/gpu", "1"}}}, {"limits", {{"nvidia.com/gpu", "1"}}}}}};
}

// A one-GPU Job: what the operator makes of a Batch workload, created straight in a member (raw)
// or, with `queue` set, in the hub as Kueue's webhook would leave it for MultiKueue to dispatch.
json Job(const std::string& ns, int i, const std::string& queue) {
  json labels = {{"bench", "burst"}};
  if (!queue.empty()) labels["kueue.x-k8s.io/queue-name"] = queue;
  json spec = {
      {"parallelism", 1},
      {"completions", 1},
      {"backoffLimit", 0},
      {"template",
       {{"metadata", {{"labels", {{"bench", "burst"}}}}},
        {"spec", {{"restartPolicy", "Never"}, {"containers", json::array({GpuContainer()})}}}}}};
  if (!queue.empty()) {
    spec["suspend"] = true;
    spec["managedBy"] = "kueue.x-k8s.io/multikueue";
  }
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", {{"name", Name(i)}, {"namespace", ns}, {"labels", labels}}},
          {"spec", spec}};
}

// The workload a member object stands for: the operator's label, else its own name.
std::string Origin(const json& d) {
  const json labels = d["metadata"].value("labels", json::object());
  if (labels.contains("hybridai.io/workload")) return labels["hybridai.io/workload"];
  return d["metadata"].value("name", "");
}

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

int Run(const Flags& f) {
  runtime::KubeClientOptions copts;
  copts.qps = 0;  // unthrottled: the writers' parallelism is the load
  copts.userAgent = "burst-load/0.1.0";
  std::map<std::string, std::shared_ptr<runtime::ApiClient>> clients;
  for (const auto& ctx : f.members) {
    auto config = runtime::LoadClientConfig(f.kubeconfig, ctx);
    if (!config.ok()) {
      std::cerr << "burst_load: context " << ctx << ": " << config.error().message << "\n";
      return 2;
    }
    auto made = runtime::NewKubeClient(config.value(), copts);
    if (!made.ok()) {
      std::cerr << "burst_load: context " << ctx << ": " << made.error().message << "\n";
      return 2;
    }
    clients[ctx] = std::shared_ptr<runtime::ApiClient>(std::move(made.value()));
  }
  auto hub_config = runtime::LoadClientConfig(f.kubeconfig, f.hub);
  if (!hub_config.ok()) {
    std::cerr << "burst_load: context " << f.hub << ": " << hub_config.error().message << "\n";
    return 2;
  }
  auto hub_made = runtime::NewKubeClient(hub_config.value(), copts);
  if (!hub_made.ok()) return 2;
  std::shared_ptr<runtime::ApiClient> hub(std::move(hub_made.value()));

  // Watches first, on every member: the first sight of each member object is stamped.
  const bool jobs = f.mode == "batch" || f.mode == "kueue-jobs" || f.mode == "jobs";
  const runtime::ResourceKind& member_kind = jobs ? kinds::kJob : kinds::kDeployment;
  std::mutex mu;
  std::map<std::string, Clock::time_point> seen;
  std::vector<std::unique_ptr<runtime::Informer>> informers;
  for (const auto& ctx : f.members) {
    clients[ctx]->Create(
        kinds::kNamespace, "",
        json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", f.ns}}}});
    runtime::InformerOptions io;
    io.ns = f.ns;
    io.compact = true;
    auto inf =
        std::make_unique<runtime::Informer>(*clients[ctx], member_kind, runtime::RealClock(), io);
    inf->AddEventHandler(runtime::ResourceEventHandler{.onAdd =
                                                           [&](const runtime::ObjectPtr& o) {
                                                             const auto now = Clock::now();
                                                             std::lock_guard lock(mu);
                                                             seen.try_emplace(Origin(*o), now);
                                                           },
                                                       .onUpdate = nullptr,
                                                       .onDelete = nullptr});
    inf->Start();
    inf->WaitForSync(std::stop_token{});
    informers.push_back(std::move(inf));
  }
  hub->Create(kinds::kNamespace, "",
              json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", f.ns}}}});

  std::vector<Clock::time_point> sent(static_cast<size_t>(f.count));
  std::atomic<int> next{0}, failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> writers;
  for (int t = 0; t < f.writers; ++t) {
    writers.emplace_back([&] {
      for (int i = next++; i < f.count; i = next++) {
        sent[static_cast<size_t>(i)] = Clock::now();
        auto& member = *clients[f.members[static_cast<size_t>(i) % f.members.size()]];
        runtime::Result<json> res =
            f.mode == "aiworkloads" ? hub->Create(kinds::kAIWorkload, f.ns,
                                                  Workload(f.ns, i, "Inference", f.clusterLabels))
            : f.mode == "batch"
                ? hub->Create(kinds::kAIWorkload, f.ns, Workload(f.ns, i, "Batch", f.clusterLabels))
            : f.mode == "kueue-jobs" ? hub->Create(kinds::kJob, f.ns, Job(f.ns, i, f.queue))
            : f.mode == "jobs"       ? member.Create(kinds::kJob, f.ns, Job(f.ns, i, ""))
                                     : member.Create(kinds::kDeployment, f.ns, Deployment(f.ns, i));
        if (!res.ok()) {
          ++failed;
          spdlog::warn("create {} failed: {}", Name(i), res.error().ToString());
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  const auto created = Clock::now();

  const auto deadline = start + std::chrono::seconds(f.timeout);
  size_t have = 0;
  while (Clock::now() < deadline) {
    {
      std::lock_guard lock(mu);
      have = seen.size();
    }
    if (static_cast<int>(have) >= f.count - failed.load()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& inf : informers) inf->Stop();

  std::vector<double> lat;
  Clock::time_point last = start;
  {
    std::lock_guard lock(mu);
    for (int i = 0; i < f.count; ++i) {
      auto it = seen.find(Name(i));
      if (it == seen.end()) continue;
      lat.push_back(Ms(it->second - sent[static_cast<size_t>(i)]));
      last = std::max(last, it->second);
    }
  }
  const double total_s = Ms(last - start) / 1000.0;
  const double create_s = Ms(created - start) / 1000.0;
  const double rate = total_s > 0 ? static_cast<double>(lat.size()) / total_s : 0;
  std::printf("burst_load: mode=%s count=%d writers=%d\n", f.mode.c_str(), f.count, f.writers);
  const char* what = jobs ? "Job" : "Deployment";
  std::printf("  created in %.2f s (%d failed); %zu/%d %ss seen in members\n", create_s,
              failed.load(), lat.size(), f.count, what);
  std::printf("  first create -> last %s: %.2f s = %.1f objects/s\n", what, total_s, rate);
  std::printf("  latency create -> %s seen: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms\n",
              what, Percentile(lat, 0.5), Percentile(lat, 0.9), Percentile(lat, 0.99),
              Percentile(lat, 1.0));
  std::fprintf(stderr,
               "burst_load: mode=%s seen=%zu failed=%d seconds=%.3f rate=%.1f p50_ms=%.0f "
               "p99_ms=%.0f create_seconds=%.3f\n",
               f.mode.c_str(), lat.size(), failed.load(), total_s, rate, Percentile(lat, 0.5),
               Percentile(lat, 0.99), create_s);
  return static_cast<int>(lat.size()) == f.count ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "burst_load: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--kubeconfig")
      f.kubeconfig = value();
    else if (a == "--mode")
      f.mode = value();
    else if (a == "--namespace")
      f.ns = value();
    else if (a == "--count")
      f.count = std::atoi(value().c_str());
    else if (a == "--writers")
      f.writers = std::atoi(value().c_str());
    else if (a == "--hub")
      f.hub = value();
    else if (a == "--queue")
      f.queue = value();
    else if (a == "--timeout")
      f.timeout = std::atoi(value().c_str());
    else if (a == "--cluster-label") {
      const std::string kv = value();
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "burst_load: --cluster-label wants KEY=VALUE, got " << kv << "\n";
        return 2;
      }
      f.clusterLabels[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (a == "--members") {
      f.members.clear();
      std::stringstream ss(value());
      for (std::string c; std::getline(ss, c, ',');)
        if (!c.empty()) f.members.push_back(c);
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "burst_load: unknown flag " << a << "\n" << kUsage;
      return 2;
    }
  }
  if (f.kubeconfig.empty() || f.ns.empty() || f.count <= 0 || f.writers <= 0 || f.members.empty() ||
      (f.mode != "aiworkloads" && f.mode != "batch" && f.mode != "kueue-jobs" &&
       f.mode != "deployments" && f.mode != "jobs") ||
      (f.mode == "kueue-jobs" && f.queue.empty())) {
    std::cerr << kUsage;
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  try {
    return Run(f);
  } catch (const std::exception& e) {
    std::cerr << "burst_load: " << e.what() << "\n";
    return 1;
  }
}
