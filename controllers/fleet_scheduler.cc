#include "controllers/fleet_scheduler.h"

#include <algorithm>
#include <limits>

#include <spdlog/spdlog.h>

#include "controllers/budget_throttle.h"
#include "core/budget_accounting.h"
#include "core/codec.h"
#include "core/conditions.h"
#include "core/placement_budgets.h"
#include "core/placement_engine.h"
#include "core/placement_reasons.h"
#include "core/rfc3339.h"
#include "core/saturating.h"
#include "runtime/store.h"

namespace hybridai::controllers {

using nlohmann::json;
using runtime::ObjectPtr;

namespace {

int64_t PriorityOf(const json& o) {
  const json& spec = o.contains("spec") ? o["spec"] : json::object();
  const auto it = spec.find("priority");
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

int64_t CreatedOf(const json& o) {
  return ParseRfc3339(o["metadata"].value("creationTimestamp", "")).value_or(0);
}

// A Training or Batch workload whose Job reached an end: it runs nothing any more.
bool Finished(const json& o) {
  const json& spec = o.contains("spec") ? o["spec"] : json::object();
  if (spec.value("type", "Inference") == "Inference") return false;
  const json& status = o.contains("status") ? o["status"] : json::object();
  const std::string phase = status.value("phase", "");
  return phase == "Succeeded" || phase == "Failed";
}

bool SameRate(const BudgetRate& a, const BudgetRate& b) {
  return a.hourlyCost == b.hourlyCost && a.powerWatts == b.powerWatts &&
         a.carbonGramsPerHour == b.carbonGramsPerHour;
}

bool SamePlacements(const std::vector<api::Placement>& a, const std::vector<api::Placement>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.cluster == y.cluster && x.pool == y.pool && x.replicas == y.replicas &&
           x.accelerators == y.accelerators && x.role == y.role;
  });
}

bool SameVerdicts(const std::vector<BudgetVerdict>& a, const std::vector<BudgetVerdict>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.name == y.name && x.state == y.state && x.message == y.message;
  });
}

std::map<std::string, int64_t> HeldByPool(const LedgerEntry* e) {
  std::map<std::string, int64_t> out;
  if (e == nullptr || !e->holds) return out;
  for (const auto& p : e->placements) out[p.pool] += p.accelerators;
  return out;
}

}  // namespace

std::string PreemptedMessage(const std::string& by, int64_t priority) {
  return "preempted by " + by + " (priority " + std::to_string(priority) + ")";
}

FleetScheduler::FleetScheduler(HubCaches caches, FleetSnapshot& fleet, runtime::Clock& clock,
                               runtime::EventRecorder* events, FleetSchedulerOptions options)
    : caches_(caches),
      fleet_(fleet),
      clock_(clock),
      events_(events),
      options_(options),
      timers_("failover-timers", clock) {}

FleetScheduler::~FleetScheduler() {
  Stop();
}

void FleetScheduler::SetCallbacks(KeyCallback decided, KeyCallback pool_changed) {
  decided_ = std::move(decided);
  poolChanged_ = std::move(pool_changed);
}

void FleetScheduler::SetBudgetCallback(KeyCallback budget) {
  budgetChanged_ = std::move(budget);
}

int64_t FleetScheduler::NowUnix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch())
      .count();
}

void FleetScheduler::Seed() {
  std::lock_guard lock(mu_);
  for (const auto& obj : caches_.budgets->List()) {
    if (auto b = fleet_.BudgetOf(obj)) {
      const bool throttle = b->spec.enforcement == api::Enforcement::Throttle;
      ledger_.SetBudget(KeyOf(b->metadata), b->metadata.namespace_, b->spec.selector.tags,
                        throttle);
      if (throttle) throttleDirty_.insert(KeyOf(b->metadata));
    }
  }
  const int64_t now = NowUnix();
  // One object decoded at a time: listing a compact store would unpack every workload at once.
  caches_.workloads->ForEach("", "", [&](const runtime::StoredObject& stored) {
    const ObjectPtr obj = stored.object();
    if (!obj) return;
    std::vector<Diagnostic> diags;
    auto w = api::DecodeAIWorkload(*obj, &diags);
    if (!w) return;
    const std::string key = KeyOf(w->metadata);
    LedgerEntry e{w->metadata.namespace_,
                  w->spec.priority,
                  CreatedOf(*obj),
                  w->spec.tags,
                  std::move(w->status.placements),
                  !Finished(*obj),
                  w->spec.redundancy.mode == api::RedundancyMode::ActivePassive,
                  w->spec.type != api::WorkloadType::Inference};
    // Scaled down before a restart: it stays so until a Throttle budget's pass says otherwise,
    // and the hysteresis time counts from now.
    e.throttled = std::max<int64_t>(0, w->status.throttledReplicas);
    if (e.throttled > 0) e.throttledSince = now;
    // Status shows a Standby with replicas 0; the engine keeps the replicas it would run.
    for (auto& p : e.placements) {
      if (p.role == api::Role::Standby && w->spec.accelerators.count > 0)
        p.replicas = p.accelerators / w->spec.accelerators.count;
    }
    ledger_.Set(key, std::move(e));
    queued_.insert(key);
  });
  spdlog::info("msg=\"scheduler ledger seeded\" workloads={} ", ledger_.size());
}

void FleetScheduler::Start() {
  if (loop_.joinable()) return;
  loop_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
  timerLoop_ = std::jthread([this](std::stop_token stop) { TimerLoop(stop); });
}

void FleetScheduler::Stop() {
  timers_.ShutDown();
  for (auto* t : {&loop_, &timerLoop_}) {
    if (!t->joinable()) continue;
    t->request_stop();
    cv_.notify_all();
    t->join();
  }
}

void FleetScheduler::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, stop, [this] {
        return !queued_.empty() || retryPending_ || retryOverflow_ || !throttleDirty_.empty();
      });
      if (stop.stop_requested()) return;
    }
    try {
      RunCycle();
    } catch (const std::exception& e) {
      // A decision must never take the scheduler down; the keys are decided again later.
      spdlog::error("msg=\"scheduler cycle failed\" error=\"{}\"", e.what());
    }
  }
}

void FleetScheduler::TimerLoop(std::stop_token) {
  static constexpr std::string_view kBudgetTimer = "budget:";
  while (auto key = timers_.Get()) {
    if (key->starts_with(kBudgetTimer)) {
      {
        std::lock_guard lock(mu_);
        throttleDirty_.insert(key->substr(kBudgetTimer.size()));
      }
      cv_.notify_all();
    } else {
      Enqueue(*key);
    }
    timers_.Done(*key);
  }
}

size_t FleetScheduler::RunCycle() {
  std::vector<std::string> keys;
  {
    std::lock_guard lock(mu_);
    keys.assign(queued_.begin(), queued_.end());
    queued_.clear();
    if (retryPending_) {
      for (const auto& k : pending_) keys.push_back(k);
      retryPending_ = false;
    }
    if (retryOverflow_) {
      for (const auto& k : overflowed_) keys.push_back(k);
      retryOverflow_ = false;
    }
  }
  if (keys.empty()) {
    Outbox out;
    RunThrottlePasses(out);
    Deliver(out);
    return 0;
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<Item> items;
  items.reserve(keys.size());
  // Only the order is read here, and each object dropped at once: holding every queued object
  // until its turn would unpack a whole first pass (10,000 workloads) into memory together.
  for (auto& key : keys) {
    const auto [ns, name] = ObjectKey::Parse(key);
    ObjectPtr o = caches_.workloads->Get(ns, name);
    // Gone ones first: what they release is free for everyone after them.
    if (!o) {
      items.push_back({std::numeric_limits<int64_t>::max(), 0, std::move(key)});
    } else {
      items.push_back({PriorityOf(*o), CreatedOf(*o), std::move(key)});
    }
  }
  std::sort(items.begin(), items.end());
  Outbox out;
  for (const auto& item : items) Decide(item.key, out);
  RunThrottlePasses(out);
  Deliver(out);
  return items.size();
}

void FleetScheduler::Deliver(const Outbox& out) {
  if (decided_) {
    for (const auto& k : out.decided) decided_(k);
  }
  if (poolChanged_) {
    for (const auto& p : out.pools) poolChanged_(p);
  }
  if (budgetChanged_) {
    for (const auto& b : out.budgets) budgetChanged_(b);
  }
}

PlacementInput FleetScheduler::InputFor(const api::AIWorkload& w, const LedgerEntry* current,
                                        int64_t now) {
  PlacementInput in;
  const int64_t failover = w.spec.redundancy.failoverAfterSeconds;
  for (const auto& obj : caches_.clusters->List()) {
    auto c = fleet_.Cluster(obj);
    if (!c) continue;
    const Health h = HealthOf(c->status.conditions, now, failover);
    in.clusters.push_back({*c, h.ready, h.failed});
  }
  const auto own = HeldByPool(current);
  for (const auto& obj : caches_.pools->List()) {
    auto p = fleet_.Pool(obj);
    if (!p) continue;
    const std::vector<api::Condition> none;
    const Health h = HealthOf(p->status ? p->status->conditions : none, now, failover);
    PoolInput pi{*p, h.ready, h.failed, ledger_.Allocated(p->metadata.name)};
    if (auto it = own.find(p->metadata.name); it != own.end())
      pi.reservedAccelerators -= it->second;
    in.pools.push_back(std::move(pi));
  }
  const std::string self = KeyOf(w.metadata);
  for (const auto& obj :
       caches_.budgets->ByIndex(runtime::kNamespaceIndex, w.metadata.namespace_)) {
    auto b = fleet_.BudgetOf(obj);
    if (!b) continue;
    // Judged from where the budget stands now: usage so far this period (its status, accrued
    // up to now) and everyone else's rates from the ledger.
    BudgetPosition pos = PositionAt(*b, now);
    in.budgets.push_back(BudgetInput{*b, std::move(pos.usage), pos.remainingSeconds,
                                     ledger_.RateWithout(KeyOf(b->metadata), self)});
  }
  in.workloads.push_back(w);
  in.workloads.back().status.placements =
      current ? current->placements : std::vector<api::Placement>{};
  return in;
}

void FleetScheduler::Decide(const std::string& key, Outbox& out) {
  const auto [ns, name] = ObjectKey::Parse(key);
  ObjectPtr obj = caches_.workloads->Get(ns, name);
  std::lock_guard lock(mu_);
  if (!obj) {
    for (const auto& [pool, n] : HeldByPool(ledger_.Find(key))) {
      out.pools.insert(pool);
      retryPending_ |= n > 0;
      retryOverflow_ |= n > 0 && !overflowed_.empty();
    }
    for (const auto& b : ledger_.BudgetsOf(key)) {
      out.budgets.insert(b);
      if (ledger_.IsThrottleBudget(b)) throttleDirty_.insert(b);
    }
    ledger_.Remove(key);
    decisions_.erase(key);
    pending_.erase(key);
    overflowed_.erase(key);
    roomSince_.erase(key);
    return;
  }
  std::vector<Diagnostic> diags;
  auto decoded = api::DecodeAIWorkload(*obj, &diags);
  // Undecodable (the reconciler reports why) or being deleted (it holds until its members are
  // cleaned and it is gone): nothing to decide.
  if (!decoded || decoded->metadata.deletionTimestamp) return;
  api::AIWorkload& w = *decoded;
  w.spec.tmpl = json();
  const int64_t now = NowUnix();
  const LedgerEntry* current = ledger_.Find(key);
  // Copied, not kept as an iterator: preempting others below writes to decisions_.
  std::optional<ScheduledDecision> previous;
  if (auto it = decisions_.find(key); it != decisions_.end()) previous = it->second;

  if (Finished(*obj) && current != nullptr && !current->placements.empty()) {
    ScheduledDecision next = previous.value_or(ScheduledDecision{});
    next.generation = w.metadata.generation;
    next.finished = true;
    next.decision.namespace_ = ns;
    next.decision.name = name;
    next.decision.placed = true;
    next.decision.kept = true;
    next.decision.placements = current->placements;
    // It runs nothing any more: nothing accrues from here on.
    next.decision.hourlyCost = Decimal();
    next.decision.powerWatts = 0;
    next.decision.carbonGramsPerHour = 0;
    LedgerEntry entry = *current;
    entry.holds = false;
    Record(key, std::move(next), std::move(entry), out);
    return;
  }

  PlacementInput input = InputFor(w, current, now);
  PlacementPlan plan = PlanPlacements(input);
  if (plan.decisions.empty()) return;
  std::string preemptedBy;
  if (!plan.decisions[0].placed && options_.preemption &&
      w.spec.preemptionPolicy != api::PreemptionPolicy::Never &&
      ledger_.LowestHeldPriority() < w.spec.priority) {
    if (auto found = FindVictims(key, w.spec.priority, input)) {
      for (const auto& victim : found->first) Preempt(victim, key, w.spec.priority, out);
      current = ledger_.Find(key);
      input = InputFor(w, current, now);
      plan = PlanPlacements(input);
      if (plan.decisions.empty()) return;
    }
  }
  std::string moveMessage;
  const bool failedBack = FailBack(key, *obj, w, input, plan, now, moveMessage);
  ScheduledDecision next;
  next.generation = w.metadata.generation;
  if (failedBack) {
    next.moveReason = "Failback";
    next.moveMessage = std::move(moveMessage);
  } else if (previous &&
             SamePlacements(previous->decision.placements, plan.decisions[0].placements)) {
    next.moveReason = previous->moveReason;  // still the last move
    next.moveMessage = previous->moveMessage;
  }
  next.decision = std::move(plan.decisions[0]);
  next.budgets = std::move(plan.budgets);
  if (!next.decision.placed) next.budgetRefusal = BudgetRefusalsText(next.decision.budgetRefusals);
  // A Deny budget refusing a scale-up (or any change) of a workload that runs keeps what it
  // has: the refusal is of the change, not of the workload.
  if (!next.budgetRefusal.empty() && current != nullptr && current->holds &&
      !current->placements.empty()) {
    next.decision.placed = true;
    next.decision.kept = true;
    next.decision.placements = current->placements;
    next.decision.message = "change refused, placements kept: " + next.budgetRefusal;
  }
  if (!next.decision.placed && previous && !previous->preemptedBy.empty()) {
    // Preempted until placed again; what stands in its way now follows.
    next.preemptedBy = previous->preemptedBy;
    next.preemptorPriority = previous->preemptorPriority;
    next.decision.message =
        PreemptedMessage(next.preemptedBy, next.preemptorPriority) + "; " + next.decision.message;
  }
  if (!next.decision.placements.empty()) {
    for (const auto& p : input.pools) {
      if (p.pool.metadata.name == next.decision.placements[0].pool)
        next.currency = p.pool.spec.pricing.currency;
    }
  }
  LedgerEntry entry{w.metadata.namespace_,
                    w.spec.priority,
                    CreatedOf(*obj),
                    w.spec.tags,
                    next.decision.placed ? next.decision.placements : std::vector<api::Placement>{},
                    true,
                    w.spec.redundancy.mode == api::RedundancyMode::ActivePassive,
                    w.spec.type != api::WorkloadType::Inference};
  // What a Throttle budget scaled down stays down (as far as the new placements allow); its
  // pass after this cycle judges again.
  if (current != nullptr && current->throttled > 0) {
    entry.throttled = std::min(current->throttled, ActiveReplicas(entry.placements));
    entry.throttledSince = current->throttledSince;
    entry.throttledBy = entry.throttled > 0 ? current->throttledBy : "";
  }
  ApplyThrottle(next, entry, previous ? previous->throttleMessage : "");
  ArmFailoverTimers(key, w, entry.placements, now);
  Record(key, std::move(next), std::move(entry), out);
}

void FleetScheduler::Record(const std::string& key, ScheduledDecision next, LedgerEntry entry,
                            Outbox& out) {
  const LedgerEntry* old = ledger_.Find(key);
  const BudgetRate old_rate = old ? AllocationLedger::RateOfEntry(*old) : BudgetRate{};
  const bool old_counted = old != nullptr && old->holds && !old->placements.empty();
  std::vector<std::string> budgets = ledger_.BudgetsOf(key);
  const auto before = HeldByPool(old);
  const auto after = HeldByPool(&entry);
  for (const auto& [pool, n] : before) {
    auto it = after.find(pool);
    const int64_t now_held = it == after.end() ? 0 : it->second;
    if (now_held != n) out.pools.insert(pool);
    if (now_held < n) retryPending_ = true;                    // room appeared
    if (now_held != n) retryOverflow_ = !overflowed_.empty();  // failback room came or went
  }
  for (const auto& [pool, n] : after) {
    if (!before.count(pool)) {
      out.pools.insert(pool);
      retryOverflow_ = !overflowed_.empty();
    }
  }
  // Retried when room appears: the unplaced, and ActivePassive ones running without a standby.
  bool incomplete = !next.decision.placed;
  if (next.decision.placed && !next.finished && !entry.placements.empty() && entry.activePassive) {
    incomplete = std::none_of(entry.placements.begin(), entry.placements.end(),
                              [](const api::Placement& p) { return p.role == api::Role::Standby; });
  }
  const BudgetRate new_rate = AllocationLedger::RateOfEntry(entry);
  const bool new_counted = entry.holds && !entry.placements.empty();
  ledger_.Set(key, std::move(entry));
  // Budgets whose counted rates or workloads changed: their status, and Throttle ones' pass.
  for (auto& b : ledger_.BudgetsOf(key)) budgets.push_back(std::move(b));
  if (!SameRate(old_rate, new_rate) || old_counted != new_counted || old == nullptr) {
    for (const auto& b : budgets) {
      out.budgets.insert(b);
      if (ledger_.IsThrottleBudget(b)) throttleDirty_.insert(b);
    }
  }
  if (incomplete) {
    pending_.insert(key);
  } else {
    pending_.erase(key);
  }
  auto it = decisions_.find(key);
  const bool changed = it == decisions_.end() || it->second.generation != next.generation ||
                       it->second.decision.placed != next.decision.placed ||
                       it->second.decision.message != next.decision.message ||
                       it->second.finished != next.finished ||
                       it->second.preemptedBy != next.preemptedBy ||
                       it->second.throttledReplicas != next.throttledReplicas ||
                       it->second.throttleMessage != next.throttleMessage ||
                       it->second.budgetRefusal != next.budgetRefusal ||
                       !SamePlacements(it->second.decision.placements, next.decision.placements) ||
                       !SameVerdicts(it->second.budgets, next.budgets);
  if (changed) out.decided.insert(key);
  if (it == decisions_.end()) {
    decisions_.emplace(key, std::move(next));
  } else {
    it->second = std::move(next);
  }
}

void FleetScheduler::WakeAtSecond(const std::string& key, int64_t deadline_unix) {
  // At most a day ahead: a deadline from a huge user number stays representable, and a timer
  // that fires before its deadline only re-arms itself.
  constexpr int64_t kMaxDelayMs = int64_t{24} * 3600 * 1000;
  const int64_t wall_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.WallNow().time_since_epoch())
          .count();
  const int64_t due_ms = SaturatingAdd(SaturatingMul(deadline_unix, int64_t{1000}), int64_t{5});
  const int64_t delay_ms = std::clamp<int64_t>(SaturatingAdd(due_ms, -wall_ms), 1, kMaxDelayMs);
  timers_.AddAfter(key, std::chrono::milliseconds(delay_ms));
}

void FleetScheduler::ArmFailoverTimers(const std::string& key, const api::AIWorkload& w,
                                       const std::vector<api::Placement>& placements, int64_t now) {
  const int64_t failover = w.spec.redundancy.failoverAfterSeconds;
  auto arm = [&](const std::vector<api::Condition>& conditions) {
    const api::Condition* ready = FindCondition(conditions, "Ready");
    if (ready == nullptr || ready->status == "True") return;
    const auto since = ParseRfc3339(ready->lastTransitionTime);
    if (!since || now - *since >= failover) return;  // already failed: decided as such
    WakeAtSecond(key, SaturatingAdd(*since, failover));
  };
  std::set<std::string> seen;
  for (const auto& p : placements) {
    if (seen.insert(p.cluster).second) {
      if (auto c = fleet_.Cluster(caches_.clusters->Get("", p.cluster))) arm(c->status.conditions);
    }
    if (auto pool = fleet_.Pool(caches_.pools->Get("", p.pool)); pool && pool->status)
      arm(pool->status->conditions);
  }
}

void FleetScheduler::Enqueue(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    queued_.insert(key);
  }
  cv_.notify_all();
}

void FleetScheduler::WorkloadChanged(const ObjectPtr& object) {
  if (!object) return;
  const std::string key = ObjectKey::Of(*object).String();
  const int64_t generation = (*object)["metadata"].value("generation", int64_t{0});
  const bool finished = Finished(*object);
  {
    std::lock_guard lock(mu_);
    auto it = decisions_.find(key);
    // Status-only updates (the operator's own writes) need no decision.
    if (it != decisions_.end() && it->second.generation == generation &&
        it->second.finished == finished)
      return;
    queued_.insert(key);
  }
  cv_.notify_all();
}

void FleetScheduler::WorkloadDeleted(const ObjectPtr& object) {
  if (!object) return;
  Enqueue(ObjectKey::Of(*object).String());  // decided as gone: its allocation is released
}

void FleetScheduler::BudgetChanged(const ObjectPtr& object) {
  auto b = fleet_.BudgetOf(object);
  if (!b) return;
  {
    std::lock_guard lock(mu_);
    const std::string key = KeyOf(b->metadata);
    ledger_.SetBudget(key, b->metadata.namespace_, b->spec.selector.tags,
                      b->spec.enforcement == api::Enforcement::Throttle);
    // Throttle or no longer Throttle: its pass scales down, or gives back.
    throttleDirty_.insert(key);
    for (const auto& key : ledger_.KeysInNamespace(b->metadata.namespace_)) queued_.insert(key);
    retryPending_ = true;
  }
  cv_.notify_all();
}

void FleetScheduler::BudgetDeleted(const ObjectPtr& object) {
  if (!object) return;
  const std::string key = ObjectKey::Of(*object).String();
  {
    std::lock_guard lock(mu_);
    ledger_.RemoveBudget(key);
    throttleDirty_.insert(key);  // gives back what it scaled down
    retryPending_ = true;        // a Deny budget gone may admit Pending workloads
  }
  fleet_.Forget(object);
  cv_.notify_all();
}

void FleetScheduler::ClusterChanged(const std::string& cluster) {
  {
    std::lock_guard lock(mu_);
    for (auto& key : ledger_.HoldersOfCluster(cluster)) queued_.insert(std::move(key));
    retryPending_ = true;
    retryOverflow_ = true;
  }
  cv_.notify_all();
}

void FleetScheduler::PoolChanged(const std::string& pool) {
  {
    std::lock_guard lock(mu_);
    for (auto& key : ledger_.HoldersOfPool(pool)) queued_.insert(std::move(key));
    retryPending_ = true;
    retryOverflow_ = true;
  }
  cv_.notify_all();
}

std::optional<ScheduledDecision> FleetScheduler::Decision(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = decisions_.find(key);
  if (it == decisions_.end()) return std::nullopt;
  return it->second;
}

int64_t FleetScheduler::Allocated(const std::string& pool) const {
  std::lock_guard lock(mu_);
  return ledger_.Allocated(pool);
}

size_t FleetScheduler::Queued() const {
  std::lock_guard lock(mu_);
  return queued_.size();
}

size_t FleetScheduler::PendingWorkloads() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

}  // namespace hybridai::controllers
