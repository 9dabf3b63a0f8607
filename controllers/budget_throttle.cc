#include "controllers/budget_throttle.h"

#include <algorithm>
#include <numeric>

#include "core/budget_accounting.h"

namespace hybridai::controllers {
namespace {

// a x n / d rounded half away from zero (n <= d, all >= 0).
int64_t Scaled(int64_t a, int64_t n, int64_t d) {
  if (d <= 0 || n >= d) return a;
  const __int128 p = static_cast<__int128>(a) * n;
  return static_cast<int64_t>((p + d / 2) / d);
}

}  // namespace

int64_t ActiveReplicas(const std::vector<api::Placement>& placements) {
  int64_t n = 0;
  for (const auto& p : placements)
    if (p.role == api::Role::Active) n += std::max<int64_t>(0, p.replicas);
  return n;
}

std::vector<int64_t> RunningReplicas(const std::vector<api::Placement>& placements,
                                     int64_t throttled, bool gang) {
  std::vector<int64_t> run(placements.size(), 0);
  const int64_t total = ActiveReplicas(placements);
  if (gang && throttled > 0) return run;
  int64_t left = std::clamp<int64_t>(throttled, 0, total);
  for (size_t i = placements.size(); i-- > 0;) {
    const auto& p = placements[i];
    if (p.role != api::Role::Active) continue;
    const int64_t r = std::max<int64_t>(0, p.replicas);
    const int64_t down = std::min(left, r);
    left -= down;
    run[i] = r - down;
  }
  return run;
}

BudgetRate RunningRate(const std::vector<api::Placement>& placements, int64_t throttled,
                       bool gang) {
  const std::vector<int64_t> run = RunningReplicas(placements, throttled, gang);
  BudgetRate rate;
  for (size_t i = 0; i < placements.size(); ++i) {
    const auto& p = placements[i];
    if (p.role != api::Role::Active || run[i] == 0) continue;
    const int64_t r = p.replicas;
    if (run[i] >= r) {
      rate += BudgetRate{p.hourlyCost, p.powerWatts, p.carbonGramsPerHour};
    } else {
      rate += BudgetRate{Decimal::FromUnits(Scaled(p.hourlyCost.units(), run[i], r)),
                         Scaled(p.powerWatts, run[i], r), Scaled(p.carbonGramsPerHour, run[i], r)};
    }
  }
  return rate;
}

std::vector<int64_t> PlanThrottle(const api::BudgetLimits& limits, const api::BudgetUsage& usage,
                                  int64_t remainingSeconds, const BudgetRate& fixed,
                                  const std::vector<ThrottleMember>& members) {
  std::vector<int64_t> counts(members.size());
  for (size_t i = 0; i < members.size(); ++i)
    counts[i] = std::clamp<int64_t>(members[i].throttled, 0, ActiveReplicas(members[i].placements));
  // The rate of what runs, kept as counts change: a pass is O(members x replicas).
  BudgetRate rate = fixed;
  for (size_t i = 0; i < members.size(); ++i)
    rate += RunningRate(members[i].placements, counts[i], members[i].gang);
  auto set = [&](size_t i, int64_t n) {
    rate -= RunningRate(members[i].placements, counts[i], members[i].gang);
    counts[i] = n;
    rate += RunningRate(members[i].placements, counts[i], members[i].gang);
  };
  auto over = [&] { return AnyLimitPassed(limits, ProjectPeriod(usage, rate, remainingSeconds)); };
  std::vector<size_t> order(members.size());
  std::iota(order.begin(), order.end(), 0);
  // Lowest priority first, newest first, then by key: the order of scaling down.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = members[a];
    const auto& y = members[b];
    if (x.priority != y.priority) return x.priority < y.priority;
    if (x.createdUnix != y.createdUnix) return x.createdUnix > y.createdUnix;
    return x.key > y.key;
  });
  if (over()) {
    for (size_t i : order) {
      const int64_t total = ActiveReplicas(members[i].placements);
      if (members[i].gang) {
        set(i, total);
      } else {
        while (counts[i] < total) {
          set(i, counts[i] + 1);
          if (!over()) break;
        }
      }
      if (!over()) break;
    }
    return counts;
  }
  // Room: back up, highest priority first, as far as the projection still fits.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const size_t i = *it;
    if (counts[i] == 0 || !members[i].mayRestore) continue;
    const int64_t was = counts[i];
    if (members[i].gang) {
      set(i, 0);
      if (over()) set(i, was);
      continue;
    }
    while (counts[i] > 0) {
      set(i, counts[i] - 1);
      if (over()) {
        set(i, counts[i] + 1);
        break;
      }
    }
  }
  return counts;
}

}  // namespace hybridai::controllers
