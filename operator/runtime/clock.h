// The clock every time-dependent piece of the runtime takes as a constructor argument, so that
// backoff, lease expiry and failover grace periods are tested with simulated time, never sleeps.
// Implementations are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace hybridai::runtime {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  // Monotonic time: for deadlines, backoff and lease expiry.
  virtual TimePoint Now() const = 0;
  // Wall time: for timestamps written to the API (lastTransitionTime, renewTime).
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
  // Blocks until `deadline` or until `stop` is requested; returns false when stopped.
  virtual bool SleepUntil(TimePoint deadline, std::stop_token stop) = 0;
  bool SleepFor(Duration d, std::stop_token stop) { return SleepUntil(Now() + d, stop); }
};

// The real clock. Shared singleton: it has no state.
Clock& RealClock();

}  // namespace hybridai::runtime
