// How the placement engine ranks the pools that fit a workload (lower is better).
// Pure; thread-safe.
//
// Each pool gets four terms, each normalised to [0, 1e6] by the largest value in the fleet, so
// no unit dominates by its scale:
//   cost    = acceleratorHour                                (money per accelerator-hour)
//   energy  = acceleratorWatts x PUE                         (facility watts per accelerator)
//   carbon  = acceleratorWatts x PUE x carbonIntensity/1000  (gCO2e per accelerator-hour)
//   latency = cluster latencyMs
// balanced = (cost + energy + carbon + latency) / 4, equal weights.
// An objective ranks by its own term first and by `balanced` second (Balanced: balanced first,
// cost second): key = primary x 2^21 + secondary. Under spot Preferred both are halved for spot
// pools, a strong preference that a far cheaper or greener on-demand pool can still beat.
// Remaining ties go to the cluster name, then the pool name (the index keeps pools in that
// order), so the ranking never depends on input order.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/types.h"

namespace hybridai {

inline constexpr int kObjectives = 5;  // Cost, Energy, Carbon, Latency, Balanced

struct ScoreTerms {
  double costPerAcceleratorHour = 0;
  double wattsPerAccelerator = 0;
  double carbonPerAcceleratorHour = 0;
  double latencyMs = 0;
};

struct PoolScore {
  std::array<int64_t, kObjectives> key{};      // indexed by api::Objective
  std::array<int64_t, kObjectives> spotKey{};  // the same, for a spot pool under Preferred
};

// Scores every pool against the whole fleet (the normalisation needs the maxima).
std::vector<PoolScore> ScorePools(const std::vector<ScoreTerms>& terms,
                                  const std::vector<bool>& spot);

inline int64_t ScoreKey(const PoolScore& s, api::Objective objective, bool spotPreferred) {
  const auto i = static_cast<size_t>(objective);
  return spotPreferred ? s.spotKey[i] : s.key[i];
}

}  // namespace hybridai
