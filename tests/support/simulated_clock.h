// A Clock whose time moves only when a test says so, so backoff, delayed requeues and lease
// expiry are tested without sleeping. Sleepers block until Advance() passes their deadline or
// their stop token fires. Thread-safe: tests advance time while runtime threads sleep on it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "runtime/clock.h"

namespace hybridai::testing {

class SimulatedClock final : public runtime::Clock {
 public:
  // Monotonic time starts at an arbitrary non-zero point; wall time at 2025-01-01T00:00:00Z.
  SimulatedClock();
  SimulatedClock(TimePoint start, std::chrono::system_clock::time_point wallStart);

  TimePoint Now() const override;
  std::chrono::system_clock::time_point WallNow() const override;
  bool SleepUntil(TimePoint deadline, std::stop_token stop) override;

  // Moves both clocks forward and wakes every sleeper whose deadline has passed.
  void Advance(Duration d);
  // Moves to `t` (no-op when `t` is in the past).
  void AdvanceTo(TimePoint t);
  // Advances to the earliest deadline among current sleepers; false when nobody sleeps.
  bool AdvanceToNextDeadline();

  // Threads currently blocked in SleepUntil.
  std::size_t Sleepers() const;
  // Earliest deadline among current sleepers.
  std::optional<TimePoint> NextDeadline() const;
  // Blocks (in real time) until at least `n` threads sleep on this clock. The real-time limit is
  // a hang guard for a broken test, not a timing assertion: returns false when it expires.
  bool WaitForSleepers(std::size_t n,
                       std::chrono::milliseconds realLimit = std::chrono::seconds(20)) const;

 private:
  void AdvanceLocked(Duration d);

  mutable std::mutex mu_;
  mutable std::condition_variable_any cv_;  // signalled on every time or sleeper change
  TimePoint now_;
  std::chrono::system_clock::time_point wallNow_;
  std::vector<TimePoint> deadlines_;  // one per current sleeper (a multiset, small)
};

}  // namespace hybridai::testing
