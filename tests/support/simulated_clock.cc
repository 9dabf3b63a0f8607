// Simulated time for tests; see simulated_clock.h.
#include "simulated_clock.h"

#include <algorithm>

namespace hybridai::testing {

SimulatedClock::SimulatedClock()
    : SimulatedClock(TimePoint{} + std::chrono::hours(1000),
                     std::chrono::system_clock::time_point{} + std::chrono::seconds(1735689600)) {}

SimulatedClock::SimulatedClock(TimePoint start, std::chrono::system_clock::time_point wallStart)
    : now_(start), wallNow_(wallStart) {}

runtime::Clock::TimePoint SimulatedClock::Now() const {
  std::lock_guard lock(mu_);
  return now_;
}

std::chrono::system_clock::time_point SimulatedClock::WallNow() const {
  std::lock_guard lock(mu_);
  return wallNow_;
}

bool SimulatedClock::SleepUntil(TimePoint deadline, std::stop_token stop) {
  std::unique_lock lock(mu_);
  if (stop.stop_requested()) return false;
  if (now_ >= deadline) return true;
  deadlines_.push_back(deadline);
  cv_.notify_all();  // WaitForSleepers watches the sleeper count
  bool reached = cv_.wait(lock, stop, [&] { return now_ >= deadline; });
  deadlines_.erase(std::find(deadlines_.begin(), deadlines_.end(), deadline));
  cv_.notify_all();
  return reached && !stop.stop_requested();
}

void SimulatedClock::Advance(Duration d) {
  std::lock_guard lock(mu_);
  AdvanceLocked(d);
}

void SimulatedClock::AdvanceTo(TimePoint t) {
  std::lock_guard lock(mu_);
  AdvanceLocked(t - now_);
}

void SimulatedClock::AdvanceLocked(Duration d) {
  if (d <= Duration::zero()) return;
  now_ += d;
  wallNow_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  cv_.notify_all();
}

bool SimulatedClock::AdvanceToNextDeadline() {
  auto next = NextDeadline();
  if (!next) return false;
  AdvanceTo(*next);
  return true;
}

std::size_t SimulatedClock::Sleepers() const {
  std::lock_guard lock(mu_);
  return deadlines_.size();
}

std::optional<runtime::Clock::TimePoint> SimulatedClock::NextDeadline() const {
  std::lock_guard lock(mu_);
  if (deadlines_.empty()) return std::nullopt;
  return *std::min_element(deadlines_.begin(), deadlines_.end());
}

bool SimulatedClock::WaitForSleepers(std::size_t n, std::chrono::milliseconds realLimit) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, realLimit, [&] { return deadlines_.size() >= n; });
}

}  // namespace hybridai::testing
