#include "controllers/gpupool_reconciler.h"

#include "controllers/status_writer.h"

#include <spdlog/spdlog.h>

#include "core/codec.h"
#include "core/conditions.h"
#include "core/rfc3339.h"

namespace hybridai::controllers {

using nlohmann::json;
using runtime::ReconcileResult;
using runtime::Result;
namespace kinds = runtime::kinds;

int64_t NodeAccelerators(const json& node, const std::string& resource_name) {
  if (!node.is_object() || !node.value("spec", json::object()).is_object() ||
      !node.value("status", json::object()).is_object())
    return 0;
  const json spec = node.value("spec", json::object());
  if (spec.value("unschedulable", false)) return 0;
  const json status = node.value("status", json::object());
  bool ready = false;
  for (const auto& c : status.value("conditions", json::array()))
    if (c.value("type", "") == "Ready") ready = c.value("status", "") == "True";
  if (!ready) return 0;
  const json alloc = status.value("allocatable", json::object());
  auto it = alloc.find(resource_name);
  if (it == alloc.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return 0;
  try {
    size_t used = 0;
    const std::string text = it->get<std::string>();
    const long long v = std::stoll(text, &used);
    return used == text.size() && v > 0 ? v : 0;
  } catch (const std::exception&) {
    return 0;  // a fractional or suffixed quantity is not a count of devices
  }
}

GPUPoolReconciler::GPUPoolReconciler(runtime::ApiClient& hub, HubCaches caches,
                                     FleetSnapshot& fleet, FleetScheduler& scheduler,
                                     MemberRegistry& members, runtime::Clock& clock,
                                     GPUPoolReconcilerOptions options)
    : hub_(hub),
      caches_(caches),
      fleet_(fleet),
      scheduler_(scheduler),
      members_(members),
      clock_(clock),
      options_(options) {}

Result<ReconcileResult> GPUPoolReconciler::Reconcile(const runtime::Request& request) {
  runtime::ObjectPtr object = caches_.pools->Get("", request.name);
  if (!object) return ReconcileResult{};
  auto pool = fleet_.Pool(object);
  if (!pool) {
    spdlog::error("msg=\"invalid GPUPool\" pool={}", request.name);
    return ReconcileResult{};
  }
  const int64_t now_unix =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch()).count();
  const std::string now = FormatRfc3339(now_unix);
  api::GPUPoolStatus status = pool->status.value_or(api::GPUPoolStatus{});
  const int64_t gen = pool->metadata.generation;

  status.allocatedAccelerators = scheduler_.Allocated(pool->metadata.name);

  auto client = members_.Client(pool->spec.cluster);
  if (!client) {
    SetCondition(status.conditions, "Ready", "False", "ClusterNotConnected",
                 "member cluster " + pool->spec.cluster + " is not connected", gen, now);
  } else {
    runtime::ListOptions lo;
    std::string selector;
    for (const auto& [k, v] : pool->spec.nodeSelector)
      selector += (selector.empty() ? "" : ",") + k + "=" + v;
    lo.labelSelector = selector;
    auto nodes = client->List(kinds::kNode, "", lo);
    if (!nodes.ok()) {
      SetCondition(status.conditions, "Ready", "False", "NodesUnreadable",
                   "member " + pool->spec.cluster + ": " + nodes.error().message, gen, now);
    } else {
      int64_t capacity = 0, ready_nodes = 0;
      for (const auto& n : nodes.value().items) {
        const int64_t a = NodeAccelerators(n, pool->spec.accelerator.resourceName);
        capacity += a;
        if (a > 0) ++ready_nodes;
      }
      const int64_t total = static_cast<int64_t>(nodes.value().items.size());
      if (total == 0) {
        // No node visible: trust the declared capacity, if any.
        status.capacityAccelerators = pool->spec.capacity.accelerators.value_or(0);
        status.readyNodes = 0;
        SetCondition(status.conditions, "Ready", status.capacityAccelerators > 0 ? "True" : "False",
                     "NoMatchingNodes",
                     "no node of " + pool->spec.cluster + " matches the pool's nodeSelector", gen,
                     now);
      } else {
        status.capacityAccelerators = capacity;
        status.readyNodes = ready_nodes;
        SetCondition(status.conditions, "Ready", ready_nodes > 0 ? "True" : "False",
                     ready_nodes > 0 ? "NodesReady" : "NoReadyNodes",
                     std::to_string(ready_nodes) + "/" + std::to_string(total) +
                         " nodes ready with " + std::to_string(capacity) + " " +
                         pool->spec.accelerator.resourceName,
                     gen, now);
      }
    }
  }
  const json before = pool->status ? api::StatusToJson(*pool->status) : json();
  const json after = api::StatusToJson(status);
  if (before != after) {
    if (auto st = PatchStatus(hub_, kinds::kGPUPool, *object, after); !st.ok()) return st.error();
  }
  ReconcileResult r;
  r.requeueAfter = options_.resyncPeriod;
  return r;
}

}  // namespace hybridai::controllers
