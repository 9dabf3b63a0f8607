// The client's token bucket on simulated time: burst admitted at once, then qps.
#include "runtime/client_rate_limiter.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "support/simulated_clock.h"

namespace hybridai::runtime {
namespace {

using std::chrono::milliseconds;

TEST(ClientRateLimiterTest, BurstThenRefillAtQps) {
  testing::SimulatedClock clock;
  ClientRateLimiter limiter(10, 3, clock);
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_FALSE(limiter.TryAcquire());
  clock.Advance(milliseconds(99));
  EXPECT_FALSE(limiter.TryAcquire());
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(limiter.TryAcquire());
  // Refill never exceeds the burst.
  clock.Advance(std::chrono::seconds(60));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.TryAcquire()) << i;
  EXPECT_FALSE(limiter.TryAcquire());
}

TEST(ClientRateLimiterTest, AcquireSleepsUntilTokenAvailable) {
  testing::SimulatedClock clock;
  ClientRateLimiter limiter(2, 1, clock);
  limiter.Acquire();  // the burst token: no sleep
  std::atomic<bool> done{false};
  std::thread t([&] {
    limiter.Acquire();
    done = true;
  });
  ASSERT_TRUE(clock.WaitForSleepers(1));
  EXPECT_FALSE(done.load());
  // A 2 qps refill makes the next token available 500 ms later.
  auto deadline = clock.NextDeadline();
  ASSERT_TRUE(deadline.has_value());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(*deadline - clock.Now()).count(), 500);
  clock.Advance(milliseconds(500));
  t.join();
  EXPECT_TRUE(done.load());
}

TEST(ClientRateLimiterTest, ConcurrentWaitersAreSpacedOut) {
  testing::SimulatedClock clock;
  ClientRateLimiter limiter(10, 1, clock);
  limiter.Acquire();
  std::thread a([&] { limiter.Acquire(); });
  std::thread b([&] { limiter.Acquire(); });
  ASSERT_TRUE(clock.WaitForSleepers(2));
  // The two reservations end 100 ms and 200 ms from now.
  auto first = clock.NextDeadline();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(*first - clock.Now()).count(), 100);
  clock.Advance(milliseconds(200));
  a.join();
  b.join();
}

TEST(ClientRateLimiterTest, ZeroQpsDisablesThrottling) {
  testing::SimulatedClock clock;
  ClientRateLimiter limiter(0, 1, clock);
  for (int i = 0; i < 1000; ++i) limiter.Acquire();
  EXPECT_TRUE(limiter.TryAcquire());
}

}  // namespace
}  // namespace hybridai::runtime
