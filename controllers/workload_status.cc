#include "controllers/workload_status.h"

#include "controllers/budget_throttle.h"
#include "controllers/member_kind.h"
#include "controllers/object_key.h"

#include "core/codec.h"
#include "core/conditions.h"
#include "core/cost_model.h"
#include "core/placement_budgets.h"
#include "core/rfc3339.h"

namespace hybridai::controllers {

using nlohmann::json;

std::string DescribePlacements(const std::vector<api::Placement>& placements) {
  std::string out;
  for (const auto& p : placements) {
    if (!out.empty()) out += ", ";
    out += p.cluster + "/" + p.pool + " x" + std::to_string(p.replicas) + " " +
           (p.role == api::Role::Active ? "Active" : "Standby");
  }
  return out;
}

namespace {

// Old placements still serving during a make-before-break move: in status.draining, counted as
// ready (they serve), and a Moving condition saying what is awaited.
void ApplyHandover(const StatusInputs& in, api::AIWorkloadStatus& st, int64_t& ready) {
  const Handover* h = in.handover;
  const bool moving = h != nullptr && !h->complete;
  st.draining = moving ? h->draining : std::vector<api::DrainingPlacement>{};
  const int64_t gen = in.workload.metadata.generation;
  const std::string now = FormatRfc3339(in.nowUnix);
  if (moving) {
    ready += h->serving - h->newReady;
    SetCondition(st.conditions, "Moving", "True",
                 in.moveReason.empty() ? "MakeBeforeBreak" : in.moveReason,
                 DescribeHandover(in.workload.spec.replicas, *h), gen, now);
  } else if (FindCondition(st.conditions, "Moving") != nullptr) {
    SetCondition(st.conditions, "Moving", "False", "Settled", "every placement runs as decided",
                 gen, now);
  }
}

}  // namespace

WorkloadStatusUpdate ComputeWorkloadStatus(const StatusInputs& in,
                                           int64_t accounting_interval_seconds) {
  const api::AIWorkload& w = in.workload;
  const api::AIWorkloadStatus& old = w.status;
  WorkloadStatusUpdate out;
  api::AIWorkloadStatus& st = out.status;
  st = old;
  st.observedGeneration = w.metadata.generation;
  st.placements = in.decision.placements;
  // A Standby holds its accelerators but runs nothing until promoted (the contract's
  // `replicas: 0`); the decision keeps the replicas it would run.
  for (auto& p : st.placements)
    if (p.role == api::Role::Standby) p.replicas = 0;
  st.cost.hourly = in.decision.hourlyCost;
  st.energy.powerWatts = in.decision.powerWatts;
  const std::string now = FormatRfc3339(in.nowUnix);

  st.throttledReplicas = in.decision.placed ? in.throttledReplicas : 0;
  const bool gang = w.spec.type != api::WorkloadType::Inference;

  // Accumulate at the old rates over the time since the last accounting.
  const int64_t old_carbon_rate =
      RunningRate(old.placements, old.throttledReplicas, gang).carbonGramsPerHour;
  const auto last = ParseRfc3339(old.lastAccountingTime);
  const bool rates_changed =
      old.cost.hourly != st.cost.hourly || old.energy.powerWatts != st.energy.powerWatts;
  // Nothing accrues at zero rates (a Pending workload): a step would only move the clock, and
  // with thousands of them waiting, those writes alone would keep the operator busy.
  const bool accrues =
      old.cost.hourly != Decimal() || old.energy.powerWatts != 0 || old_carbon_rate != 0;
  const int64_t month_start = PeriodAt(api::BudgetPeriod::Monthly, in.nowUnix).start;
  if (!last) {
    st.lastAccountingTime = now;
    st.monthToDate = {};
    st.monthToDate.since = now;
  } else {
    const int64_t elapsed = in.nowUnix - *last;
    if (elapsed > 0 && (rates_changed || (accrues && elapsed >= accounting_interval_seconds))) {
      const BudgetRate rate{old.cost.hourly, old.energy.powerWatts, old_carbon_rate};
      Accrue(rate, elapsed, st.cost.accumulated, st.energy.energyKWh, st.energy.carbonKg,
             st.remainder);
      // This month's figures: a step across the month's start counts only from there.
      int64_t from = *last;
      const auto since = ParseRfc3339(st.monthToDate.since);
      if (!since || *since < month_start) {
        st.monthToDate = {};
        st.monthToDate.since = FormatRfc3339(std::max(month_start, *last));
        from = std::max(month_start, *last);
      }
      auto& m = st.monthToDate;
      Accrue(rate, in.nowUnix - from, m.cost, m.energyKWh, m.carbonKg, m.remainder);
      st.lastAccountingTime = now;
    }
  }
  st.cost.currency = in.currency;

  // Readiness from the member objects, against the replicas that run (not throttled).
  int64_t desired = 0, ready = 0;
  bool all_succeeded = true, any_failed = false, any_cluster_down = false;
  const std::vector<int64_t> running = RunningReplicas(st.placements, st.throttledReplicas, gang);
  for (size_t i = 0; i < st.placements.size(); ++i) {
    const auto& p = st.placements[i];
    if (p.role != api::Role::Active) continue;
    desired += running[i];
    auto it = in.memberObjects.find(p.cluster + "/" + p.pool);
    const MemberState ms =
        MemberKindFor(w.spec.type)
            .Observe(it == in.memberObjects.end() ? nullptr : it->second.get(), p);
    ready += std::min(ms.ready, running[i]);
    all_succeeded &= ms.succeeded;
    any_failed |= ms.failed;
    for (const auto& c : in.clusters)
      if (c.metadata.name == p.cluster && !IsConditionTrue(c.status.conditions, "Ready"))
        any_cluster_down = true;
  }
  ApplyHandover(in, st, ready);
  st.readyReplicas = ready;

  const int64_t gen = w.metadata.generation;
  auto& conds = st.conditions;
  if (!in.decision.placed) {
    st.phase = api::Phase::Pending;
    SetCondition(conds, "Placed", "False", in.unplacedReason, in.decision.message, gen, now);
    SetCondition(conds, "Ready", "False", "NotPlaced", "the workload has no placement", gen, now);
  } else {
    SetCondition(
        conds, "Placed", "True", "Placed",
        st.placements.empty() ? "no replicas requested" : DescribePlacements(st.placements), gen,
        now);
    const bool batch = w.spec.type != api::WorkloadType::Inference;
    if (batch && any_failed) {
      st.phase = api::Phase::Failed;
      SetCondition(conds, "Ready", "False", "JobFailed", "a member Job failed", gen, now);
    } else if (batch && desired > 0 && all_succeeded) {
      st.phase = api::Phase::Succeeded;
      SetCondition(conds, "Ready", "False", "Completed", "every worker completed", gen, now);
    } else if (st.throttledReplicas > 0) {
      st.phase = api::Phase::Throttled;
      SetCondition(conds, "Ready", desired > 0 && ready >= desired ? "True" : "False", "Throttled",
                   std::to_string(ready) + "/" + std::to_string(desired) +
                       " running replicas ready; " + std::to_string(st.throttledReplicas) +
                       " scaled down by a budget",
                   gen, now);
    } else if (ready >= desired) {
      st.phase = api::Phase::Running;
      SetCondition(conds, "Ready", "True", "ReplicasReady",
                   std::to_string(ready) + "/" + std::to_string(desired) + " replicas ready", gen,
                   now);
    } else {
      st.phase = any_cluster_down ? api::Phase::Degraded : api::Phase::Placed;
      SetCondition(conds, "Ready", "False", "ReplicasNotReady",
                   std::to_string(ready) + "/" + std::to_string(desired) + " replicas ready", gen,
                   now);
    }
  }
  SetCondition(conds, "Degraded", any_cluster_down ? "True" : "False",
               any_cluster_down ? "MemberClusterNotReady" : "AllMembersReady",
               any_cluster_down ? "a member cluster of this workload is not ready"
                                : "every member cluster of this workload is ready",
               gen, now);

  // WithinBudget agrees with Placed and with the budgets' own status: refused by a Deny budget,
  // scaled down by a Throttle one, or counted by one whose usage passed a limit.
  const std::string& refused = in.budgetRefusal;
  std::string exceeded;
  int counted = 0;
  for (const auto& b : in.budgets) {
    if (b.metadata.namespace_ != w.metadata.namespace_ ||
        !TagsInclude(w.spec.tags, b.spec.selector.tags))
      continue;
    ++counted;
    const api::Condition* c = FindCondition(b.status.conditions, "Exceeded");
    if (c != nullptr && c->status == "True")
      exceeded +=
          (exceeded.empty() ? "budget " : "; budget ") + KeyOf(b.metadata) + ": " + c->message;
  }
  if (!refused.empty())
    SetCondition(
        conds, "WithinBudget", "False", "BudgetWouldExceed",
        (in.decision.placed ? "scale-up refused, placements kept: " : "placement refused: ") +
            refused,
        gen, now);
  else if (st.throttledReplicas > 0)
    SetCondition(conds, "WithinBudget", "False", "Throttled", in.throttleMessage, gen, now);
  else if (!exceeded.empty())
    SetCondition(conds, "WithinBudget", "False", "BudgetExceeded", exceeded, gen, now);
  else
    SetCondition(conds, "WithinBudget", "True", "WithinBudget",
                 counted == 0 ? "no budget counts this workload"
                              : "within every budget that counts this workload",
                 gen, now);

  const json before = api::StatusToJson(old);
  const json after = api::StatusToJson(st);
  out.changed = before != after;
  const api::Condition* old_placed = FindCondition(old.conditions, "Placed");
  const api::Condition* new_placed = FindCondition(st.conditions, "Placed");
  auto placements_json = [](const std::vector<api::Placement>& ps) {
    api::AIWorkloadStatus only;
    only.placements = ps;
    return api::StatusToJson(only).value("placements", json::array());
  };
  out.placedChanged = placements_json(old.placements) != placements_json(st.placements) ||
                      !old_placed || old_placed->status != new_placed->status;
  return out;
}

}  // namespace hybridai::controllers
