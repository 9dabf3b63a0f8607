#include "core/placement_tiers.h"

#include <algorithm>

#include "core/placement_filters.h"
#include "core/placement_strategies.h"

namespace hybridai {

int32_t FirstMatchingTier(const FleetIndex& fleet, const ClusterRow& cluster,
                          const std::vector<api::PlacementTier>& tiers) {
  for (size_t t = 0; t < tiers.size(); ++t) {
    const api::PlacementTier& tier = tiers[t];
    if (!tier.locations.empty() &&
        std::none_of(tier.locations.begin(), tier.locations.end(),
                     [&](api::Location l) { return static_cast<int>(l) == cluster.location; })) {
      continue;
    }
    if (tier.maxLatencyMs && cluster.latencyMs > *tier.maxLatencyMs) continue;
    if (!tier.regions.empty() &&
        std::none_of(tier.regions.begin(), tier.regions.end(), [&](const std::string& r) {
          const int32_t id = fleet.RegionId(r);
          return id >= 0 && id == cluster.region;
        })) {
      continue;
    }
    if (!tier.clusterSelector.Empty() &&
        !SelectorMatches(tier.clusterSelector, cluster.cluster->metadata.labels)) {
      continue;
    }
    return static_cast<int32_t>(t);
  }
  return -1;
}

bool PlanSearch::Tiered(int64_t replicas, int32_t tiers, std::vector<Part>& out) {
  out.clear();
  std::vector<Part> part;
  int64_t left = replicas;
  for (int32_t t = 0; t < tiers && left > 0; ++t) {
    DomainFilter only;
    only.tier = t;
    // The whole remainder in one pool or one cluster of this tier, as without tiers.
    if (Group(left, /*allowSplit=*/true, only, /*standby=*/false, part)) {
      out.insert(out.end(), part.begin(), part.end());
      left = 0;
      break;
    }
    // Else this tier as far as its free capacity goes, best pools first; the rest overflows.
    scratch_.clear();
    for (const Candidate& c : candidates_) {
      if (c.activeOk && c.tier == t && c.free >= count_) scratch_.push_back(c);
    }
    std::sort(scratch_.begin(), scratch_.end(), [](const Candidate& a, const Candidate& b) {
      return a.key != b.key ? a.key < b.key : a.pool < b.pool;
    });
    for (const Candidate& c : scratch_) {
      if (left == 0) break;
      const int64_t take = std::min(left, c.free / count_);
      if (take > 0) out.push_back({c.pool, take});
      left -= take;
    }
  }
  if (left == 0) return true;
  out.clear();
  return false;
}

}  // namespace hybridai
