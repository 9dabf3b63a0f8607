// The one RFC 3339 parser (core/rfc3339.h) over its whole four-digit range, and the runtime's
// conversion of ExecCredential expiry times, which saturates past what system_clock holds.
#include "core/rfc3339.h"

#include <chrono>

#include <gtest/gtest.h>

#include "runtime/exec_credential.h"

namespace hybridai {
namespace {

using std::chrono::system_clock;

TEST(Rfc3339, ParsesTheWholeFourDigitRange) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59Z"), 253402300799);
  EXPECT_EQ(ParseRfc3339("0000-01-01T00:00:00Z"), -62167219200);
  EXPECT_EQ(ParseRfc3339("1600-03-01T00:00:00Z"), -11670912000);
  EXPECT_EQ(ParseRfc3339("2030-05-06T07:08:09.123+02:00"), ParseRfc3339("2030-05-06T05:08:09Z"));
}

TEST(Rfc3339, RejectsMalformedYearsAndFields) {
  EXPECT_FALSE(ParseRfc3339("999-12-31T23:59:59Z"));  // three-digit year
  EXPECT_FALSE(ParseRfc3339("+999-12-31T23:59:59Z"));
  EXPECT_FALSE(ParseRfc3339("10000-01-01T00:00:00Z"));  // five digits
  EXPECT_FALSE(ParseRfc3339(" 999-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2025-02-30T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2025-01-01T24:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2025-01-01T00:00:00+24:00"));
  EXPECT_FALSE(ParseRfc3339("2025-01-01T00:00:00+01:60"));
  EXPECT_FALSE(ParseRfc3339("2025-01-01T00:00:00"));
  EXPECT_FALSE(ParseRfc3339("2025-01-01T00:00:00Zjunk"));
}

TEST(Rfc3339, FormattingClampsToFourDigitYears) {
  EXPECT_EQ(FormatRfc3339(253402300799), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(INT64_MAX), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(INT64_MIN), "0000-01-01T00:00:00Z");
}

TEST(Rfc3339, NeverExpiresStaysInTheFuture) {
  // The usual "never expires" used to wrap to the past, so the plugin ran on every request.
  const auto never = runtime::Rfc3339ToTimePoint("9999-12-31T23:59:59Z");
  ASSERT_TRUE(never);
  EXPECT_EQ(*never, system_clock::time_point::max());
  EXPECT_GT(*never, system_clock::now() + std::chrono::hours(24 * 365 * 100));
  EXPECT_EQ(runtime::Rfc3339ToTimePoint("1600-01-01T00:00:00Z"), system_clock::time_point::min());
  EXPECT_EQ(runtime::Rfc3339ToTimePoint("2262-01-01T00:00:00Z")->time_since_epoch(),
            std::chrono::seconds(*ParseRfc3339("2262-01-01T00:00:00Z")));
  EXPECT_FALSE(runtime::Rfc3339ToTimePoint("999-01-01T00:00:00Z"));

  auto cred = runtime::ParseExecCredential(
      R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",
          "status":{"token":"t","expirationTimestamp":"9999-12-31T23:59:59Z"}})",
      "client.authentication.k8s.io/v1");
  ASSERT_TRUE(cred.ok()) << cred.error().message;
  ASSERT_TRUE(cred.value().expiration);
  EXPECT_GT(*cred.value().expiration, system_clock::now());
}

}  // namespace
}  // namespace hybridai
