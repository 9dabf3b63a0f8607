#include "core/placement_scoring.h"

#include <algorithm>
#include <cmath>

namespace hybridai {
namespace {

constexpr int64_t kUnit = 1'000'000;
constexpr int64_t kShift = int64_t{1} << 21;

int64_t Normalise(double v, double max) {
  if (max <= 0 || v <= 0) return 0;
  return std::min<int64_t>(kUnit, std::llround(v / max * kUnit));
}

}  // namespace

std::vector<PoolScore> ScorePools(const std::vector<ScoreTerms>& terms,
                                  const std::vector<bool>& spot) {
  ScoreTerms max;
  for (const ScoreTerms& t : terms) {
    max.costPerAcceleratorHour = std::max(max.costPerAcceleratorHour, t.costPerAcceleratorHour);
    max.wattsPerAccelerator = std::max(max.wattsPerAccelerator, t.wattsPerAccelerator);
    max.carbonPerAcceleratorHour =
        std::max(max.carbonPerAcceleratorHour, t.carbonPerAcceleratorHour);
    max.latencyMs = std::max(max.latencyMs, t.latencyMs);
  }
  std::vector<PoolScore> out(terms.size());
  for (size_t i = 0; i < terms.size(); ++i) {
    const int64_t cost = Normalise(terms[i].costPerAcceleratorHour, max.costPerAcceleratorHour);
    const int64_t energy = Normalise(terms[i].wattsPerAccelerator, max.wattsPerAccelerator);
    const int64_t carbon =
        Normalise(terms[i].carbonPerAcceleratorHour, max.carbonPerAcceleratorHour);
    const int64_t latency = Normalise(terms[i].latencyMs, max.latencyMs);
    const int64_t balanced = (cost + energy + carbon + latency) / 4;
    const std::array<int64_t, kObjectives> primary = {cost, energy, carbon, latency, balanced};
    for (int o = 0; o < kObjectives; ++o) {
      const int64_t secondary = o == static_cast<int>(api::Objective::Balanced) ? cost : balanced;
      out[i].key[o] = primary[o] * kShift + secondary;
      out[i].spotKey[o] = spot[i] ? (primary[o] / 2) * kShift + secondary / 2 : out[i].key[o];
    }
  }
  return out;
}

}  // namespace hybridai
