// Lenient JSON reads: absent, null and wrongly typed fields are empty, never an exception.
#include "core/lenient_json.h"

#include <gtest/gtest.h>

namespace hybridai::lenient {
namespace {

using nlohmann::json;

TEST(LenientJson, FieldOfAnythingButAnObjectIsNull) {
  const json o = {{"a", {{"b", 3}}}};
  EXPECT_EQ(Field(Field(o, "a"), "b"), 3);
  EXPECT_TRUE(Field(o, "missing").is_null());
  EXPECT_TRUE(Field(Field(o, "missing"), "b").is_null());
  EXPECT_TRUE(Field(json::array({1, 2}), "a").is_null());
  EXPECT_TRUE(Field(json("text"), "a").is_null());
  EXPECT_TRUE(Field(json(), "a").is_null());
}

TEST(LenientJson, StrReadsStringsOnly) {
  EXPECT_EQ(Str(json("x")), "x");
  EXPECT_EQ(Str(json(1)), "");
  EXPECT_EQ(Str(json()), "");
  EXPECT_EQ(Str(json::object()), "");
}

TEST(LenientJson, DecIsExactFromDecimalStringsAndIntegers) {
  EXPECT_EQ(Dec(json("4.10")).ToString(2), "4.10");
  EXPECT_EQ(Dec(json(7)).ToString(2), "7.00");
  EXPECT_EQ(Dec(json(2.5)).ToString(2), "0.00");  // no float ever becomes money
  EXPECT_EQ(Dec(json("not a number")).ToString(2), "0.00");
  EXPECT_EQ(Dec(json()).ToString(2), "0.00");
  // Too large for Decimal: saturates, never wraps negative.
  EXPECT_EQ(Dec(json(UINT64_MAX)), Decimal::Max());
}

TEST(LenientJson, NumberReadsDecimalStringsAndAnyNumber) {
  EXPECT_DOUBLE_EQ(Number(json("4.10")), 4.1);
  EXPECT_DOUBLE_EQ(Number(json(3)), 3);
  EXPECT_DOUBLE_EQ(Number(json(2.5)), 2.5);
  EXPECT_DOUBLE_EQ(Number(json("1e3")), 0);
  EXPECT_DOUBLE_EQ(Number(json(true)), 0);
  EXPECT_DOUBLE_EQ(Number(json()), 0);
}

TEST(LenientJson, IntReadsIntegersAndSaturates) {
  EXPECT_EQ(Int(json(-3)), -3);
  EXPECT_EQ(Int(json(UINT64_MAX)), INT64_MAX);
  EXPECT_EQ(Int(json(2.5)), 0);
  EXPECT_EQ(Int(json("3")), 0);
  EXPECT_EQ(Int(json()), 0);
}

}  // namespace
}  // namespace hybridai::lenient
