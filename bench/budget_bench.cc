// Budgets over time: the cost of one accounting step of a Budget's status, of exact accrual, of
// a period boundary in a time zone, and of a Throttle pass over N workloads that must be scaled
// down (the worst case: lowest priority first, one replica at a time).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "controllers/budget_throttle.h"
#include "core/budget_accounting.h"

namespace hybridai {
namespace {

void BM_AccountBudget(benchmark::State& state) {
  api::Budget b;
  b.metadata.name = "vision";
  b.metadata.namespace_ = "team-a";
  b.spec.period = api::BudgetPeriod::Monthly;
  b.spec.timeZone = "Europe/Paris";
  b.spec.limits.cost = *Decimal::Parse("60000");
  b.spec.limits.powerWatts = 20000;
  int64_t now = 1796547600;
  b.status =
      AccountBudget({b, BudgetRate{*Decimal::Parse("41.00"), 7700, 2310}, 10, 0, now}).status;
  for (auto _ : state) {
    now += 60;
    auto r = AccountBudget({b, BudgetRate{*Decimal::Parse("41.00"), 7700, 2310}, 10, 0, now});
    benchmark::DoNotOptimize(r);
    b.status = std::move(r.status);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AccountBudget);

void BM_Accrue(benchmark::State& state) {
  Decimal c, e, k;
  api::AccrualRemainder r;
  const BudgetRate rate{*Decimal::Parse("12.30"), 2310, 693};
  for (auto _ : state) {
    Accrue(rate, 60, c, e, k, r);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Accrue);

void BM_PeriodAtTimeZone(benchmark::State& state) {
  int64_t t = 1796547600;
  for (auto _ : state) {
    benchmark::DoNotOptimize(PeriodAt(api::BudgetPeriod::Monthly, t += 3600, "Europe/Paris"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PeriodAtTimeZone);

// N Inference workloads of 4 replicas over two placements; the limit fits a quarter of them.
void BM_PlanThrottle(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<controllers::ThrottleMember> members;
  for (int64_t i = 0; i < n; ++i) {
    controllers::ThrottleMember m;
    m.key = "team-a/w" + std::to_string(i);
    m.priority = i % 10;
    m.createdUnix = i;
    for (int j = 0; j < 2; ++j) {
      api::Placement p;
      p.pool = "pool-" + std::to_string(j);
      p.replicas = 2;
      p.accelerators = 2;
      p.hourlyCost = *Decimal::Parse("8.20");
      p.powerWatts = 1540;
      p.carbonGramsPerHour = 462;
      m.placements.push_back(p);
    }
    members.push_back(std::move(m));
  }
  api::BudgetLimits limits;
  limits.powerWatts = 3080 * n / 4;
  for (auto _ : state) {
    auto counts = controllers::PlanThrottle(limits, {}, 86400, {}, members);
    benchmark::DoNotOptimize(counts);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_PlanThrottle)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace hybridai

BENCHMARK_MAIN();
