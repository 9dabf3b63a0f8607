// The fleet scheduler: the one place where placements are decided. It owns the allocation
// ledger (seeded from the workloads' status at start, then kept from its own decisions) and
// decides in cycles: every workload that needs a decision (new, spec changed, its pool or
// cluster changed health, a budget of its namespace changed, a failover deadline passed, room
// appeared while it was Pending) is decided in one global order, priority descending, then
// creation time, then key. A decision runs the placement engine over the fleet's pools and the
// workload's namespace budgets, with everyone else's allocations taken from the ledger:
// O(pools + budgets), never O(workloads). A workload that fits nowhere may preempt strictly
// lower-priority ones (fewest, lowest first). Acting on decisions (member objects, status) is
// the AIWorkload reconciler's job: the scheduler only tells it which keys changed.
// Thread-safe: event methods and readers from any thread; decisions on the scheduler thread
// (or RunCycle() in tests).
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "controllers/allocation_ledger.h"
#include "controllers/fleet_snapshot.h"
#include "core/placement_input.h"
#include "runtime/clock.h"
#include "runtime/event_recorder.h"
#include "runtime/work_queue.h"

namespace hybridai::controllers {

struct FleetSchedulerOptions {
  // False: no workload ever preempts another (the operator's --preemption=Never).
  bool preemption = true;
  // How long a workload scaled down by a Throttle budget stays down before it may be scaled
  // back up (the operator's --throttle-hysteresis).
  int64_t throttleHysteresisSeconds = 300;
};

// What the scheduler decided for one workload, for the reconciler to carry out and report.
struct ScheduledDecision {
  int64_t generation = 0;  // of the spec decided
  WorkloadDecision decision;
  std::vector<BudgetVerdict> budgets;  // of its namespace, as of the decision
  std::string currency = "USD";        // of the first pool placed on
  // "ns/name" and priority of the workload that took its placements; kept while it stays
  // unplaced, so the Placed condition keeps saying why it lost them.
  std::string preemptedBy;
  int64_t preemptorPriority = 0;
  bool finished = false;  // a Job that Succeeded or Failed: placements kept, nothing held
  // Active replicas scaled down by a Throttle budget (a gang: all of them, its Job suspended);
  // the decision's rates are those of what still runs.
  int64_t throttledReplicas = 0;
  std::string throttledBy;      // "ns/name" of the budget
  std::string throttleMessage;  // why, for the WithinBudget condition and the event
  // Set when a Deny budget refused the placement (or the scale-up, which then keeps the
  // placements it had): the engine's WorkloadDecision::budgetRefusals as text,
  // "would exceed budget ns/name powerWatts" (several joined with "; ").
  std::string budgetRefusal;
  // Why the placements last changed when it was not an ordinary (re)placement: "Failback"
  // (a more preferred tier had room for spec.placement.failback.afterSeconds).
  std::string moveReason;
  std::string moveMessage;
};

// "preempted by ns/name (priority N)"
std::string PreemptedMessage(const std::string& by, int64_t priority);

// Sets the decision's throttle fields from the ledger entry, and its rates to those of what
// still runs.
void ApplyThrottle(ScheduledDecision& decision, const LedgerEntry& entry,
                   const std::string& message);

class FleetScheduler {
 public:
  using KeyCallback = std::function<void(const std::string&)>;

  FleetScheduler(HubCaches caches, FleetSnapshot& fleet, runtime::Clock& clock,
                 runtime::EventRecorder* events, FleetSchedulerOptions options = {});
  ~FleetScheduler();
  FleetScheduler(const FleetScheduler&) = delete;
  FleetScheduler& operator=(const FleetScheduler&) = delete;

  // `decided`: a workload key whose decision changed; `pool_changed`: a pool whose allocated
  // accelerators changed. Called outside the scheduler's lock. Set before Start().
  void SetCallbacks(KeyCallback decided, KeyCallback pool_changed);
  // `budget`: a Budget key whose counted rates or workloads changed. Set before Start().
  void SetBudgetCallback(KeyCallback budget);

  // Seeds the ledger from every workload's status and every budget in the caches, and queues
  // every workload for a decision. Call once the hub caches have synced.
  void Seed();
  // Starts the cycle thread and the failover timers; Stop() joins them.
  void Start();
  void Stop();
  // Decides everything queued now, synchronously; returns how many workloads it decided.
  size_t RunCycle();

  // Events from the hub informers.
  void WorkloadChanged(const runtime::ObjectPtr& object);
  void WorkloadDeleted(const runtime::ObjectPtr& object);
  void BudgetChanged(const runtime::ObjectPtr& object);
  void BudgetDeleted(const runtime::ObjectPtr& object);
  // Health, taints or capacity changed: the workloads placed there are decided again, and
  // Pending ones too (room may have appeared).
  void ClusterChanged(const std::string& cluster);
  void PoolChanged(const std::string& pool);
  void Enqueue(const std::string& key);

  // The last decision for the workload; nullopt when it has not been decided yet.
  std::optional<ScheduledDecision> Decision(const std::string& key) const;
  int64_t Allocated(const std::string& pool) const;
  // What the budget counts now: rates of what runs, workloads, throttled ones.
  BudgetFigures BudgetFiguresOf(const std::string& budget_key) const;
  size_t Queued() const;
  size_t PendingWorkloads() const;

 private:
  struct Item {
    int64_t priority;
    int64_t created;
    std::string key;
    bool operator<(const Item& o) const {
      if (priority != o.priority) return priority > o.priority;
      if (created != o.created) return created < o.created;
      return key < o.key;
    }
  };
  struct Outbox {
    std::set<std::string> decided, pools, budgets;
  };

  void Loop(std::stop_token stop);
  void TimerLoop(std::stop_token stop);
  void Decide(const std::string& key, Outbox& out);
  void Record(const std::string& key, ScheduledDecision next, LedgerEntry entry, Outbox& out);
  // Preemption: when removing strictly lower-priority holders lets `input`'s workload fit,
  // returns the fewest of them (lowest priority, newest first) that do, and the decision.
  std::optional<std::pair<std::vector<std::string>, WorkloadDecision>> FindVictims(
      const std::string& key, int64_t priority, PlacementInput& input);
  void Preempt(const std::string& victim, const std::string& by, int64_t priority, Outbox& out);
  PlacementInput InputFor(const api::AIWorkload& w, const LedgerEntry* current, int64_t now);
  // Wakes `key` just after the whole second `deadline_unix` (the engine judges in whole seconds).
  void WakeAtSecond(const std::string& key, int64_t deadline_unix);
  void ArmFailoverTimers(const std::string& key, const api::AIWorkload& w,
                         const std::vector<api::Placement>& placements, int64_t now);
  // Failback (fleet_failback.cc). For a tiered workload with failback WhenRoomReturns whose
  // replicas are not all in its first tier: whether a fresh plan would put more of them in more
  // preferred tiers, for how long that has held, and once for afterSeconds, `plan` becomes the
  // fresh plan (true). Arms a timer for the deadline; forgets the room when it goes away.
  bool FailBack(const std::string& key, const nlohmann::json& object, const api::AIWorkload& w,
                const PlacementInput& input, PlacementPlan& plan, int64_t now,
                std::string& message);
  void Deliver(const Outbox& out);
  // Throttle budgets (fleet_throttle.cc): scale the budget's workloads down or back up so its
  // projection fits; a budget no longer Throttle (or gone) gives back what it scaled down.
  void ThrottlePass(const std::string& budget_key, int64_t now, Outbox& out);
  void SetThrottle(const std::string& key, int64_t throttled, const std::string& by,
                   const std::string& message, int64_t now, Outbox& out);
  void RunThrottlePasses(Outbox& out);
  int64_t NowUnix() const;

  const HubCaches caches_;
  FleetSnapshot& fleet_;
  runtime::Clock& clock_;
  runtime::EventRecorder* events_;
  const FleetSchedulerOptions options_;
  KeyCallback decided_, poolChanged_, budgetChanged_;

  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  AllocationLedger ledger_;
  std::unordered_map<std::string, ScheduledDecision> decisions_;
  std::unordered_set<std::string> queued_;
  // Retried when room appears: decided but not placed, or ActivePassive without a standby.
  std::set<std::string> pending_;
  bool retryPending_ = false;
  std::set<std::string> throttleDirty_;  // Throttle budgets to pass over

  // Failback: workloads with replicas outside their first tier (decided again when room may
  // have appeared or gone), and since when a better plan has been possible without a break.
  // In memory: after a restart the wait starts over, which only delays a failback.
  std::set<std::string> overflowed_;
  std::unordered_map<std::string, int64_t> roomSince_;
  bool retryOverflow_ = false;

  // Failover and failback deadlines (workload keys) and throttle hysteresis ends
  // ("budget:" + budget key): delayed adds on the clock.
  runtime::WorkQueue timers_;
  std::jthread loop_, timerLoop_;
};

}  // namespace hybridai::controllers
