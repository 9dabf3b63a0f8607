// The real clock: steady_clock for deadlines, system_clock for timestamps written to the API.
// Stateless apart from a condition variable used only to wake sleepers on stop; thread-safe.
#include "runtime/clock.h"

namespace hybridai::runtime {

namespace {

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
  bool SleepUntil(TimePoint deadline, std::stop_token stop) override {
    if (stop.stop_requested()) return false;
    // A private mutex per call: the only thing that wakes this sleeper early is its own stop
    // token, whose callback condition_variable_any registers for us.
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait_until(lock, stop, deadline, [] { return false; });
    return !stop.stop_requested();
  }
};

}  // namespace

Clock& RealClock() {
  static SystemClock clock;
  return clock;
}

}  // namespace hybridai::runtime
