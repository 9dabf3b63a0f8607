// Shared set-up for the reconciler tests: an in-memory hub with real informers over its four
// kinds, a simulated clock, wire-form builders for the hybridai.io objects and member nodes,
// and a wait helper for caches catching up with writes. Single test thread drives it; the
// informers run their own threads.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "controllers/fleet_snapshot.h"
#include "runtime/informer.h"
#include "support/fake_api_client.h"
#include "support/simulated_clock.h"

namespace hybridai::testing {

using nlohmann::json;
namespace kinds = runtime::kinds;

// Polls `done` in real time. The limit is a hang guard for a broken test, not a timing
// assertion: callers ASSERT on the result.
inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A Ready condition as the operator's own reconcilers write it, at 2025-01-01T00:00:00Z (the
// simulated clock's start) unless told otherwise.
inline json ReadyCondition(const std::string& status,
                           const std::string& since = "2025-01-01T00:00:00Z") {
  return {{"type", "Ready"},
          {"status", status},
          {"observedGeneration", 1},
          {"lastTransitionTime", since},
          {"reason", status == "True" ? "Reachable" : "Unreachable"},
          {"message", ""}};
}

inline json ClusterJson(const std::string& name, const std::string& provider,
                        const std::string& location = "Cloud", bool ready = true) {
  json c = {{"apiVersion", "hybridai.io/v1alpha1"},
            {"kind", "MemberCluster"},
            {"metadata", {{"name", name}}},
            {"spec",
             {{"location", location},
              {"provider", provider},
              {"region", "eu-west-1"},
              {"maxDataClassification", "Confidential"},
              {"latencyMs", 20},
              {"carbonIntensity", 300},
              {"pue", "1.2"}}}};
  if (ready) c["status"] = {{"conditions", json::array({ReadyCondition("True")})}};
  return c;
}

// A pool with a measured, Ready status of `capacity` accelerators (what the GPUPool
// reconciler would have written).
inline json PoolJson(const std::string& name, const std::string& cluster, int64_t capacity,
                     const std::string& price = "4.10", bool ready = true) {
  json p = {
      {"apiVersion", "hybridai.io/v1alpha1"},
      {"kind", "GPUPool"},
      {"metadata", {{"name", name}}},
      {"spec",
       {{"cluster", cluster},
        {"nodeSelector", {{"node.kubernetes.io/instance-type", name + "-type"}}},
        {"tolerations",
         json::array(
             {{{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}})},
        {"accelerator",
         {{"vendor", "NVIDIA"},
          {"model", "H100"},
          {"memoryGiB", 80},
          {"resourceName", "nvidia.com/gpu"}}},
        {"capacity", {{"accelerators", capacity}}},
        {"pricing", {{"acceleratorHour", price}, {"currency", "USD"}, {"spot", false}}},
        {"power", {{"acceleratorWatts", 700}, {"idleWatts", 90}}}}}};
  if (ready) {
    p["status"] = {{"capacity", {{"accelerators", capacity}}},
                   {"allocated", {{"accelerators", 0}}},
                   {"readyNodes", 1},
                   {"conditions", json::array({ReadyCondition("True")})}};
  }
  return p;
}

inline json WorkloadJson(const std::string& ns, const std::string& name, int64_t replicas,
                         int64_t count = 1, const std::string& type = "Inference") {
  return {{"apiVersion", "hybridai.io/v1alpha1"},
          {"kind", "AIWorkload"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec",
           {{"type", type},
            {"replicas", replicas},
            {"accelerators", {{"count", count}, {"vendors", json::array({"NVIDIA"})}}},
            {"placement", {{"objective", "Cost"}, {"dataClassification", "Internal"}}},
            {"tags", {{"team", "nlp"}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec",
               {{"containers",
                 json::array({{{"name", "server"}, {"image", "vllm/vllm-openai:v0.6.3"}}})}}}}}}}};
}

// A node as a member's kubelet reports it.
inline json NodeJson(const std::string& name, const std::string& instance_type, json gpus,
                     bool ready = true, bool unschedulable = false) {
  json n = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata",
       {{"name", name}, {"labels", {{"node.kubernetes.io/instance-type", instance_type}}}}},
      {"spec", json::object()},
      {"status",
       {{"allocatable", {{"cpu", "96"}, {"nvidia.com/gpu", std::move(gpus)}}},
        {"conditions", json::array({{{"type", "MemoryPressure"}, {"status", "False"}},
                                    {{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
  if (unschedulable) n["spec"]["unschedulable"] = true;
  return n;
}

// A hub: the fake API server, a simulated clock and informers over the four hybridai.io kinds.
struct Hub {
  SimulatedClock clock;
  std::shared_ptr<FakeApiClient> api = std::make_shared<FakeApiClient>(&clock);
  runtime::Informer clusters{*api, kinds::kMemberCluster, clock};
  runtime::Informer pools{*api, kinds::kGPUPool, clock};
  runtime::Informer budgets{*api, kinds::kBudget, clock};
  runtime::Informer workloads{*api, kinds::kAIWorkload, clock};

  ~Hub() {
    for (auto* i : {&clusters, &pools, &budgets, &workloads}) i->Stop();
  }

  controllers::HubCaches Caches() const {
    return {&clusters.store(), &pools.store(), &budgets.store(), &workloads.store()};
  }

  void Start() {
    for (auto* i : {&clusters, &pools, &budgets, &workloads}) i->Start();
    for (auto* i : {&clusters, &pools, &budgets, &workloads})
      ASSERT_TRUE(WaitUntil([i] { return i->HasSynced(); }));
  }

  runtime::Informer& InformerOf(const runtime::ResourceKind& kind) {
    if (kind == kinds::kMemberCluster) return clusters;
    if (kind == kinds::kGPUPool) return pools;
    if (kind == kinds::kBudget) return budgets;
    return workloads;
  }

  // True once the informer's cache shows the hub's current state of the object (gone included).
  bool Cached(const runtime::ResourceKind& kind, const std::string& ns, const std::string& name) {
    auto want = api->Peek(kind, ns, name);
    auto have = InformerOf(kind).store().Get(ns, name);
    if (!want) return have == nullptr;
    return have && (*have)["metadata"].value("resourceVersion", "") ==
                       (*want)["metadata"].value("resourceVersion", "");
  }
  [[nodiscard]] bool WaitCached(const runtime::ResourceKind& kind, const std::string& ns,
                                const std::string& name) {
    return WaitUntil([&] { return Cached(kind, ns, name); });
  }

  json Object(const runtime::ResourceKind& kind, const std::string& ns, const std::string& name) {
    return api->Peek(kind, ns, name).value_or(json());
  }
};

}  // namespace hybridai::testing
