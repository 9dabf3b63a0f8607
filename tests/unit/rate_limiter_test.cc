// Rate limiters: per-item exponential backoff, the token bucket on simulated time, max-of, and
// client-go's default controller limiter.
#include "runtime/rate_limiter.h"

#include <gtest/gtest.h>

#include "support/simulated_clock.h"

namespace hybridai::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::SimulatedClock;

TEST(ItemExponentialRateLimiter, DoublesPerFailureUpToTheCap) {
  ItemExponentialRateLimiter l(milliseconds(5), seconds(1000));
  EXPECT_EQ(l.When("a"), milliseconds(5));
  EXPECT_EQ(l.When("a"), milliseconds(10));
  EXPECT_EQ(l.When("a"), milliseconds(20));
  EXPECT_EQ(l.When("b"), milliseconds(5));  // per item
  EXPECT_EQ(l.NumRequeues("a"), 3);
  for (int i = 0; i < 100; ++i) l.When("a");  // a long streak saturates, never overflows
  EXPECT_EQ(l.When("a"), seconds(1000));
  l.Forget("a");
  EXPECT_EQ(l.NumRequeues("a"), 0);
  EXPECT_EQ(l.When("a"), milliseconds(5));
}

TEST(ItemExponentialRateLimiter, ReachesTheCapAfterEighteenFailures) {
  ItemExponentialRateLimiter l(milliseconds(5), seconds(1000));
  Clock::Duration last{};
  for (int i = 0; i < 18; ++i) last = l.When("k");
  EXPECT_EQ(last, milliseconds(5) * (1 << 17));  // 655.36 s
  EXPECT_EQ(l.When("k"), seconds(1000));
}

TEST(TokenBucketRateLimiter, BurstIsFreeThenTokensArriveAtQps) {
  SimulatedClock clock;
  TokenBucketRateLimiter l(clock, 10.0, 3);
  EXPECT_EQ(l.When("x"), Clock::Duration::zero());
  EXPECT_EQ(l.When("x"), Clock::Duration::zero());
  EXPECT_EQ(l.When("x"), Clock::Duration::zero());
  EXPECT_EQ(l.When("x"), milliseconds(100));  // reservations queue up
  EXPECT_EQ(l.When("x"), milliseconds(200));
  clock.Advance(seconds(1));  // +10 tokens, capped at the burst of 3, minus 2 reserved
  EXPECT_EQ(l.When("x"), Clock::Duration::zero());
  EXPECT_EQ(l.NumRequeues("x"), 0);
}

TEST(MaxOfRateLimiter, TakesTheLongestDelay) {
  SimulatedClock clock;
  std::vector<std::unique_ptr<RateLimiter>> parts;
  parts.push_back(std::make_unique<ItemExponentialRateLimiter>(milliseconds(5), seconds(1000)));
  parts.push_back(std::make_unique<TokenBucketRateLimiter>(clock, 1.0, 1));
  MaxOfRateLimiter l(std::move(parts));
  EXPECT_EQ(l.When("a"), milliseconds(5));  // bucket had a token
  EXPECT_EQ(l.When("a"), seconds(1));       // bucket empty: 1 s beats 10 ms
  EXPECT_EQ(l.NumRequeues("a"), 2);
  l.Forget("a");
  EXPECT_EQ(l.NumRequeues("a"), 0);
}

TEST(DefaultControllerRateLimiter, MatchesClientGo) {
  SimulatedClock clock;
  auto l = DefaultControllerRateLimiter(clock);
  EXPECT_EQ(l->When("a"), milliseconds(5));
  EXPECT_EQ(l->When("a"), milliseconds(10));
  // 100 distinct keys fail at once: the burst of 100 is spent, the next waits on 10 qps.
  for (int i = 0; i < 98; ++i) l->When("k" + std::to_string(i));
  EXPECT_EQ(l->When("z"), milliseconds(100));
}

}  // namespace
}  // namespace hybridai::runtime
