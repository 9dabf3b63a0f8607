// The cost, power and carbon model: what a placement costs per hour, draws in watts and emits
// per hour, how those rates accumulate over time, and how a budget period is projected.
// Pure functions over values; thread-safe. Money and energy use exact Decimal arithmetic.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/decimal.h"
#include "core/saturating.h"
#include "core/types.h"

namespace hybridai {

// The per-accelerator rates of one pool, with the pool's overrides of its cluster applied
// (pue and carbonIntensity on the pool win over the cluster's).
struct PoolRates {
  Decimal acceleratorHour;       // money per accelerator-hour
  int64_t acceleratorWatts = 0;  // IT power per busy accelerator
  Decimal pue = Decimal::FromInt(1);
  int64_t carbonIntensity = 0;  // gCO2e per kWh
};

// `cluster` may be null (a pool whose cluster is unknown): PUE 1 and carbon intensity 0 then,
// unless the pool overrides them.
PoolRates RatesOf(const api::GPUPool& pool, const api::MemberCluster* cluster);

// The rates of one placement. Standby placements are reserved but scaled to zero: they cost
// nothing and draw no power (see PlacementCostOf's callers).
struct PlacementCost {
  Decimal hourlyCost;      // accelerators x acceleratorHour, exact
  int64_t powerWatts = 0;  // accelerators x acceleratorWatts x PUE, rounded half away from zero
  // power (kW, before rounding) x carbonIntensity, rounded half away from zero. Rounding once,
  // from the exact power, keeps 2 x 700 W x 1.2 x 300 g/kWh at exactly 504 g/h.
  int64_t carbonGramsPerHour = 0;
};

PlacementCost PlacementCostOf(const PoolRates& rates, int64_t accelerators);

// Exact power in watts (not rounded): accelerators x acceleratorWatts x PUE.
Decimal ExactPowerWatts(const PoolRates& rates, int64_t accelerators);

// What a steady rate accumulates over `seconds` (>= 0).
struct Accumulation {
  Decimal cost;       // hourlyCost x seconds / 3600
  Decimal energyKWh;  // powerWatts x seconds / 3.6e6
  Decimal carbonKg;   // carbonGramsPerHour x seconds / 3.6e6
};

// Each quantity is computed in 128-bit integers and rounded once (half away from zero) at the
// sixth decimal, so a month of a megawatt fleet neither overflows nor drifts.
Accumulation Accumulate(Decimal hourlyCost, int64_t powerWatts, int64_t carbonGramsPerHour,
                        int64_t seconds);

// The period a budget counts in, in Unix seconds: Daily from midnight, Weekly from Monday
// midnight (ISO weeks), Monthly from the first of the month, midnights local to `timeZone`
// (an IANA name; a day may last 23 or 25 hours where daylight saving changes).
struct PeriodWindow {
  int64_t start = 0;
  int64_t end = 0;  // exclusive: the next period's start
};
PeriodWindow PeriodAt(api::BudgetPeriod period, int64_t unixSeconds,
                      std::string_view timeZone = "UTC");

// A nominal period length for planning without a clock (the offline planner): a day, a week,
// or 30 days.
int64_t NominalPeriodSeconds(api::BudgetPeriod period);

// Hourly rates of money, watts (PUE included) and grams of CO2e: the type a budget's status
// records them in is the one every sum over workloads and budgets uses.
using BudgetRate = api::RateStatus;

namespace api {

// Rates add up over workloads and budgets. Sums saturate (Decimal does so itself); a
// difference undoes an earlier sum.
inline RateStatus& operator+=(RateStatus& a, const RateStatus& o) {
  a.hourlyCost += o.hourlyCost;
  a.powerWatts = SaturatingAdd(a.powerWatts, o.powerWatts);
  a.carbonGramsPerHour = SaturatingAdd(a.carbonGramsPerHour, o.carbonGramsPerHour);
  return a;
}
inline RateStatus& operator-=(RateStatus& a, const RateStatus& o) {
  a.hourlyCost -= o.hourlyCost;
  a.powerWatts -= o.powerWatts;
  a.carbonGramsPerHour -= o.carbonGramsPerHour;
  return a;
}

}  // namespace api

// The usage a budget reaches at the end of its period if the current rates hold:
// usage so far + rate x remaining time; power is the current rate itself.
api::BudgetUsage ProjectPeriod(const api::BudgetUsage& usageSoFar, const BudgetRate& rate,
                               int64_t remainingSeconds);

// Exact accrual: adds rate x seconds (>= 0) to cost, energy and carbon, carrying what falls
// below the sixth decimal in `remainder`, so any sequence of steps adds up to exactly what one
// step over their total time would (no drift from rounding at each step). Saturates.
void Accrue(const BudgetRate& rate, int64_t seconds, Decimal& cost, Decimal& energyKWh,
            Decimal& carbonKg, api::AccrualRemainder& remainder);

}  // namespace hybridai
