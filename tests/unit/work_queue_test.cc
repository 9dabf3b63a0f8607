// WorkQueue semantics: dedup, one-at-a-time per key, dirty requeue, rate-limited and delayed
// adds on simulated time, shutdown and drain, metrics hooks.
#include "runtime/work_queue.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "support/simulated_clock.h"

namespace hybridai::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::SimulatedClock;

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  SimulatedClock clock;
  WorkQueue q("t", clock);
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueue, KeyAddedWhileProcessingIsRequeuedAfterDone) {
  SimulatedClock clock;
  WorkQueue q("t", clock);
  q.Add("a");
  ASSERT_EQ(q.Get(), "a");
  q.Add("a");  // dirty: must not be handed to a second worker now
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u);
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);
  ASSERT_EQ(q.Get(), "a");
  q.Done("a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueue, NeverHandsOneKeyToTwoWorkersAtOnce) {
  SimulatedClock clock;
  WorkQueue q("t", clock);
  std::atomic<int> inFlight{0}, maxInFlight{0}, processed{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&] {
      while (auto k = q.Get()) {
        int now = ++inFlight;
        int prev = maxInFlight.load();
        while (now > prev && !maxInFlight.compare_exchange_weak(prev, now)) {
        }
        std::this_thread::yield();
        --inFlight;
        ++processed;
        q.Done(*k);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) q.Add("same");
  q.ShutDownWithDrain();
  for (auto& w : workers) w.join();
  EXPECT_EQ(maxInFlight.load(), 1);
  EXPECT_GE(processed.load(), 1);
  EXPECT_LE(processed.load(), 2000);
}

TEST(WorkQueue, AddAfterWaitsForTheClock) {
  SimulatedClock clock;
  WorkQueue q("t", clock);
  q.AddAfter("late", seconds(10));
  q.AddAfter("early", seconds(2));
  EXPECT_EQ(q.DelayedLen(), 2u);
  ASSERT_TRUE(clock.WaitForSleepers(1));
  EXPECT_EQ(clock.NextDeadline(), clock.Now() + seconds(2));
  clock.Advance(seconds(2));
  EXPECT_EQ(q.Get(), "early");
  EXPECT_EQ(q.Len(), 0u);
  ASSERT_TRUE(clock.WaitForSleepers(1));
  clock.Advance(seconds(8));
  EXPECT_EQ(q.Get(), "late");
}

TEST(WorkQueue, AddAfterKeepsTheEarliestDeadline) {
  SimulatedClock clock;
  WorkQueue q("t", clock);
  q.AddAfter("k", seconds(30));
  q.AddAfter("k", seconds(5));
  q.AddAfter("k", seconds(60));
  EXPECT_EQ(q.DelayedLen(), 1u);
  ASSERT_TRUE(clock.WaitForSleepers(1));
  // The loop may first have slept for 30 s and been woken: wait until it sleeps for 5 s.
  while (clock.NextDeadline() != clock.Now() + seconds(5)) std::this_thread::yield();
  clock.Advance(seconds(5));
  EXPECT_EQ(q.Get(), "k");
  EXPECT_EQ(q.DelayedLen(), 0u);
}

TEST(WorkQueue, ZeroDelayAddsAtOnce) {
  SimulatedClock clock;
  WorkQueue q("t", clock);
  q.AddAfter("k", seconds(0));
  EXPECT_EQ(q.Len(), 1u);
}

TEST(WorkQueue, RateLimitedAddsBackOffPerKeyUntilForgotten) {
  SimulatedClock clock;
  WorkQueue q("t", clock,
              std::make_unique<ItemExponentialRateLimiter>(milliseconds(5), seconds(1000)));
  q.AddRateLimited("k");
  EXPECT_EQ(q.NumRequeues("k"), 1);
  ASSERT_TRUE(clock.WaitForSleepers(1));
  EXPECT_EQ(clock.NextDeadline(), clock.Now() + milliseconds(5));
  clock.Advance(milliseconds(5));
  ASSERT_EQ(q.Get(), "k");
  q.Done("k");
  q.AddRateLimited("k");
  EXPECT_EQ(q.NumRequeues("k"), 2);
  ASSERT_TRUE(clock.WaitForSleepers(1));
  EXPECT_EQ(clock.NextDeadline(), clock.Now() + milliseconds(10));
  q.Forget("k");
  EXPECT_EQ(q.NumRequeues("k"), 0);
}

TEST(WorkQueue, ShutDownReleasesBlockedWorkersAndRefusesNewKeys) {
  SimulatedClock clock;
  WorkQueue q("t", clock);
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = q.Get(); });
  q.ShutDown();
  worker.join();
  EXPECT_FALSE(got.has_value());
  q.Add("x");
  q.AddAfter("y", seconds(1));
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.DelayedLen(), 0u);
  EXPECT_TRUE(q.ShuttingDown());
}

TEST(WorkQueue, ShutDownStillHandsOutWhatWasQueued) {
  SimulatedClock clock;
  WorkQueue q("t", clock);
  q.Add("a");
  q.Add("b");
  q.ShutDown();
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
  EXPECT_EQ(q.Get(), std::nullopt);
}

TEST(WorkQueue, ShutDownWithDrainWaitsForInFlightWork) {
  SimulatedClock clock;
  WorkQueue q("t", clock);
  q.Add("a");
  ASSERT_EQ(q.Get(), "a");
  std::atomic<bool> drained{false};
  std::thread stopper([&] {
    q.ShutDownWithDrain();
    drained = true;
  });
  // The drain cannot finish while "a" is in flight; Done releases it.
  while (!q.ShuttingDown()) std::this_thread::yield();
  EXPECT_FALSE(drained.load());
  q.Done("a");
  stopper.join();
  EXPECT_TRUE(drained.load());
}

TEST(WorkQueue, DoneOfAnUnknownKeyIsHarmless) {
  SimulatedClock clock;
  WorkQueue q("t", clock);
  q.Done("never-handed-out");
  q.Add("a");
  EXPECT_EQ(q.Get(), "a");
}

TEST(WorkQueue, HooksReportDepthAddsRetriesAndDurations) {
  SimulatedClock clock;
  std::vector<std::size_t> depths;
  int adds = 0, retries = 0;
  std::vector<double> latencies, durations;
  WorkQueueHooks hooks;
  hooks.depth = [&](std::size_t d) { depths.push_back(d); };
  hooks.add = [&] { ++adds; };
  hooks.retry = [&] { ++retries; };
  hooks.queueLatency = [&](double s) { latencies.push_back(s); };
  hooks.workDuration = [&](double s) { durations.push_back(s); };
  WorkQueue q("t", clock, nullptr, hooks);
  q.Add("a");
  q.Add("a");
  q.Add("b");
  EXPECT_EQ(adds, 2);
  EXPECT_EQ(depths.back(), 2u);
  clock.Advance(seconds(3));
  ASSERT_EQ(q.Get(), "a");
  EXPECT_EQ(depths.back(), 1u);
  ASSERT_EQ(latencies.size(), 1u);
  EXPECT_DOUBLE_EQ(latencies[0], 3.0);
  clock.Advance(seconds(2));
  q.Done("a");
  ASSERT_EQ(durations.size(), 1u);
  EXPECT_DOUBLE_EQ(durations[0], 2.0);
  q.AddRateLimited("a");
  EXPECT_EQ(retries, 1);
}

}  // namespace
}  // namespace hybridai::runtime
