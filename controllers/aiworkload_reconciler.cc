#include "controllers/aiworkload_reconciler.h"

#include <set>

#include <spdlog/spdlog.h>

#include "controllers/workload_materializer.h"
#include "controllers/workload_status.h"
#include "core/codec.h"
#include "core/placement_engine.h"

namespace hybridai::controllers {

using nlohmann::json;
using runtime::ApiError;
using runtime::ReconcileResult;
using runtime::Request;
using runtime::Result;
using runtime::Status;
namespace kinds = runtime::kinds;

namespace {

const runtime::ResourceKind& MemberKind(const api::AIWorkload& w) {
  return w.spec.type == api::WorkloadType::Inference ? kinds::kDeployment : kinds::kJob;
}

bool HasFinalizer(const json& object) {
  const auto& meta = object["metadata"];
  auto it = meta.find("finalizers");
  if (it == meta.end() || !it->is_array()) return false;
  for (const auto& f : *it)
    if (f.is_string() && f.get<std::string>() == kCleanupFinalizer) return true;
  return false;
}

std::string WorkloadSelector(const api::AIWorkload& w) {
  return std::string(kLabelWorkload) + "=" + w.metadata.name + "," + kLabelWorkloadNamespace + "=" +
         w.metadata.namespace_;
}

ApiError Failure(ApiError::Reason reason, std::string message) {
  ApiError e;
  e.reason = reason;
  e.message = std::move(message);
  return e;
}

// Comma-separated clusters of the Active placements, each once, in placement order.
std::string ActiveClusters(const std::vector<api::Placement>& placements) {
  std::string out;
  std::set<std::string> seen;
  for (const auto& p : placements) {
    if (p.role != api::Role::Active || !seen.insert(p.cluster).second) continue;
    out += (out.empty() ? "" : ",") + p.cluster;
  }
  return out;
}

ApiError MemberError(const std::string& cluster, const ApiError& e) {
  ApiError out = e;
  out.message = "member " + cluster + ": " + e.message;
  return out;
}

}  // namespace

AIWorkloadReconciler::AIWorkloadReconciler(runtime::ApiClient& hub, HubCaches caches,
                                           FleetSnapshot& fleet, PlacementBook& book,
                                           MemberRegistry& members, runtime::Clock& clock,
                                           runtime::EventRecorder* events,
                                           AIWorkloadReconcilerOptions options)
    : hub_(hub),
      caches_(caches),
      fleet_(fleet),
      book_(book),
      members_(members),
      clock_(clock),
      events_(events),
      options_(std::move(options)) {}

int64_t AIWorkloadReconciler::NowUnix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch())
      .count();
}

void AIWorkloadReconciler::Event(const json& object, bool warning, const std::string& reason,
                                 const std::string& message) {
  if (events_ == nullptr) return;
  events_->Record(runtime::ObjectReference::To(object),
                  warning ? runtime::EventType::Warning : runtime::EventType::Normal, reason,
                  message);
}

Result<ReconcileResult> AIWorkloadReconciler::Reconcile(const Request& request) {
  runtime::ObjectPtr object = caches_.workloads->Get(request.ns, request.name);
  if (!object) {
    // Gone from the hub: the finalizer already cleaned the members.
    book_.Forget(request.Key());
    return ReconcileResult{};
  }
  std::vector<Diagnostic> diags;
  auto decoded = api::DecodeAIWorkload(*object, &diags);
  if (!decoded) {
    // The CRD schema should make this impossible; if it happens, retrying cannot help.
    std::string why =
        diags.empty() ? "cannot decode" : diags.front().path + ": " + diags.front().message;
    spdlog::error("msg=\"invalid AIWorkload\" workload={} error=\"{}\"", request.Key(), why);
    Event(*object, true, "InvalidSpec", why);
    return ReconcileResult{};
  }
  const api::AIWorkload& w = *decoded;
  if (w.metadata.deletionTimestamp) return Finalize(w, *object);
  if (!HasFinalizer(*object)) {
    if (auto st = EnsureFinalizer(*object); !st.ok()) return st.error();
    // The update comes back through the watch and triggers the next step.
    return ReconcileResult{};
  }

  const int64_t now = NowUnix();
  // The input and the full plan hold every workload of the namespace (tens of thousands, in a
  // big one): keep only what this reconcile needs, and free them before any network call.
  std::optional<WorkloadDecision> decision;
  PlacementPlan plan;  // budgets only: the status reports their verdicts
  std::vector<api::MemberCluster> member_clusters;
  std::vector<api::Budget> budgets;
  std::string currency = "USD";
  {
    std::lock_guard lock(book_.PlanMutex());
    PlacementInput input = fleet_.ForWorkload(w, book_, now);
    PlacementPlan full = PlanPlacements(input);
    if (const WorkloadDecision* d = full.Find(w.metadata.namespace_, w.metadata.name)) {
      book_.Record(request.Key(), d->placements);
      decision = *d;
    }
    plan.budgets = std::move(full.budgets);
    for (auto& c : input.clusters) member_clusters.push_back(std::move(c.cluster));
    for (auto& b : input.budgets) budgets.push_back(std::move(b.budget));
    for (const auto& p : input.pools) {
      if (decision && !decision->placements.empty() &&
          p.pool.metadata.name == decision->placements[0].pool)
        currency = p.pool.spec.pricing.currency;
    }
  }
  if (!decision)
    return Failure(ApiError::Reason::Unknown, request.Key() + ": the planner returned no decision");

  if (decision->placed) {
    if (auto st = Materialize(w, decision->placements); !st.ok()) {
      Event(*object, true, "MaterializeFailed", st.error().message);
      return st.error();
    }
  }
  if (auto st = CollectGarbage(w, decision->placements); !st.ok()) return st.error();

  StatusInputs inputs{w, *decision, plan, now, {}, std::move(member_clusters), std::move(budgets),
                      std::move(currency)};
  for (const auto& p : decision->placements) {
    for (const auto& o : members_.ObjectsOf(p.cluster, MemberKind(w), request.Key())) {
      if ((*o)["metadata"].value("name", "") == MemberObjectName(w.metadata.name, p.pool))
        inputs.memberObjects[p.cluster + "/" + p.pool] = o;
    }
  }
  WorkloadStatusUpdate update = ComputeWorkloadStatus(inputs);
  if (update.placedChanged) {
    if (decision->placed) {
      Event(*object, false, "Placed",
            update.status.placements.empty() ? "no replicas"
                                             : DescribePlacements(update.status.placements));
    } else {
      Event(*object, true, "Unschedulable", decision->message);
    }
  }
  // status.clusters feeds the Clusters printer column; the core status type does not carry it.
  const std::string clusters = ActiveClusters(update.status.placements);
  const bool clusters_stale =
      object->value("status", json::object()).value("clusters", "") != clusters;
  if (update.changed || clusters_stale) {
    json next = *object;
    next["status"] = api::StatusToJson(update.status);
    if (!clusters.empty()) next["status"]["clusters"] = clusters;
    auto res = hub_.UpdateStatus(kinds::kAIWorkload, w.metadata.namespace_, next);
    // 409: the cache was behind our own last write; the next attempt reads the newer object.
    // That is routine right after the finalizer or a status write, not a failure to report.
    if (res.Is(ApiError::Reason::Conflict)) return ReconcileResult{.requeue = true};
    if (!res.ok()) return res.error();
  }
  ReconcileResult result;
  result.requeueAfter = options_.resyncPeriod;
  return result;
}

Status AIWorkloadReconciler::EnsureFinalizer(const json& object) {
  json finalizers = object["metadata"].value("finalizers", json::array());
  finalizers.push_back(kCleanupFinalizer);
  json patch = {{"metadata",
                 {{"finalizers", finalizers},
                  {"resourceVersion", object["metadata"].value("resourceVersion", "")}}}};
  auto res =
      hub_.Patch(kinds::kAIWorkload, object["metadata"].value("namespace", ""),
                 object["metadata"].value("name", ""), runtime::PatchType::Merge, patch.dump(), {});
  if (!res.ok()) return res.error();
  return runtime::OkStatus();
}

Status AIWorkloadReconciler::EnsureNamespace(const std::string& cluster, runtime::ApiClient& client,
                                             const std::string& ns) {
  const std::string key = cluster + "/" + ns;
  {
    std::lock_guard lock(nsMu_);
    if (ensuredNamespaces_.count(key)) return runtime::OkStatus();
  }
  json namespace_object = {
      {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
  auto res = client.Create(kinds::kNamespace, "", namespace_object);
  if (!res.ok() && !res.Is(ApiError::Reason::AlreadyExists))
    return MemberError(cluster, res.error());
  std::lock_guard lock(nsMu_);
  ensuredNamespaces_.insert(key);
  return runtime::OkStatus();
}

Status AIWorkloadReconciler::Materialize(const api::AIWorkload& w,
                                         const std::vector<api::Placement>& placements) {
  const std::string key = KeyOf(w.metadata);
  for (const auto& p : placements) {
    auto client = members_.Client(p.cluster);
    if (!client) {
      return Failure(ApiError::Reason::ServiceUnavailable,
                     key + ": member cluster " + p.cluster + " is not connected");
    }
    runtime::ObjectPtr pool_object = caches_.pools->Get("", p.pool);
    auto pool = fleet_.Pool(pool_object);
    if (!pool) {
      return Failure(ApiError::Reason::NotFound, key + ": GPUPool " + p.pool + " is gone");
    }
    json desired = BuildMemberObject(w, p, *pool);
    const std::string name = desired["metadata"]["name"];
    const std::string hash = desired["metadata"]["annotations"][kAnnotationSpecHash];
    bool current = false;
    for (const auto& o : members_.ObjectsOf(p.cluster, MemberKind(w), key)) {
      const auto& meta = (*o)["metadata"];
      // The hash says our last apply is there; the scale fields say nobody changed it since
      // (an HPA or a hand edit of replicas/suspend is put back, level-based).
      const json& spec = (*o).contains("spec") ? (*o)["spec"] : json::object();
      if (meta.value("name", "") == name &&
          meta.value("annotations", json::object()).value(kAnnotationSpecHash, "") == hash &&
          spec.value("replicas", json()) == desired["spec"].value("replicas", json()) &&
          spec.value("suspend", json()) == desired["spec"].value("suspend", json()) &&
          spec.value("parallelism", json()) == desired["spec"].value("parallelism", json()))
        current = true;
    }
    if (current) continue;
    if (auto st = EnsureNamespace(p.cluster, *client, w.metadata.namespace_); !st.ok()) return st;
    auto res = client->Apply(MemberKind(w), desired, options_.fieldManager, /*force=*/true);
    if (!res.ok()) return MemberError(p.cluster, res.error());
    spdlog::info("msg=\"applied member object\" workload={} cluster={} kind={} name={}", key,
                 p.cluster, MemberKind(w).kind, name);
  }
  return runtime::OkStatus();
}

Status AIWorkloadReconciler::CollectGarbage(const api::AIWorkload& w,
                                            const std::vector<api::Placement>& placements) {
  const std::string key = KeyOf(w.metadata);
  for (const auto& cluster : members_.Clusters()) {
    auto client = members_.Client(cluster);
    if (!client) continue;
    for (const auto* kind : {&kinds::kDeployment, &kinds::kJob}) {
      for (const auto& o : members_.ObjectsOf(cluster, *kind, key)) {
        const std::string name = (*o)["metadata"].value("name", "");
        bool wanted = false;
        for (const auto& p : placements)
          wanted |= p.cluster == cluster && *kind == MemberKind(w) &&
                    MemberObjectName(w.metadata.name, p.pool) == name;
        if (wanted) continue;
        runtime::DeleteOptions opts;
        opts.propagation = runtime::PropagationPolicy::Background;
        opts.preconditionUid = (*o)["metadata"].value("uid", "");
        auto st = client->Delete(*kind, w.metadata.namespace_, name, opts);
        if (!st.ok() && !st.Is(ApiError::Reason::NotFound) && !st.Is(ApiError::Reason::Conflict))
          return MemberError(cluster, st.error());
        spdlog::info("msg=\"deleted member object\" workload={} cluster={} kind={} name={}", key,
                     cluster, kind->kind, name);
      }
    }
  }
  return runtime::OkStatus();
}

Result<ReconcileResult> AIWorkloadReconciler::Finalize(const api::AIWorkload& w,
                                                       const json& object) {
  const std::string key = KeyOf(w.metadata);
  if (!HasFinalizer(object)) return ReconcileResult{};
  // Ask the members themselves, not the caches: nothing may be left behind.
  std::set<std::string> clusters;
  for (const auto& c : members_.Clusters()) clusters.insert(c);
  for (const auto& p : w.status.placements) clusters.insert(p.cluster);
  for (const auto& cluster : clusters) {
    auto client = members_.Client(cluster);
    if (!client) {
      if (caches_.clusters->Get("", cluster)) {
        return Failure(ApiError::Reason::ServiceUnavailable,
                       key + ": cannot clean up member " + cluster + ": not connected");
      }
      continue;  // the MemberCluster itself is gone: nothing left to reach
    }
    for (const auto* kind : {&kinds::kDeployment, &kinds::kJob}) {
      runtime::ListOptions lo;
      lo.labelSelector = WorkloadSelector(w);
      auto list = client->List(*kind, w.metadata.namespace_, lo);
      if (!list.ok()) {
        if (list.Is(ApiError::Reason::NotFound)) continue;
        return MemberError(cluster, list.error());
      }
      for (const auto& item : list.value().items) {
        runtime::DeleteOptions opts;
        opts.propagation = runtime::PropagationPolicy::Background;
        auto st =
            client->Delete(*kind, w.metadata.namespace_, item["metadata"].value("name", ""), opts);
        if (!st.ok() && !st.Is(ApiError::Reason::NotFound)) return MemberError(cluster, st.error());
      }
    }
  }
  json finalizers = json::array();
  for (const auto& f : object["metadata"].value("finalizers", json::array()))
    if (!(f.is_string() && f.get<std::string>() == kCleanupFinalizer)) finalizers.push_back(f);
  json patch = {{"metadata",
                 {{"finalizers", finalizers},
                  {"resourceVersion", object["metadata"].value("resourceVersion", "")}}}};
  auto res = hub_.Patch(kinds::kAIWorkload, w.metadata.namespace_, w.metadata.name,
                        runtime::PatchType::Merge, patch.dump(), {});
  if (!res.ok() && !res.Is(ApiError::Reason::NotFound)) return res.error();
  book_.Forget(key);
  spdlog::info("msg=\"cleaned up members\" workload={}", key);
  return ReconcileResult{};
}

}  // namespace hybridai::controllers
