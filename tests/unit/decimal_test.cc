// Decimal: exact parsing, formatting, rounding and saturating arithmetic.
#include "core/decimal.h"

#include <gtest/gtest.h>

namespace hybridai {
namespace {

Decimal D(std::string_view s) {
  auto d = Decimal::Parse(s, /*allow_negative=*/true);
  EXPECT_TRUE(d.has_value()) << s;
  return d.value_or(Decimal());
}

TEST(DecimalTest, ParsesExactly) {
  EXPECT_EQ(Decimal::Parse("4.10")->units(), 4'100'000);
  EXPECT_EQ(Decimal::Parse("12")->units(), 12'000'000);
  EXPECT_EQ(Decimal::Parse("0.000001")->units(), 1);
  EXPECT_EQ(Decimal::Parse("0")->units(), 0);
  EXPECT_EQ(Decimal::Parse("-1.5", true)->units(), -1'500'000);
}

TEST(DecimalTest, RejectsMalformed) {
  for (const char* bad : {"", ".", "4.", ".5", "1e3", "4,10", " 4", "4 ", "+4", "0x10", "1.2.3",
                          "0.0000001", "abc", "-", "--1", "1-"}) {
    EXPECT_FALSE(Decimal::Parse(bad, true).has_value()) << bad;
  }
  EXPECT_FALSE(Decimal::Parse("-1").has_value()) << "negative needs allow_negative";
}

TEST(DecimalTest, RejectsOutOfRange) {
  // The largest representable value is 9223372036854.775807.
  EXPECT_EQ(Decimal::Parse("9223372036854.775807")->units(), INT64_MAX);
  EXPECT_FALSE(Decimal::Parse("9223372036854.775808").has_value());
  EXPECT_FALSE(Decimal::Parse("99999999999999999999999999999999").has_value());
  EXPECT_EQ(Decimal::Parse("-9223372036854.775808", true)->units(), INT64_MIN);
}

TEST(DecimalTest, FormatsShortestWithMinimumDigits) {
  EXPECT_EQ(D("8.2").ToString(2), "8.20");
  EXPECT_EQ(D("1.2").ToString(), "1.2");
  EXPECT_EQ(D("41.2").ToString(1), "41.2");
  EXPECT_EQ(D("3").ToString(), "3");
  EXPECT_EQ(D("3").ToString(2), "3.00");
  EXPECT_EQ(D("0.000001").ToString(), "0.000001");
  EXPECT_EQ(D("-0.5").ToString(), "-0.5");
  EXPECT_EQ(D("4.123456").ToString(2), "4.123456");
  EXPECT_EQ(D("1").ToString(9), "1.000000");
  EXPECT_EQ(Decimal::Min().ToString(), "-9223372036854.775808");
  EXPECT_EQ(Decimal::Max().ToString(), "9223372036854.775807");
}

TEST(DecimalTest, RoundsHalfAwayFromZero) {
  EXPECT_EQ(D("2.5").RoundToInt(), 3);
  EXPECT_EQ(D("-2.5").RoundToInt(), -3);
  EXPECT_EQ(D("2.499999").RoundToInt(), 2);
  EXPECT_EQ(D("1.005").Round(2), D("1.01"));
  EXPECT_EQ(D("-1.005").Round(2), D("-1.01"));
  EXPECT_EQ(D("1.004999").Round(2), D("1"));
  EXPECT_EQ(D("7.123456").Round(6), D("7.123456"));
  EXPECT_EQ(D("7.5").Round(-3), D("8"));
  EXPECT_EQ(Decimal::Max().Round(0), Decimal::Max()) << "rounding up past the top saturates";
}

TEST(DecimalTest, MultipliesWithRounding) {
  EXPECT_EQ(D("4.10") * D("8"), D("32.8"));
  EXPECT_EQ(D("0.000001") * D("0.5"), D("0.000001"));  // 0.0000005 rounds away from zero
  EXPECT_EQ(D("-0.000001") * D("0.5"), D("-0.000001"));
  EXPECT_EQ(D("0.000001") * D("0.4"), D("0"));
  EXPECT_EQ(D("1.5") * D("-2"), D("-3"));
  EXPECT_EQ(D("4.10") * int64_t{3}, D("12.3"));
}

TEST(DecimalTest, DividesWithRounding) {
  EXPECT_EQ(D("1") / D("3"), D("0.333333"));
  EXPECT_EQ(D("2") / D("3"), D("0.666667"));
  EXPECT_EQ(D("-2") / D("3"), D("-0.666667"));
  EXPECT_EQ(D("10") / D("4"), D("2.5"));
}

TEST(DecimalTest, DivisionByZeroSaturatesInsteadOfTrapping) {
  EXPECT_EQ(D("1") / Decimal(), Decimal::Max());
  EXPECT_EQ(D("-1") / Decimal(), Decimal::Min());
  EXPECT_EQ(Decimal() / Decimal(), Decimal());
}

TEST(DecimalTest, ArithmeticSaturatesOnOverflow) {
  Decimal big = D("9000000000000");
  EXPECT_EQ(big + big, Decimal::Max());
  EXPECT_EQ(D("-9000000000000") - big, Decimal::Min());
  EXPECT_EQ(big * big, Decimal::Max());
  EXPECT_EQ(big * D("-1000"), Decimal::Min());
  EXPECT_EQ(big * int64_t{1000}, Decimal::Max());
  EXPECT_EQ(big * int64_t{-1000}, Decimal::Min());
  EXPECT_EQ(Decimal::FromInt(INT64_MAX), Decimal::Max());
  Decimal acc = Decimal::Max();
  acc += D("1");
  EXPECT_EQ(acc, Decimal::Max());
  EXPECT_EQ(Decimal::Max() / D("0.5"), Decimal::Max());
}

TEST(DecimalTest, ComparesAndAccumulates) {
  EXPECT_LT(D("4.09"), D("4.1"));
  EXPECT_EQ(D("4.10"), D("4.1"));
  Decimal sum;
  for (int i = 0; i < 10; ++i) sum += D("0.1");
  EXPECT_EQ(sum, D("1")) << "no binary floating point drift";
  EXPECT_DOUBLE_EQ(D("1.25").ToDouble(), 1.25);
}

}  // namespace
}  // namespace hybridai
