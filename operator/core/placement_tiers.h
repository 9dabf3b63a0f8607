// Preference tiers (spec.placement.tiers) in the placement engine: which tier a cluster belongs
// to, and how a tier biases a pool's score key so that every strategy (one pool, one cluster,
// Spread, ActivePassive, a gang) prefers the first tier and uses the next only when it must.
// Inference and Batch replicas additionally fill a tier partially and overflow the rest
// (PlanSearch::Tiered). Pure; thread-safe given its arguments.
#pragma once

#include <cstdint>
#include <vector>

#include "core/placement_index.h"

namespace hybridai {

// Score keys stay below 2^43 (two terms of at most 1e6, the first shifted by 21 bits), so a
// tier's offset dominates any score difference: a pool of tier 0 always ranks before tier 1.
inline constexpr int64_t kTierStride = int64_t{1} << 44;

inline int64_t TieredKey(int64_t key, int32_t tier) {
  return key + static_cast<int64_t>(tier < 0 ? 0 : tier) * kTierStride;
}

// The index of the first tier the cluster matches (locations, maxLatencyMs, regions,
// clusterSelector; an absent field matches everything), or -1.
int32_t FirstMatchingTier(const FleetIndex& fleet, const ClusterRow& cluster,
                          const std::vector<api::PlacementTier>& tiers);

}  // namespace hybridai
