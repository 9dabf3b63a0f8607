// Backoff: exponential growth, cap, jitter bounds, reset, and reset after a quiet period.
#include "runtime/backoff.h"

#include <gtest/gtest.h>

#include "support/simulated_clock.h"

namespace hybridai::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::SimulatedClock;

BackoffPolicy Exact() {
  BackoffPolicy p = WatchBackoffPolicy();
  p.jitter = 0.0;
  return p;
}

TEST(Backoff, WatchPolicyDoublesFrom800msTo30s) {
  SimulatedClock clock;
  Backoff b(Exact(), clock);
  std::vector<Clock::Duration> got;
  for (int i = 0; i < 8; ++i) got.push_back(b.Next());
  std::vector<Clock::Duration> want = {milliseconds(800),  milliseconds(1600),  milliseconds(3200),
                                       milliseconds(6400), milliseconds(12800), milliseconds(25600),
                                       seconds(30),        seconds(30)};
  EXPECT_EQ(got, want);
  EXPECT_EQ(b.Attempts(), 8);
}

TEST(Backoff, ResetStartsOver) {
  SimulatedClock clock;
  Backoff b(Exact(), clock);
  b.Next();
  b.Next();
  b.Reset();
  EXPECT_EQ(b.Attempts(), 0);
  EXPECT_EQ(b.Next(), milliseconds(800));
}

TEST(Backoff, QuietPeriodResetsTheSequence) {
  SimulatedClock clock;
  Backoff b(Exact(), clock);
  b.Next();
  b.Next();
  clock.Advance(seconds(119));
  EXPECT_EQ(b.Next(), milliseconds(3200));  // still within the reset window
  clock.Advance(seconds(120));
  EXPECT_EQ(b.Next(), milliseconds(800));
}

TEST(Backoff, JitterStaysWithinItsFraction) {
  SimulatedClock clock;
  BackoffPolicy p = WatchBackoffPolicy();  // jitter 1.0: [d, 2d]
  p.resetAfter = Clock::Duration::zero();
  Backoff b(p, clock, 42);
  Clock::Duration base = milliseconds(800);
  bool varied = false;
  Clock::Duration first{};
  for (int i = 0; i < 10; ++i) {
    Clock::Duration d = b.Next();
    EXPECT_GE(d, base);
    EXPECT_LE(d, 2 * base);
    if (i == 0) first = d;
    if (i > 0 && d != first) varied = true;
    base = std::min<Clock::Duration>(base * 2, seconds(30));
  }
  EXPECT_TRUE(varied);
}

TEST(Backoff, SameSeedSameSequence) {
  SimulatedClock clock;
  Backoff a(WatchBackoffPolicy(), clock, 7), b(WatchBackoffPolicy(), clock, 7);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.Next(), b.Next());
}

TEST(Backoff, NonsensePolicyIsClampedNotTrusted) {
  SimulatedClock clock;
  BackoffPolicy p;
  p.initial = Clock::Duration::zero();
  p.max = Clock::Duration::zero();
  p.factor = 0.5;
  p.jitter = -1;
  Backoff b(p, clock);
  EXPECT_EQ(b.Next(), milliseconds(1));
  EXPECT_EQ(b.Next(), milliseconds(1));
}

}  // namespace
}  // namespace hybridai::runtime
