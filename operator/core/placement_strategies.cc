#include "core/placement_strategies.h"

#include <algorithm>

namespace hybridai {
namespace {

bool Better(const Candidate& a, const Candidate& b) {
  return a.key != b.key ? a.key < b.key : a.pool < b.pool;
}

}  // namespace

const char* TopologyKeyName(int key) {
  static const char* kNames[] = {"Provider", "Location", "Region", "Cluster", "Pool"};
  return key >= 0 && key < 5 ? kNames[key] : "?";
}

bool PlanSearch::Group(int64_t replicas, bool allowSplit, DomainFilter filter, bool standby,
                       std::vector<Part>& out) {
  out.clear();
  const int64_t need = replicas * count_;
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates_) {
    if ((!standby && !c.activeOk) || c.free < need || !filter.Allows(DomainOf(c.pool)) ||
        !filter.AllowsTier(c.tier)) {
      continue;
    }
    if (best == nullptr || Better(c, *best)) best = &c;
  }
  if (best != nullptr) {
    out.push_back({best->pool, replicas});
    return true;
  }
  if (!allowSplit) return false;

  // No single pool: the best cluster whose pools together hold every replica.
  const auto& pools = fleet_.pools();
  scratch_.clear();
  for (const Candidate& c : candidates_) {
    if ((!standby && !c.activeOk) || c.free < count_ || !filter.Allows(DomainOf(c.pool)) ||
        !filter.AllowsTier(c.tier)) {
      continue;
    }
    scratch_.push_back(c);
  }
  std::sort(scratch_.begin(), scratch_.end(), [&](const Candidate& a, const Candidate& b) {
    const int32_t ca = pools[a.pool].cluster, cb = pools[b.pool].cluster;
    return ca != cb ? ca < cb : Better(a, b);
  });
  size_t chosenBegin = 0, chosenEnd = 0;
  const Candidate* chosenBest = nullptr;
  for (size_t i = 0; i < scratch_.size();) {
    size_t j = i;
    int64_t room = 0;
    while (j < scratch_.size() &&
           pools[scratch_[j].pool].cluster == pools[scratch_[i].pool].cluster) {
      room += scratch_[j].free / count_;
      ++j;
    }
    if (room >= replicas && (chosenBest == nullptr || Better(scratch_[i], *chosenBest))) {
      chosenBest = &scratch_[i];
      chosenBegin = i;
      chosenEnd = j;
    }
    i = j;
  }
  if (chosenBest == nullptr) return false;
  int64_t left = replicas;
  for (size_t i = chosenBegin; i < chosenEnd && left > 0; ++i) {
    const int64_t take = std::min(left, scratch_[i].free / count_);
    if (take > 0) out.push_back({scratch_[i].pool, take});
    left -= take;
  }
  return true;
}

void PlanSearch::CollectDomains() {
  std::sort(scratch_.begin(), scratch_.end(), [&](const Candidate& a, const Candidate& b) {
    const int32_t da = DomainOf(a.pool), db = DomainOf(b.pool);
    return da != db ? da < db : Better(a, b);
  });
  domains_.clear();
  for (size_t i = 0; i < scratch_.size();) {
    DomainSlot d;
    d.domain = DomainOf(scratch_[i].pool);
    d.bestKey = scratch_[i].key;
    d.bestPool = scratch_[i].pool;
    d.begin = i;
    while (i < scratch_.size() && DomainOf(scratch_[i].pool) == d.domain) {
      d.capacity += scratch_[i].free / count_;
      ++i;
    }
    d.end = i;
    domains_.push_back(d);
  }
  std::sort(domains_.begin(), domains_.end(), [](const DomainSlot& a, const DomainSlot& b) {
    return a.bestKey != b.bestKey ? a.bestKey < b.bestKey : a.bestPool < b.bestPool;
  });
}

bool PlanSearch::Spread(int64_t replicas, int64_t minDomains, std::vector<Part>& out,
                        std::string& detail) {
  out.clear();
  const std::string keyName = TopologyKeyName(key_);
  if (replicas < minDomains) {
    detail = "Spread needs at least minDomains (" + std::to_string(minDomains) +
             ") replicas, got " + std::to_string(replicas);
    return false;
  }
  scratch_.clear();
  for (const Candidate& c : candidates_) {
    if (c.activeOk && c.free >= count_) scratch_.push_back(c);
  }
  CollectDomains();
  if (static_cast<int64_t>(domains_.size()) < minDomains) {
    detail = "Spread needs " + std::to_string(minDomains) + " " + keyName + " domains, " +
             std::to_string(domains_.size()) + " have room";
    return false;
  }
  // The fewest domains (at least minDomains, best first) that hold every replica.
  size_t k = 0;
  int64_t room = 0;
  while (k < domains_.size() && (static_cast<int64_t>(k) < minDomains || room < replicas)) {
    room += domains_[k].capacity;
    ++k;
  }
  if (room < replicas) {
    detail = "insufficient accelerators: Spread over " + std::to_string(domains_.size()) + " " +
             keyName + " domains has room for " + std::to_string(room) + " of " +
             std::to_string(replicas) + " replicas";
    return false;
  }
  // Level L: the largest with sum(min(cap, L)) <= replicas; L >= 1 since replicas >= k.
  auto filled = [&](int64_t level) {
    int64_t s = 0;
    for (size_t i = 0; i < k; ++i) s += std::min(domains_[i].capacity, level);
    return s;
  };
  int64_t lo = 1, hi = replicas;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (filled(mid) <= replicas) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  int64_t left = replicas - filled(lo);
  for (size_t i = 0; i < k; ++i) {
    domains_[i].assigned = std::min(domains_[i].capacity, lo);
    if (left > 0 && domains_[i].capacity > lo) {
      ++domains_[i].assigned;
      --left;
    }
  }
  for (size_t i = 0; i < k; ++i) {
    int64_t want = domains_[i].assigned;
    for (size_t j = domains_[i].begin; j < domains_[i].end && want > 0; ++j) {
      const int64_t take = std::min(want, scratch_[j].free / count_);
      if (take > 0) out.push_back({scratch_[j].pool, take});
      want -= take;
    }
  }
  return true;
}

bool PlanSearch::ActivePassive(int64_t replicas, bool allowSplit, std::vector<Part>& active,
                               std::vector<Part>& standby, std::string& detail) {
  const std::string keyName = TopologyKeyName(key_);
  // One try suffices: a standby needs no more than an active (it ignores limits and budgets),
  // so if no domain but the best active's has room for a standby, no other active domain
  // could have had room for the active either.
  if (!Group(replicas, allowSplit, {}, false, active)) {
    detail =
        "no " + keyName + " domain has room for " + std::to_string(replicas) + " active replicas";
    return false;
  }
  const int32_t domain = DomainOf(active.front().pool);
  if (Group(replicas, allowSplit, {DomainFilter::kExcept, domain}, true, standby)) return true;
  active.clear();
  standby.clear();
  detail = "ActivePassive needs room for a standby of " + std::to_string(replicas) +
           " replicas in a second " + keyName + " domain";
  return false;
}

}  // namespace hybridai
