#include "core/cost_model.h"

#include "core/saturating.h"
#include "core/time_zone.h"

namespace hybridai {
namespace {

using Wide = __int128;

// Products of rates saturate (core/saturating.h): with watts, PUE and carbon each near the top
// of int64, three factors exceed even 128 bits.
Wide Mul(Wide a, Wide b) {
  return SaturatingMul(a, b);
}

// Rounds num/den half away from zero; den > 0. Saturates to int64's range: a wrapped result
// would turn a huge cost negative and let it pass every budget.
int64_t RoundDiv(Wide num, Wide den) {
  Wide q = num / den;
  Wide r = num % den;
  if (r < 0) r = -r;
  if (r >= den - r) q += (num < 0 ? -1 : 1);
  if (q > INT64_MAX) return INT64_MAX;
  if (q < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(q);
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
}

constexpr int64_t kDay = 86400;

}  // namespace

PoolRates RatesOf(const api::GPUPool& pool, const api::MemberCluster* cluster) {
  PoolRates r;
  r.acceleratorHour = pool.spec.pricing.acceleratorHour;
  r.acceleratorWatts = pool.spec.power.acceleratorWatts;
  if (pool.spec.pue) {
    r.pue = *pool.spec.pue;
  } else if (cluster != nullptr) {
    r.pue = cluster->spec.pue;
  }
  if (pool.spec.carbonIntensity) {
    r.carbonIntensity = *pool.spec.carbonIntensity;
  } else if (cluster != nullptr) {
    r.carbonIntensity = cluster->spec.carbonIntensity;
  }
  return r;
}

Decimal ExactPowerWatts(const PoolRates& rates, int64_t accelerators) {
  return Decimal::FromUnits(
      RoundDiv(Mul(Mul(accelerators, rates.acceleratorWatts), rates.pue.units()), 1));
}

PlacementCost PlacementCostOf(const PoolRates& rates, int64_t accelerators) {
  PlacementCost c;
  c.hourlyCost = rates.acceleratorHour * accelerators;
  const Wide powerUnits = Mul(Mul(accelerators, rates.acceleratorWatts), rates.pue.units());
  c.powerWatts = RoundDiv(powerUnits, Decimal::kScale);
  c.carbonGramsPerHour =
      RoundDiv(Mul(powerUnits, rates.carbonIntensity), static_cast<Wide>(Decimal::kScale) * 1000);
  return c;
}

Accumulation Accumulate(Decimal hourlyCost, int64_t powerWatts, int64_t carbonGramsPerHour,
                        int64_t seconds) {
  Accumulation a;
  a.cost = Decimal::FromUnits(RoundDiv(Mul(hourlyCost.units(), seconds), 3600));
  // W x s x 1e6 / 3.6e6 == W x s x 10 / 36 (Decimal units of kWh); likewise g/h -> kg.
  a.energyKWh = Decimal::FromUnits(RoundDiv(Mul(Mul(powerWatts, seconds), 10), 36));
  a.carbonKg = Decimal::FromUnits(RoundDiv(Mul(Mul(carbonGramsPerHour, seconds), 10), 36));
  return a;
}

PeriodWindow PeriodAt(api::BudgetPeriod period, int64_t unixSeconds, std::string_view timeZone) {
  const CivilDate c = CivilDateAt(timeZone, unixSeconds);
  int64_t first = DaysFromCivil(c.year, c.month, c.day);  // days since 1970 of the period's start
  int64_t next = first + 1;
  switch (period) {
    case api::BudgetPeriod::Daily:
      break;
    case api::BudgetPeriod::Weekly:
      first -= c.weekday - 1;
      next = first + 7;
      break;
    case api::BudgetPeriod::Monthly:
      first = DaysFromCivil(c.year, c.month, 1);
      next =
          c.month == 12 ? DaysFromCivil(c.year + 1, 1, 1) : DaysFromCivil(c.year, c.month + 1, 1);
      break;
  }
  auto midnight = [&](int64_t days) {
    int64_t y = 0, m = 0, d = 0;
    CivilFromDays(days, y, m, d);
    return LocalMidnight(timeZone, y, m, d);
  };
  return PeriodWindow{midnight(first), midnight(next)};
}

int64_t NominalPeriodSeconds(api::BudgetPeriod period) {
  switch (period) {
    case api::BudgetPeriod::Daily:
      return kDay;
    case api::BudgetPeriod::Weekly:
      return 7 * kDay;
    case api::BudgetPeriod::Monthly:
      return 30 * kDay;
  }
  return 30 * kDay;
}

api::BudgetUsage ProjectPeriod(const api::BudgetUsage& usageSoFar, const BudgetRate& rate,
                               int64_t remainingSeconds) {
  const Accumulation ahead = Accumulate(rate.hourlyCost, rate.powerWatts, rate.carbonGramsPerHour,
                                        remainingSeconds > 0 ? remainingSeconds : 0);
  api::BudgetUsage p;
  p.powerWatts = rate.powerWatts;
  p.cost = usageSoFar.cost + ahead.cost;
  p.energyKWh = usageSoFar.energyKWh + ahead.energyKWh;
  p.carbonKg = usageSoFar.carbonKg + ahead.carbonKg;
  return p;
}

namespace {

// value (units) + carry/den + step/den, exactly: the new units and carry (0 <= carry < den).
// A negative or oversized result saturates; a carry out of range (hand-edited status) is
// reduced first.
void AddExact(Decimal& value, int64_t& carry, Wide step, Wide den) {
  Wide c = carry % den;
  if (c < 0) c += den;
  const Wide total = SaturatingAdd<Wide>(Mul(value.units(), den), SaturatingAdd<Wide>(c, step));
  Wide q = total / den;
  Wide r = total % den;
  if (r < 0) {
    r += den;
    q -= 1;
  }
  if (q > INT64_MAX) {
    q = INT64_MAX;
    r = 0;
  }
  if (q < 0) {
    q = 0;
    r = 0;
  }
  value = Decimal::FromUnits(static_cast<int64_t>(q));
  carry = static_cast<int64_t>(r);
}

}  // namespace

void Accrue(const BudgetRate& rate, int64_t seconds, Decimal& cost, Decimal& energyKWh,
            Decimal& carbonKg, api::AccrualRemainder& remainder) {
  if (seconds <= 0) return;
  constexpr int64_t kCentury = 100LL * 366 * 86400;  // longer steps are clamped
  if (seconds > kCentury) seconds = kCentury;
  // cost units: hourlyCost units x s / 3600; kWh units (1e-6 kWh = 3.6 J): W x s x 10 / 36;
  // kg units (mg): g/h x s x 1000 / 3600 = g/h x s x 10 / 36.
  AddExact(cost, remainder.cost, Mul(rate.hourlyCost.units(), seconds), 3600);
  AddExact(energyKWh, remainder.energy, Mul(Mul(rate.powerWatts, seconds), 10), 36);
  AddExact(carbonKg, remainder.carbon, Mul(Mul(rate.carbonGramsPerHour, seconds), 10), 36);
}

}  // namespace hybridai
