#include "core/cost_model.h"

#include <gtest/gtest.h>

namespace hybridai {
namespace {

Decimal D(const char* s) {
  return *Decimal::Parse(s);
}

api::MemberCluster Cluster(const char* pue, int64_t carbon) {
  api::MemberCluster c;
  c.metadata.name = "c";
  c.spec.pue = D(pue);
  c.spec.carbonIntensity = carbon;
  return c;
}

api::GPUPool Pool(const char* price, int64_t watts) {
  api::GPUPool p;
  p.metadata.name = "p";
  p.spec.pricing.acceleratorHour = D(price);
  p.spec.power.acceleratorWatts = watts;
  return p;
}

TEST(CostModel, TwoH100sFromTheDesign) {
  const api::MemberCluster c = Cluster("1.2", 300);
  const PlacementCost cost = PlacementCostOf(RatesOf(Pool("4.10", 700), &c), 2);
  EXPECT_EQ(cost.hourlyCost.ToString(2), "8.20");
  EXPECT_EQ(cost.powerWatts, 1680);
  EXPECT_EQ(cost.carbonGramsPerHour, 504);
}

TEST(CostModel, PoolOverridesClusterPueAndCarbon) {
  const api::MemberCluster c = Cluster("1.5", 500);
  api::GPUPool p = Pool("1.00", 1000);
  p.spec.pue = D("1.1");
  p.spec.carbonIntensity = 100;
  const PoolRates r = RatesOf(p, &c);
  EXPECT_EQ(r.pue, D("1.1"));
  EXPECT_EQ(r.carbonIntensity, 100);
  const PlacementCost cost = PlacementCostOf(r, 1);
  EXPECT_EQ(cost.powerWatts, 1100);
  EXPECT_EQ(cost.carbonGramsPerHour, 110);
}

TEST(CostModel, UnknownClusterMeansPueOneAndNoCarbon) {
  const PlacementCost cost = PlacementCostOf(RatesOf(Pool("2.5", 400), nullptr), 3);
  EXPECT_EQ(cost.hourlyCost, D("7.5"));
  EXPECT_EQ(cost.powerWatts, 1200);
  EXPECT_EQ(cost.carbonGramsPerHour, 0);
}

TEST(CostModel, PowerRoundsHalfAwayFromZeroAndCarbonUsesExactPower) {
  // 1 x 333 W x 1.15 = 382.95 W -> 383 W; carbon 382.95 W x 7 g/kWh = 2.68065 g/h -> 3.
  const api::MemberCluster c = Cluster("1.15", 7);
  const PoolRates r = RatesOf(Pool("0", 333), &c);
  EXPECT_EQ(ExactPowerWatts(r, 1), D("382.95"));
  const PlacementCost cost = PlacementCostOf(r, 1);
  EXPECT_EQ(cost.powerWatts, 383);
  EXPECT_EQ(cost.carbonGramsPerHour, 3);
  // 1 x 5 W x 1.1 = 5.5 W -> 6 (half away from zero).
  const api::MemberCluster c2 = Cluster("1.1", 0);
  EXPECT_EQ(PlacementCostOf(RatesOf(Pool("0", 5), &c2), 1).powerWatts, 6);
}

TEST(CostModel, ZeroAcceleratorsCostNothing) {
  const api::MemberCluster c = Cluster("1.2", 300);
  const PlacementCost cost = PlacementCostOf(RatesOf(Pool("4.10", 700), &c), 0);
  EXPECT_EQ(cost.hourlyCost, Decimal());
  EXPECT_EQ(cost.powerWatts, 0);
  EXPECT_EQ(cost.carbonGramsPerHour, 0);
}

TEST(CostModel, AccumulatesExactlyOverADuration) {
  // 8.20/h, 1680 W, 504 g/h over 90 minutes.
  const Accumulation a = Accumulate(D("8.20"), 1680, 504, 5400);
  EXPECT_EQ(a.cost, D("12.3"));
  EXPECT_EQ(a.energyKWh, D("2.52"));
  EXPECT_EQ(a.carbonKg, D("0.756"));
}

TEST(CostModel, AccumulationRoundsOnceAtTheSixthDigit) {
  // 1.00/h for 1 s = 0.000277777... -> 0.000278; 1 W for 1 s = 1/3.6e6 kWh -> 0.000000.
  const Accumulation a = Accumulate(D("1"), 1, 1, 1);
  EXPECT_EQ(a.cost, D("0.000278"));
  EXPECT_EQ(a.energyKWh, Decimal());
  EXPECT_EQ(a.carbonKg, Decimal());
}

TEST(CostModel, AMonthOfAMegawattDoesNotOverflow) {
  const Accumulation a = Accumulate(D("100000"), 1'000'000, 300'000, 31 * 86400);
  EXPECT_EQ(a.energyKWh, Decimal::FromInt(744'000));
  EXPECT_EQ(a.cost, Decimal::FromInt(74'400'000));
  EXPECT_EQ(a.carbonKg, Decimal::FromInt(223'200));
}

TEST(CostModel, HugeWattsPueAndCarbonSaturateInsteadOfWrapping) {
  // 3 x 9e18 W x 1.2 is past int64; without saturation it wrapped to a negative draw.
  const api::MemberCluster c = Cluster("1.2", 300);
  PlacementCost cost = PlacementCostOf(RatesOf(Pool("1", 9'000'000'000'000'000'000), &c), 3);
  EXPECT_EQ(cost.powerWatts, INT64_MAX);
  EXPECT_EQ(cost.carbonGramsPerHour, INT64_MAX);
  // Every factor at its maximum exceeds even 128 bits.
  api::MemberCluster worst = Cluster("1", INT64_MAX);
  worst.spec.pue = Decimal::Max();
  cost = PlacementCostOf(RatesOf(Pool("9000000", INT64_MAX), &worst), int64_t{1} << 40);
  EXPECT_EQ(cost.powerWatts, INT64_MAX);
  EXPECT_EQ(cost.carbonGramsPerHour, INT64_MAX);
  EXPECT_EQ(cost.hourlyCost, Decimal::Max());
  EXPECT_EQ(ExactPowerWatts(RatesOf(Pool("1", INT64_MAX), &worst), 3), Decimal::Max());
}

TEST(CostModel, HugeRatesAccumulateToTheMaximumNotANegative) {
  const Accumulation a = Accumulate(Decimal::Max(), INT64_MAX, INT64_MAX, 30 * 86400);
  EXPECT_EQ(a.cost, Decimal::Max());
  EXPECT_EQ(a.energyKWh, Decimal::Max());
  EXPECT_EQ(a.carbonKg, Decimal::Max());
  BudgetRate rate;
  rate.hourlyCost = Decimal::Max();
  const api::BudgetUsage p = ProjectPeriod(api::BudgetUsage{}, rate, 30 * 86400);
  EXPECT_EQ(p.cost, Decimal::Max());
}

TEST(CostModel, ProjectsTheRestOfThePeriod) {
  api::BudgetUsage soFar;
  soFar.cost = D("100");
  soFar.energyKWh = D("10");
  soFar.carbonKg = D("3");
  soFar.powerWatts = 999;  // replaced by the current rate
  BudgetRate rate{D("2.50"), 2000, 600};
  const api::BudgetUsage p = ProjectPeriod(soFar, rate, 10 * 3600);
  EXPECT_EQ(p.cost, D("125"));
  EXPECT_EQ(p.energyKWh, D("30"));
  EXPECT_EQ(p.carbonKg, D("9"));
  EXPECT_EQ(p.powerWatts, 2000);
  // A negative remaining time (clock past the period end) projects no more than used so far.
  EXPECT_EQ(ProjectPeriod(soFar, rate, -5).cost, D("100"));
}

TEST(CostModel, PeriodWindows) {
  // 2024-02-15T13:00:00Z (a Thursday) = 1708002000.
  const int64_t t = 1708002000;
  const PeriodWindow day = PeriodAt(api::BudgetPeriod::Daily, t);
  EXPECT_EQ(day.start, 1707955200);  // 2024-02-15T00:00Z
  EXPECT_EQ(day.end, 1707955200 + 86400);
  const PeriodWindow week = PeriodAt(api::BudgetPeriod::Weekly, t);
  EXPECT_EQ(week.start, 1707696000);  // Monday 2024-02-12
  EXPECT_EQ(week.end, 1707696000 + 7 * 86400);
  const PeriodWindow month = PeriodAt(api::BudgetPeriod::Monthly, t);
  EXPECT_EQ(month.start, 1706745600);  // 2024-02-01
  EXPECT_EQ(month.end, 1709251200);    // 2024-03-01: a leap February of 29 days
  const PeriodWindow december = PeriodAt(api::BudgetPeriod::Monthly, 1703980800);  // 12-31
  EXPECT_EQ(december.start, 1701388800);                                           // 2023-12-01
  EXPECT_EQ(december.end, 1704067200);                                             // 2024-01-01
  // The start of a period belongs to it.
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Daily, day.start).start, day.start);
  EXPECT_EQ(PeriodAt(api::BudgetPeriod::Weekly, week.start).start, week.start);
}

TEST(CostModel, NominalPeriods) {
  EXPECT_EQ(NominalPeriodSeconds(api::BudgetPeriod::Daily), 86400);
  EXPECT_EQ(NominalPeriodSeconds(api::BudgetPeriod::Weekly), 604800);
  EXPECT_EQ(NominalPeriodSeconds(api::BudgetPeriod::Monthly), 2592000);
}

}  // namespace
}  // namespace hybridai
