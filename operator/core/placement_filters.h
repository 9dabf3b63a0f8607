// The hard constraints of one workload, compiled against a FleetIndex: which clusters and
// pools may take new placements (and the first reason why not), and which may keep existing
// ones. Compile once per workload, then test pools cheaply. Reused across workloads to avoid
// allocating; not thread-safe (one per thread).
#pragma once

#include <cstdint>
#include <vector>

#include "core/placement_index.h"
#include "core/placement_reasons.h"

namespace hybridai {

// matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist) over `labels`, with the
// Kubernetes meaning: NotIn matches an absent key; an unknown operator matches nothing.
bool SelectorMatches(const api::LabelSelector& selector,
                     const std::map<std::string, std::string>& labels);

class WorkloadFilter {
 public:
  void Compile(const FleetIndex& fleet, const api::AIWorkload& workload);

  // The first reason (in Reason order) the pool cannot take a new placement, ignoring
  // capacity, limits and budgets; kNone when it can.
  Reason NewPlacementReason(const PoolRow& pool) const {
    if (pool.cluster < 0) return Reason::kClusterNotFound;
    const Reason c = clusterNew_[pool.cluster];
    if (c != Reason::kNone) return c;
    if (pool.failed) return Reason::kPoolFailed;
    if (!pool.ready) return Reason::kPoolNotReady;
    return AcceleratorReason(pool);
  }

  // Whether a current placement on the pool may stay: every constraint holds except that a
  // NoSchedule taint or a not-ready (but not failed) cluster or pool does not evict.
  bool MayKeep(const PoolRow& pool) const {
    return pool.cluster >= 0 && clusterKeep_[pool.cluster] && !pool.failed &&
           AcceleratorReason(pool) == Reason::kNone;
  }

  // The spec.placement.tiers index the pool's cluster belongs to (the first it matches); 0 for
  // every cluster when the workload has no tiers; -1 when it matches none.
  int32_t TierOf(const PoolRow& pool) const {
    return pool.cluster < 0 ? -1 : clusterTier_[pool.cluster];
  }
  // Whether the workload uses spec.placement.tiers.
  bool tiered() const { return tiered_; }

 private:
  Reason AcceleratorReason(const PoolRow& pool) const {
    if (!anyVendor_ && !Contains(vendors_, pool.vendor)) return Reason::kVendorMismatch;
    if (!anyModel_ && !Contains(models_, pool.model)) return Reason::kModelMismatch;
    if (pool.memoryGiB < minMemoryGiB_) return Reason::kInsufficientMemory;
    if (pool.spot && spotNever_) return Reason::kSpotNotAllowed;
    return Reason::kNone;
  }
  static bool Contains(const std::vector<int32_t>& v, int32_t x) {
    for (int32_t y : v) {
      if (y == x) return true;
    }
    return false;
  }

  std::vector<Reason> clusterNew_;    // per cluster: first reason against new placements
  std::vector<char> clusterKeep_;     // per cluster: may current placements stay
  std::vector<int32_t> clusterTier_;  // per cluster: first matching tier, -1 for none
  bool tiered_ = false;
  std::vector<int32_t> vendors_, models_, regions_;
  bool anyVendor_ = true;
  bool anyModel_ = true;
  int64_t minMemoryGiB_ = 0;
  bool spotNever_ = false;
};

}  // namespace hybridai
