// Token bucket with reservations: Acquire takes its token up front (possibly driving the count
// negative) and sleeps until the refill covers it, so concurrent callers never over-admit.
#include "runtime/client_rate_limiter.h"

#include <algorithm>
#include <chrono>

namespace hybridai::runtime {

ClientRateLimiter::ClientRateLimiter(double qps, int burst, Clock& clock)
    : qps_(qps), burst_(std::max(burst, 1)), clock_(clock), tokens_(burst_), last_(clock.Now()) {}

void ClientRateLimiter::RefillLocked(Clock::TimePoint now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min<double>(burst_, tokens_ + elapsed * qps_);
  last_ = now;
}

void ClientRateLimiter::Acquire() {
  if (qps_ <= 0) return;
  Clock::TimePoint wakeAt;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = clock_.Now();
    RefillLocked(now);
    tokens_ -= 1;
    if (tokens_ >= 0) return;
    wakeAt = now + std::chrono::duration_cast<Clock::Duration>(
                       std::chrono::duration<double>(-tokens_ / qps_));
  }
  clock_.SleepUntil(wakeAt, std::stop_token());
}

bool ClientRateLimiter::TryAcquire() {
  if (qps_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  RefillLocked(clock_.Now());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace hybridai::runtime
