// The fleet scheduler's ledger: every workload's current placements (Active and Standby, as the
// engine keeps them), the accelerators they hold per pool and per cluster, and each Budget's
// committed hourly rates, all kept incrementally: setting or removing one workload costs
// O(its placements + budgets of its namespace), never O(workloads). Not thread-safe: the
// scheduler owns it and guards it.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/cost_model.h"
#include "core/types.h"

namespace hybridai::controllers {

// What the ledger knows of one workload: enough to order it, select it by budget and count
// what it holds. A few hundred bytes, never the workload's body.
struct LedgerEntry {
  std::string ns;
  int64_t priority = 0;
  int64_t createdUnix = 0;
  std::map<std::string, std::string> tags;
  std::vector<api::Placement> placements;  // engine form: a Standby carries its replicas
  // False for a finished Training/Batch workload: its placements stay in status, but it holds
  // no accelerators and draws no budget.
  bool holds = true;
  bool activePassive = false;
  bool gang = false;  // Training or Batch: throttled all or nothing
  // Active replicas scaled down by a Throttle budget (controllers/budget_throttle.h), since
  // when, and by which budget ("ns/name"; empty after a restart until a budget claims it).
  int64_t throttled = 0;
  int64_t throttledSince = 0;
  std::string throttledBy;
};

// What a budget counts now, for its status.
struct BudgetFigures {
  BudgetRate rate;
  int64_t workloads = 0;  // counted and holding accelerators
  int64_t throttled = 0;  // of those, scaled down by a budget
};

class AllocationLedger {
 public:
  void Set(const std::string& key, LedgerEntry entry);
  void Remove(const std::string& key);
  const LedgerEntry* Find(const std::string& key) const;
  size_t size() const { return entries_.size(); }

  // Accelerators held (Active and Standby) in the pool by every workload.
  int64_t Allocated(const std::string& pool) const;
  const std::unordered_map<std::string, int64_t>& AllocatedByPool() const { return byPool_; }
  // Keys of the workloads holding accelerators in the pool / in any pool of the cluster.
  std::vector<std::string> HoldersOfPool(const std::string& pool) const;
  std::vector<std::string> HoldersOfCluster(const std::string& cluster) const;
  // The lowest priority among workloads that hold accelerators; INT64_MAX when none does.
  int64_t LowestHeldPriority() const;
  // Keys of the workloads holding accelerators with a priority strictly below `priority`,
  // lowest priority first (within one priority, by key).
  std::vector<std::string> HoldersBelow(int64_t priority) const;

  // Keys of the namespace's workloads.
  std::vector<std::string> KeysInNamespace(const std::string& ns) const;

  // Budgets: `key` is "namespace/name"; a budget counts the entries of its namespace whose tags
  // include every selector tag. Setting recomputes its rate over its namespace.
  void SetBudget(const std::string& key, const std::string& ns,
                 std::map<std::string, std::string> selector, bool throttle = false);
  void RemoveBudget(const std::string& key);
  // The committed hourly rates of the workloads the budget counts (Active placements only).
  BudgetRate RateOf(const std::string& budget_key) const;
  // The same without what the workload contributes, when the budget counts it: the rates of
  // everyone else, for deciding that workload again.
  BudgetRate RateWithout(const std::string& budget_key, const std::string& workload_key) const;

  BudgetFigures FiguresOf(const std::string& budget_key) const;
  // Keys of the workloads the budget counts, sorted.
  std::vector<std::string> CountedBy(const std::string& budget_key) const;
  // Keys of the budgets counting the workload.
  std::vector<std::string> BudgetsOf(const std::string& workload_key) const;
  // Keys of the Throttle budgets counting the workload.
  std::vector<std::string> ThrottleBudgetsOf(const std::string& workload_key) const;
  bool IsThrottleBudget(const std::string& budget_key) const;

  // The hourly rates a workload's placements commit (Active only, throttled replicas excluded;
  // none when it holds nothing).
  static BudgetRate RateOfEntry(const LedgerEntry& entry);

 private:
  struct Budget {
    std::string ns;
    std::map<std::string, std::string> selector;
    BudgetRate rate;
    bool throttle = false;
  };
  struct Stored {
    LedgerEntry entry;
    std::vector<std::string> budgets;  // keys of the budgets counting it
  };
  static bool Selects(const Budget& b, const LedgerEntry& e);
  void Account(const std::string& key, Stored& s, int sign);

  std::unordered_map<std::string, Stored> entries_;
  std::unordered_map<std::string, std::set<std::string>> byNamespace_;
  std::unordered_map<std::string, int64_t> byPool_;
  std::unordered_map<std::string, std::set<std::string>> holdersByPool_;
  std::unordered_map<std::string, std::map<std::string, int>> holdersByCluster_;  // key -> count
  std::map<int64_t, std::set<std::string>> holdersByPriority_;
  std::map<std::string, Budget> budgets_;
};

}  // namespace hybridai::controllers
