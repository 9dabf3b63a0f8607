// Budgets over time, on a simulated clock: period boundaries in UTC and in a time zone with
// daylight saving, exact accrual, accounting steps across restarts and period ends, and the
// Warning / Exceeded conditions.
#include "core/budget_accounting.h"

#include <gtest/gtest.h>

#include "core/codec.h"
#include "core/conditions.h"
#include "core/rfc3339.h"
#include "core/time_zone.h"
#include "core/validation.h"

namespace hybridai {
namespace {

Decimal D(const char* s) {
  return *Decimal::Parse(s);
}

api::Budget MakeBudget(api::BudgetPeriod period, const char* zone = "UTC") {
  api::Budget b;
  b.metadata.name = "vision";
  b.metadata.namespace_ = "team-a";
  b.metadata.generation = 1;
  b.spec.period = period;
  b.spec.timeZone = zone;
  b.spec.limits.cost = D("100");
  b.spec.warnAtPercent = 80;
  return b;
}

// A restart: the status goes through the API as JSON and comes back decoded.
api::Budget ThroughApi(const api::Budget& b) {
  std::vector<Diagnostic> diags;
  auto back = api::DecodeBudget(api::ToJson(b), &diags);
  EXPECT_TRUE(back.has_value());
  EXPECT_TRUE(diags.empty()) << (diags.empty() ? "" : diags[0].message);
  return back ? *back : b;
}

TEST(BudgetPeriods, UtcBoundariesLeapDayMonthEndIsoWeek) {
  // Leap day 2024-02-29 12:00Z: the day, and February of 29 days.
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Daily, 1709208000).start, 1709164800);
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Daily, 1709208000).end, 1709251200);
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Monthly, 1709208000).end, 1709251200);
  // The last second of a year belongs to December; the next to January.
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Monthly, 1798761599).end, 1798761600);
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Monthly, 1798761600).start, 1798761600);
  // ISO week across a year end: Thursday 2020-12-31 is in the week of Monday 2020-12-28.
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Weekly, 1609416000).start, 1609113600);
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Weekly, 1609416000).end, 1609718400);
}

TEST(BudgetPeriods, TimeZoneWithDaylightSaving) {
  // Europe/Paris springs forward on 2026-03-29: that day lasts 23 hours.
  const PeriodWindow day = PeriodAt(api::BudgetPeriod::Daily, 1774740600, "Europe/Paris");
  EXPECT_EQ(day.start, 1774738800);  // 2026-03-29T00:00+01:00
  EXPECT_EQ(day.end, 1774821600);    // 2026-03-30T00:00+02:00
  EXPECT_EQ(day.end - day.start, 23 * 3600);
  // ...and falls back on 2026-10-25: 25 hours.
  const PeriodWindow fall = PeriodAt(api::BudgetPeriod::Daily, 1792879200 + 3600, "Europe/Paris");
  EXPECT_EQ(fall.end - fall.start, 25 * 3600);
  // March 2026 in Paris starts in winter time and ends in summer time.
  const PeriodWindow march = PeriodAt(api::BudgetPeriod::Monthly, 1774740600, "Europe/Paris");
  EXPECT_EQ(march.start, 1772319600);
  EXPECT_EQ(march.end, 1774994400);
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Weekly, 1774740600, "Europe/Paris").start, 1774220400);
  // New York: 2026-12-31T12:00-05:00 is still in December there.
  const PeriodWindow dec = PeriodAt(api::BudgetPeriod::Monthly, 1798736400, "America/New_York");
  EXPECT_EQ(dec.start, 1796101200);
  EXPECT_EQ(dec.end, 1798779600);
  // 2027-01-01T02:00Z is January in UTC but December in New York.
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Monthly, 1798768800, "UTC").start, 1798761600);
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Monthly, 1798768800, "America/New_York").start, 1796101200);
}

TEST(BudgetPeriods, TimeZoneNamesAreValidated) {
  EXPECT_TRUE(KnownTimeZone("UTC"));
  EXPECT_TRUE(KnownTimeZone("Europe/Paris"));
  EXPECT_FALSE(KnownTimeZone("Mars/Olympus_Mons"));
  EXPECT_FALSE(KnownTimeZone(""));
  EXPECT_FALSE(KnownTimeZone("../../etc/passwd"));
  api::Budget b = MakeBudget(api::BudgetPeriod::Daily, "Europe/Atlantis");
  const auto diags = Validate(b);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].path, "spec.timeZone");
  EXPECT_NE(diags[0].message.find("Europe/Atlantis"), std::string::npos);
}

TEST(Accrual, StepsAddUpExactlyToOneStep) {
  // 3 accelerators at 4.10/h, 2,310 W, 693 g/h: a month in one-minute steps.
  const BudgetRate rate{D("12.30"), 2310, 693};
  Decimal cost, energy, carbon;
  api::AccrualRemainder rem;
  for (int i = 0; i < 30 * 24 * 60; ++i) Accrue(rate, 60, cost, energy, carbon, rem);
  Decimal cost1, energy1, carbon1;
  api::AccrualRemainder rem1;
  Accrue(rate, 30 * 24 * 3600, cost1, energy1, carbon1, rem1);
  EXPECT_EQ(cost, cost1);
  EXPECT_EQ(energy, energy1);
  EXPECT_EQ(carbon, carbon1);
  EXPECT_EQ(cost, D("8856"));      // 12.30 x 720 h
  EXPECT_EQ(energy, D("1663.2"));  // 2.31 kW x 720 h
  EXPECT_EQ(carbon, D("498.96"));  // 0.693 kg/h x 720 h
  // Steps of odd lengths too: 7 s at 0.000001/h leaves everything in the remainder at first.
  Decimal c;
  api::AccrualRemainder r;
  Decimal e, k;
  for (int i = 0; i < 3600 / 8; ++i) Accrue(BudgetRate{D("0.000001"), 1, 1}, 8, c, e, k, r);
  EXPECT_EQ(c, D("0.000001"));  // 3,600 s at 1e-6/h, exactly
  EXPECT_EQ(r.cost, 0);
}

TEST(Accrual, SaturatesInsteadOfWrapping) {
  Decimal cost = Decimal::Max(), e, k;
  api::AccrualRemainder r;
  Accrue(BudgetRate{Decimal::Max(), INT64_MAX, INT64_MAX}, INT64_MAX, cost, e, k, r);
  EXPECT_EQ(cost, Decimal::Max());
  EXPECT_GT(e, Decimal());
  EXPECT_GT(k, Decimal());
}

TEST(BudgetAccounting, AccruesAtTheRecordedRateAcrossRestarts) {
  api::Budget b = MakeBudget(api::BudgetPeriod::Monthly);
  const int64_t t0 = 1796547600;  // 2026-12-06T09:00Z
  const BudgetRate rate{D("4.10"), 770, 231};
  auto r = AccountBudget({b, rate, 1, 0, t0});
  EXPECT_EQ(r.status.periodStart, "2026-12-01T00:00:00Z");
  EXPECT_EQ(r.status.usage.cost, Decimal());
  EXPECT_EQ(r.status.usage.powerWatts, 770);
  b.status = r.status;
  // Ten steps of a minute, each through the API (an operator restart between any two).
  for (int i = 1; i <= 10; ++i) {
    b = ThroughApi(b);
    b.status = AccountBudget({b, rate, 1, 0, t0 + 60 * i}).status;
  }
  EXPECT_EQ(b.status.usage.cost.ToString(), "0.683333");  // 4.10 x 600 / 3600, floored
  EXPECT_EQ(b.status.remainder.cost, 1200);               // the 1/3 carried exactly
  // 10 more minutes at once: exactly 20 minutes of 4.10/h.
  b = ThroughApi(b);
  b.status = AccountBudget({b, rate, 1, 0, t0 + 1200}).status;
  EXPECT_EQ(b.status.usage.cost, D("1.366666"));
  EXPECT_EQ(b.status.usage.energyKWh.ToString(), "0.256666");
  // Projection: usage + 4.10/h to 2027-01-01.
  const int64_t left = 1798761600 - (t0 + 1200);
  Decimal expect = b.status.usage.cost;
  Decimal ignore1, ignore2;
  api::AccrualRemainder rr = b.status.remainder;
  Accrue(rate, left, expect, ignore1, ignore2, rr);
  EXPECT_EQ(b.status.projected.cost,
            (b.status.usage.cost + Accumulate(rate.hourlyCost, 0, 0, left).cost));
}

TEST(BudgetAccounting, ARateChangeCountsFromTheStepItWasRecorded) {
  api::Budget b = MakeBudget(api::BudgetPeriod::Daily);
  const int64_t t0 = 1796547600;
  b.status = AccountBudget({b, BudgetRate{D("10"), 1000, 0}, 1, 0, t0}).status;
  b.status = AccountBudget({b, BudgetRate{D("0"), 0, 0}, 0, 0, t0 + 1800}).status;  // deleted
  b.status = AccountBudget({b, BudgetRate{D("0"), 0, 0}, 0, 0, t0 + 7200}).status;
  EXPECT_EQ(b.status.usage.cost, D("5"));  // half an hour at 10/h, then nothing
  EXPECT_EQ(b.status.usage.energyKWh, D("0.5"));
  EXPECT_EQ(b.status.usage.powerWatts, 0);
  EXPECT_EQ(b.status.workloads, 0);
}

TEST(BudgetAccounting, PeriodEndClosesTheOldPeriodAndStartsTheNew) {
  api::Budget b = MakeBudget(api::BudgetPeriod::Daily);
  const int64_t midnight = 1796601600;  // 2026-12-07T00:00Z
  b.status = AccountBudget({b, BudgetRate{D("36"), 3600, 3600}, 1, 0, midnight - 600}).status;
  // The operator was down across midnight: 10 minutes before, 5 after.
  b = ThroughApi(b);
  const auto r = AccountBudget({b, BudgetRate{D("36"), 3600, 3600}, 1, 0, midnight + 300});
  ASSERT_TRUE(r.status.previousPeriod.has_value());
  EXPECT_EQ(r.status.previousPeriod->start, "2026-12-06T00:00:00Z");
  EXPECT_EQ(r.status.previousPeriod->usage.cost, D("6"));  // 600 s at 36/h
  EXPECT_EQ(r.status.periodStart, "2026-12-07T00:00:00Z");
  EXPECT_EQ(r.status.usage.cost, D("3"));  // 300 s at 36/h
  EXPECT_EQ(r.status.usage.carbonKg, D("0.3"));
}

TEST(BudgetAccounting, WarningAndExceededWithTransitions) {
  api::Budget b = MakeBudget(api::BudgetPeriod::Daily);
  const int64_t t0 = 1796601600;  // midnight: a whole day ahead
  // 1/h for 24 h = 24, well within 100.
  auto r = AccountBudget({b, BudgetRate{D("1"), 0, 0}, 1, 0, t0});
  EXPECT_FALSE(IsConditionTrue(r.status.conditions, "Warning"));
  EXPECT_FALSE(IsConditionTrue(r.status.conditions, "Exceeded"));
  EXPECT_TRUE(r.transitions.empty());  // a first False is not news
  b.status = r.status;
  // 10/h: 240 projected by the day's end.
  r = AccountBudget({b, BudgetRate{D("10"), 0, 0}, 1, 0, t0 + 60});
  EXPECT_TRUE(IsConditionTrue(r.status.conditions, "Warning"));
  EXPECT_EQ(FindCondition(r.status.conditions, "Warning")->reason, "ProjectedToExceed");
  // A minute at 1/h so far, then 10/h for the rest of the day.
  EXPECT_EQ(FindCondition(r.status.conditions, "Warning")->message,
            "at the current rate, by the period's end: cost 239.849999 over limit 100.00");
  ASSERT_EQ(r.transitions.size(), 1u);
  EXPECT_EQ(r.transitions[0].type, "Warning");
  b.status = r.status;
  // 9 hours later 90.016666 is used: 90% of the limit.
  r = AccountBudget({b, BudgetRate{D("10"), 0, 0}, 1, 0, t0 + 60 + 9 * 3600});
  EXPECT_EQ(FindCondition(r.status.conditions, "Warning")->reason, "UsageAboveWarnPercent");
  EXPECT_FALSE(IsConditionTrue(r.status.conditions, "Exceeded"));
  b.status = r.status;
  r = AccountBudget({b, BudgetRate{D("10"), 0, 0}, 1, 0, t0 + 60 + 11 * 3600});
  EXPECT_TRUE(IsConditionTrue(r.status.conditions, "Exceeded"));
  EXPECT_EQ(FindCondition(r.status.conditions, "Exceeded")->message,
            "cost 110.016666 over limit 100.00");
  ASSERT_EQ(r.transitions.size(), 1u);
  EXPECT_EQ(r.transitions[0].type, "Exceeded");
  EXPECT_EQ(r.transitions[0].status, "True");
}

TEST(BudgetAccounting, PowerLimitIsJudgedOnTheRateNow) {
  api::Budget b = MakeBudget(api::BudgetPeriod::Monthly);
  b.spec.limits = {};
  b.spec.limits.powerWatts = 2000;
  const auto r = AccountBudget({b, BudgetRate{D("1"), 2310, 0}, 3, 0, 1796547600});
  EXPECT_EQ(FindCondition(r.status.conditions, "Exceeded")->message,
            "powerWatts 2310 over limit 2000");
}

TEST(BudgetPosition, UsageUpToNowOnlyInTheCurrentPeriod) {
  api::Budget b = MakeBudget(api::BudgetPeriod::Daily);
  const int64_t t0 = 1796547600;                       // 09:00Z
  EXPECT_EQ(PositionAt(b, t0).usage.cost, Decimal());  // nothing recorded yet
  EXPECT_EQ(PositionAt(b, t0).remainingSeconds, 15 * 3600);
  b.status = AccountBudget({b, BudgetRate{D("2"), 0, 0}, 1, 0, t0}).status;
  // An hour after the last step: the hour at the recorded rate counts.
  EXPECT_EQ(PositionAt(b, t0 + 3600).usage.cost, D("2"));
  // The next day, the old usage no longer counts.
  EXPECT_EQ(PositionAt(b, t0 + 86400).usage.cost, Decimal());
}

}  // namespace
}  // namespace hybridai
