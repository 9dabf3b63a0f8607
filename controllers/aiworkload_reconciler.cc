#include "controllers/aiworkload_reconciler.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "controllers/budget_throttle.h"
#include "controllers/finalizer.h"
#include "controllers/member_kind.h"
#include "controllers/status_writer.h"
#include "controllers/workload_materializer.h"
#include "controllers/workload_status.h"
#include "core/codec.h"

namespace hybridai::controllers {

using nlohmann::json;
using runtime::ApiError;
using runtime::ReconcileResult;
using runtime::Request;
using runtime::Result;
using runtime::Status;
namespace kinds = runtime::kinds;

namespace {

const runtime::ResourceKind& KindOf(const api::AIWorkload& w) {
  return MemberKindFor(w.spec.type).Kind();
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
                                           FleetSnapshot& fleet, FleetScheduler& scheduler,
                                           MemberRegistry& members, runtime::Clock& clock,
                                           runtime::EventRecorder* events,
                                           AIWorkloadReconcilerOptions options)
    : hub_(hub),
      caches_(caches),
      fleet_(fleet),
      scheduler_(scheduler),
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

std::shared_ptr<runtime::ApiClient> AIWorkloadReconciler::Reachable(
    const std::string& cluster) const {
  auto client = members_.Client(cluster);
  if (!client) return nullptr;
  runtime::ObjectPtr mc = caches_.clusters->Get("", cluster);
  if (!mc) return nullptr;
  for (const auto& c : mc->value("status", json::object()).value("conditions", json::array()))
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True" ? client : nullptr;
  return nullptr;
}

Result<ReconcileResult> AIWorkloadReconciler::Reconcile(const Request& request) {
  runtime::ObjectPtr object = caches_.workloads->Get(request.ns, request.name);
  if (!object) return ReconcileResult{};  // gone from the hub: the finalizer cleaned the members
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
  if (!HasFinalizer(*object, kCleanupFinalizer)) {
    if (auto st = EnsureFinalizer(*object); !st.ok()) {
      // 409: the cache is behind the object (our own earlier finalizer write, say); the watch
      // event that brings the newer object triggers the next attempt. Routine: neither a failure
      // to report nor a reason for a rate-limited retry.
      if (st.Is(ApiError::Reason::Conflict)) return ReconcileResult{};
      return st.error();
    }
    // The update comes back through the watch and triggers the next step.
    return ReconcileResult{};
  }
  // Decide first, then act: until the scheduler has decided this generation, there is nothing
  // to carry out; it wakes this workload when it has.
  auto scheduled = scheduler_.Decision(request.Key());
  if (!scheduled || scheduled->generation != w.metadata.generation) {
    scheduler_.Enqueue(request.Key());
    return ReconcileResult{};
  }
  const WorkloadDecision& decision = scheduled->decision;
  std::vector<std::string> failures;
  // Inference moves are made before they break: old objects serve until the new are Ready.
  // A throttled workload is handed over as it runs: fewer replicas in the placements, and as
  // many fewer to wait for.
  Handover handover;
  if (decision.placed && !scheduled->finished && w.spec.type == api::WorkloadType::Inference) {
    const int64_t throttled = scheduled->throttledReplicas;
    if (throttled == 0) {
      handover = PlanMove(w, decision.placements);
    } else {
      std::vector<api::Placement> running = decision.placements;
      const auto n = RunningReplicas(running, throttled, /*gang=*/false);
      for (size_t i = 0; i < running.size(); ++i)
        if (running[i].role == api::Role::Active) running[i].replicas = n[i];
      api::AIWorkload as_run = w;
      as_run.spec.replicas = std::max<int64_t>(0, w.spec.replicas - throttled);
      handover = PlanMove(as_run, running);
    }
  }
  if (decision.placed && !scheduled->finished)
    Materialize(w, decision.placements, scheduled->throttledReplicas, handover, failures);
  CollectGarbage(w, decision.placements, handover, failures);
  // Status is written whatever the members said: it shows the decision and what each member
  // reports, so a dark member never hides a move.
  if (auto st = WriteStatus(w, *object, *scheduled, handover); !st.ok()) return st.error();
  if (!failures.empty()) {
    std::string message;
    for (const auto& f : failures) message += (message.empty() ? "" : "; ") + f;
    Event(*object, true, "MemberSyncFailed", message);
    return Failure(ApiError::Reason::ServiceUnavailable, request.Key() + ": " + message);
  }
  ReconcileResult result;
  const bool accruing = decision.hourlyCost > Decimal() || decision.powerWatts > 0;
  result.requeueAfter =
      accruing && !scheduled->finished ? options_.accountingInterval : options_.resyncPeriod;
  return result;
}

Status AIWorkloadReconciler::WriteStatus(const api::AIWorkload& w, const json& object,
                                         const ScheduledDecision& scheduled,
                                         const Handover& handover) {
  const WorkloadDecision& decision = scheduled.decision;
  std::vector<api::MemberCluster> member_clusters;
  for (const auto& obj : caches_.clusters->List())
    if (auto c = fleet_.Cluster(obj)) member_clusters.push_back(*c);
  std::vector<api::Budget> budgets;
  for (const auto& obj : caches_.budgets->ByIndex(runtime::kNamespaceIndex, w.metadata.namespace_))
    if (auto b = fleet_.BudgetOf(obj)) budgets.push_back(*b);
  PlacementPlan plan;
  plan.budgets = scheduled.budgets;
  StatusInputs inputs{w,
                      decision,
                      plan,
                      NowUnix(),
                      {},
                      std::move(member_clusters),
                      std::move(budgets),
                      scheduled.currency};
  if (!scheduled.preemptedBy.empty() && !decision.placed) inputs.unplacedReason = "Preempted";
  inputs.throttledReplicas = scheduled.throttledReplicas;
  inputs.throttleMessage = scheduled.throttleMessage;
  inputs.budgetRefusal = scheduled.budgetRefusal;
  inputs.handover = &handover;
  inputs.moveReason = scheduled.moveReason;
  const std::string key = KeyOf(w.metadata);
  for (const auto& p : decision.placements) {
    for (const auto& o : members_.ObjectsOf(p.cluster, KindOf(w), key)) {
      if ((*o)["metadata"].value("name", "") == MemberObjectName(w.metadata.name, p.pool))
        inputs.memberObjects[p.cluster + "/" + p.pool] = o;
    }
  }
  WorkloadStatusUpdate update = ComputeWorkloadStatus(inputs, options_.accountingInterval.count());
  HandoverEvents(object, w.status, update.status, scheduled);
  if (update.placedChanged) {
    if (decision.placed) {
      Event(object, false, "Placed",
            update.status.placements.empty() ? "no replicas"
                                             : DescribePlacements(update.status.placements));
    } else if (scheduled.preemptedBy.empty()) {
      Event(object, true, "Unschedulable", decision.message);
    }
  }
  if (update.status.throttledReplicas != w.status.throttledReplicas) {
    if (update.status.throttledReplicas > 0)
      Event(object, true, "Throttled", scheduled.throttleMessage);
    else
      Event(object, false, "ThrottleLifted", "every replica runs again: the budget has room");
  }
  // status.clusters feeds the Clusters printer column; the core status type does not carry it.
  json next = api::StatusToJson(update.status);
  const std::string clusters = ActiveClusters(update.status.placements);
  if (!clusters.empty()) next["clusters"] = clusters;
  return PatchStatus(hub_, kinds::kAIWorkload, object, next);
}

Status AIWorkloadReconciler::EnsureFinalizer(const json& object) {
  const json patch = FinalizerPatch(object, kCleanupFinalizer, /*present=*/true);
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

void AIWorkloadReconciler::Materialize(const api::AIWorkload& w,
                                       const std::vector<api::Placement>& placements,
                                       int64_t throttled, const Handover& handover,
                                       std::vector<std::string>& failures) {
  const std::string key = KeyOf(w.metadata);
  const bool gang = w.spec.type != api::WorkloadType::Inference;
  const std::vector<int64_t> running = RunningReplicas(placements, throttled, gang);
  for (size_t i = 0; i < placements.size(); ++i) {
    // What runs: an Inference placement with its throttled replicas taken off; a throttled
    // gang's Jobs suspended whole.
    api::Placement p = placements[i];
    if (handover.holdScale.count(p.cluster + "/" + p.pool)) continue;  // scale-down waits
    const bool suspended = gang && throttled > 0 && p.role == api::Role::Active;
    if (!gang && p.role == api::Role::Active) p.replicas = running[i];
    auto client = Reachable(p.cluster);
    if (!client) continue;  // dark: applied when it returns (its Ready wakes this workload)
    runtime::ObjectPtr pool_object = caches_.pools->Get("", p.pool);
    auto pool = fleet_.Pool(pool_object);
    if (!pool) {
      failures.push_back("GPUPool " + p.pool + " is gone");
      continue;
    }
    json desired = BuildMemberObject(w, p, *pool, suspended);
    const std::string name = desired["metadata"]["name"];
    const std::string hash = desired["metadata"]["annotations"][kAnnotationSpecHash];
    bool current = false;
    for (const auto& o : members_.ObjectsOf(p.cluster, KindOf(w), key)) {
      const auto& meta = (*o)["metadata"];
      // The hash says our last apply is there; the scale fields say nobody changed it since
      // (an HPA or a hand edit of replicas/suspend is put back, level-based).
      const json& spec = (*o).contains("spec") ? (*o)["spec"] : json::object();
      if (meta.value("name", "") == name &&
          meta.value("annotations", json::object()).value(kAnnotationSpecHash, "") == hash &&
          MemberKindFor(w.spec.type).ScaleMatches(spec, desired["spec"]))
        current = true;
    }
    if (current) continue;
    if (auto st = EnsureNamespace(p.cluster, *client, w.metadata.namespace_); !st.ok()) {
      failures.push_back(st.error().message);
      continue;
    }
    auto res = client->Apply(KindOf(w), desired, options_.fieldManager, /*force=*/true);
    if (!res.ok()) {
      members_.ReportFailure(p.cluster, res.error());
      failures.push_back(MemberError(p.cluster, res.error()).message);
      continue;
    }
    spdlog::info("msg=\"applied member object\" workload={} cluster={} kind={} name={}", key,
                 p.cluster, KindOf(w).kind, name);
  }
}

void AIWorkloadReconciler::CollectGarbage(const api::AIWorkload& w,
                                          const std::vector<api::Placement>& placements,
                                          const Handover& handover,
                                          std::vector<std::string>& failures) {
  const std::string key = KeyOf(w.metadata);
  for (const auto& cluster : members_.Clusters()) {
    // A dark member keeps its stale copy until it returns; its Ready coming back wakes this
    // workload again, and the copy is deleted then.
    auto client = Reachable(cluster);
    if (!client) continue;
    for (const MemberKind* mk : AllMemberKinds()) {
      const runtime::ResourceKind* kind = &mk->Kind();
      for (const auto& o : members_.ObjectsOf(cluster, *kind, key)) {
        const std::string name = (*o)["metadata"].value("name", "");
        bool wanted = false;
        for (const auto& p : placements)
          wanted |= p.cluster == cluster && *kind == KindOf(w) &&
                    MemberObjectName(w.metadata.name, p.pool) == name;
        if (wanted || (*kind == KindOf(w) && handover.keep.count(cluster + "/" + name))) continue;
        runtime::DeleteOptions opts;
        opts.propagation = runtime::PropagationPolicy::Background;
        opts.preconditionUid = (*o)["metadata"].value("uid", "");
        auto st = client->Delete(*kind, w.metadata.namespace_, name, opts);
        if (!st.ok() && !st.Is(ApiError::Reason::NotFound) && !st.Is(ApiError::Reason::Conflict)) {
          members_.ReportFailure(cluster, st.error());
          failures.push_back(MemberError(cluster, st.error()).message);
          continue;
        }
        spdlog::info("msg=\"deleted member object\" workload={} cluster={} kind={} name={}", key,
                     cluster, kind->kind, name);
      }
    }
  }
}

Result<ReconcileResult> AIWorkloadReconciler::Finalize(const api::AIWorkload& w,
                                                       const json& object) {
  const std::string key = KeyOf(w.metadata);
  if (!HasFinalizer(object, kCleanupFinalizer)) return ReconcileResult{};
  // Ask the members themselves, not the caches: nothing may be left behind. Every member is
  // tried; the finalizer stays while any member that still exists could not be cleaned.
  std::set<std::string> clusters;
  for (const auto& c : members_.Clusters()) clusters.insert(c);
  for (const auto& p : w.status.placements) clusters.insert(p.cluster);
  std::vector<ApiError> failures;
  for (const auto& cluster : clusters) {
    auto client = members_.Client(cluster);
    if (!client) {
      if (caches_.clusters->Get("", cluster))
        failures.push_back(
            Failure(ApiError::Reason::ServiceUnavailable, "member " + cluster + ": not connected"));
      continue;  // a deleted MemberCluster has nothing left to reach
    }
    for (const MemberKind* mk : AllMemberKinds()) {
      const runtime::ResourceKind* kind = &mk->Kind();
      runtime::ListOptions lo;
      lo.labelSelector = WorkloadSelector(w);
      auto list = client->List(*kind, w.metadata.namespace_, lo);
      if (!list.ok()) {
        if (list.Is(ApiError::Reason::NotFound)) continue;
        failures.push_back(MemberError(cluster, list.error()));
        break;
      }
      for (const auto& item : list.value().items) {
        runtime::DeleteOptions opts;
        opts.propagation = runtime::PropagationPolicy::Background;
        auto st =
            client->Delete(*kind, w.metadata.namespace_, item["metadata"].value("name", ""), opts);
        if (!st.ok() && !st.Is(ApiError::Reason::NotFound))
          failures.push_back(MemberError(cluster, st.error()));
      }
    }
  }
  if (!failures.empty()) {
    // The first failure's reason (what a caller may act on), every member's message.
    ApiError out = failures.front();
    out.message = key + ": cannot clean up members yet: ";
    for (size_t i = 0; i < failures.size(); ++i)
      out.message += (i ? "; " : "") + failures[i].message;
    return out;
  }
  const json patch = FinalizerPatch(object, kCleanupFinalizer, /*present=*/false);
  auto res = hub_.Patch(kinds::kAIWorkload, w.metadata.namespace_, w.metadata.name,
                        runtime::PatchType::Merge, patch.dump(), {});
  if (!res.ok() && !res.Is(ApiError::Reason::NotFound)) return res.error();
  spdlog::info("msg=\"cleaned up members\" workload={}", key);
  return ReconcileResult{};
}

}  // namespace hybridai::controllers
