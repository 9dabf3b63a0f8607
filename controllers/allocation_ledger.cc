#include "controllers/allocation_ledger.h"

#include <algorithm>
#include <limits>

#include "controllers/budget_throttle.h"
#include "core/placement_budgets.h"

namespace hybridai::controllers {

BudgetRate AllocationLedger::RateOfEntry(const LedgerEntry& entry) {
  if (!entry.holds) return BudgetRate{};
  return RunningRate(entry.placements, entry.throttled, entry.gang);
}

bool AllocationLedger::Selects(const Budget& b, const LedgerEntry& e) {
  return b.ns == e.ns && TagsInclude(e.tags, b.selector);
}

// Adds (sign +1) or takes away (sign -1) everything the entry contributes.
void AllocationLedger::Account(const std::string& key, Stored& s, int sign) {
  const LedgerEntry& e = s.entry;
  if (sign > 0) {
    byNamespace_[e.ns].insert(key);
    s.budgets.clear();
    for (auto& [bkey, b] : budgets_)
      if (Selects(b, e)) s.budgets.push_back(bkey);
  } else {
    auto ns = byNamespace_.find(e.ns);
    if (ns != byNamespace_.end()) {
      ns->second.erase(key);
      if (ns->second.empty()) byNamespace_.erase(ns);
    }
  }
  const BudgetRate rate = RateOfEntry(e);
  for (const auto& bkey : s.budgets) {
    auto it = budgets_.find(bkey);
    if (it == budgets_.end()) continue;
    if (sign > 0) {
      it->second.rate += rate;
    } else {
      it->second.rate -= rate;
    }
  }
  if (!e.holds) return;
  int64_t held = 0;
  for (const auto& p : e.placements) {
    held += p.accelerators;
    auto& pool = byPool_[p.pool];
    pool += sign * p.accelerators;
    if (pool == 0) byPool_.erase(p.pool);
    if (sign > 0) {
      holdersByPool_[p.pool].insert(key);
      ++holdersByCluster_[p.cluster][key];
    } else {
      if (auto it = holdersByPool_.find(p.pool); it != holdersByPool_.end()) {
        it->second.erase(key);
        if (it->second.empty()) holdersByPool_.erase(it);
      }
      if (auto it = holdersByCluster_.find(p.cluster); it != holdersByCluster_.end()) {
        if (--it->second[key] <= 0) it->second.erase(key);
        if (it->second.empty()) holdersByCluster_.erase(it);
      }
    }
  }
  if (held > 0) {
    if (sign > 0) {
      holdersByPriority_[e.priority].insert(key);
    } else if (auto it = holdersByPriority_.find(e.priority); it != holdersByPriority_.end()) {
      it->second.erase(key);
      if (it->second.empty()) holdersByPriority_.erase(it);
    }
  }
}

void AllocationLedger::Set(const std::string& key, LedgerEntry entry) {
  auto it = entries_.find(key);
  if (it != entries_.end()) Account(key, it->second, -1);
  Stored& s = entries_[key];
  s.entry = std::move(entry);
  Account(key, s, +1);
}

void AllocationLedger::Remove(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  Account(key, it->second, -1);
  entries_.erase(it);
}

const LedgerEntry* AllocationLedger::Find(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second.entry;
}

int64_t AllocationLedger::Allocated(const std::string& pool) const {
  auto it = byPool_.find(pool);
  return it == byPool_.end() ? 0 : it->second;
}

std::vector<std::string> AllocationLedger::HoldersOfPool(const std::string& pool) const {
  auto it = holdersByPool_.find(pool);
  if (it == holdersByPool_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<std::string> AllocationLedger::HoldersOfCluster(const std::string& cluster) const {
  std::vector<std::string> out;
  auto it = holdersByCluster_.find(cluster);
  if (it == holdersByCluster_.end()) return out;
  for (const auto& [key, n] : it->second) out.push_back(key);
  return out;
}

std::vector<std::string> AllocationLedger::KeysInNamespace(const std::string& ns) const {
  auto it = byNamespace_.find(ns);
  if (it == byNamespace_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

int64_t AllocationLedger::LowestHeldPriority() const {
  return holdersByPriority_.empty() ? std::numeric_limits<int64_t>::max()
                                    : holdersByPriority_.begin()->first;
}

std::vector<std::string> AllocationLedger::HoldersBelow(int64_t priority) const {
  std::vector<std::string> out;
  for (auto it = holdersByPriority_.begin(); it != holdersByPriority_.end() && it->first < priority;
       ++it)
    out.insert(out.end(), it->second.begin(), it->second.end());
  return out;
}

void AllocationLedger::SetBudget(const std::string& key, const std::string& ns,
                                 std::map<std::string, std::string> selector, bool throttle) {
  RemoveBudget(key);
  Budget& b = budgets_[key];
  b.ns = ns;
  b.selector = std::move(selector);
  b.throttle = throttle;
  auto nsIt = byNamespace_.find(ns);
  if (nsIt == byNamespace_.end()) return;
  for (const auto& wkey : nsIt->second) {
    Stored& s = entries_.at(wkey);
    if (!Selects(b, s.entry)) continue;
    s.budgets.push_back(key);
    b.rate += RateOfEntry(s.entry);
  }
}

void AllocationLedger::RemoveBudget(const std::string& key) {
  auto it = budgets_.find(key);
  if (it == budgets_.end()) return;
  auto nsIt = byNamespace_.find(it->second.ns);
  if (nsIt != byNamespace_.end()) {
    for (const auto& wkey : nsIt->second) {
      auto& list = entries_.at(wkey).budgets;
      std::erase(list, key);
    }
  }
  budgets_.erase(it);
}

BudgetRate AllocationLedger::RateOf(const std::string& budget_key) const {
  auto it = budgets_.find(budget_key);
  return it == budgets_.end() ? BudgetRate{} : it->second.rate;
}

BudgetRate AllocationLedger::RateWithout(const std::string& budget_key,
                                         const std::string& workload_key) const {
  BudgetRate rate = RateOf(budget_key);
  auto it = entries_.find(workload_key);
  if (it == entries_.end()) return rate;
  const auto& counted = it->second.budgets;
  if (std::find(counted.begin(), counted.end(), budget_key) != counted.end())
    rate -= RateOfEntry(it->second.entry);
  return rate;
}

std::vector<std::string> AllocationLedger::CountedBy(const std::string& budget_key) const {
  std::vector<std::string> out;
  auto b = budgets_.find(budget_key);
  if (b == budgets_.end()) return out;
  auto nsIt = byNamespace_.find(b->second.ns);
  if (nsIt == byNamespace_.end()) return out;
  for (const auto& wkey : nsIt->second) {
    const auto& counted = entries_.at(wkey).budgets;
    if (std::find(counted.begin(), counted.end(), budget_key) != counted.end()) out.push_back(wkey);
  }
  return out;
}

BudgetFigures AllocationLedger::FiguresOf(const std::string& budget_key) const {
  BudgetFigures f;
  f.rate = RateOf(budget_key);
  for (const auto& key : CountedBy(budget_key)) {
    const LedgerEntry& e = entries_.at(key).entry;
    if (!e.holds || e.placements.empty()) continue;
    ++f.workloads;
    if (e.throttled > 0) ++f.throttled;
  }
  return f;
}

std::vector<std::string> AllocationLedger::BudgetsOf(const std::string& workload_key) const {
  auto it = entries_.find(workload_key);
  if (it == entries_.end()) return {};
  return it->second.budgets;
}

std::vector<std::string> AllocationLedger::ThrottleBudgetsOf(
    const std::string& workload_key) const {
  std::vector<std::string> out;
  auto it = entries_.find(workload_key);
  if (it == entries_.end()) return out;
  for (const auto& bkey : it->second.budgets)
    if (IsThrottleBudget(bkey)) out.push_back(bkey);
  return out;
}

bool AllocationLedger::IsThrottleBudget(const std::string& budget_key) const {
  auto b = budgets_.find(budget_key);
  return b != budgets_.end() && b->second.throttle;
}

}  // namespace hybridai::controllers
