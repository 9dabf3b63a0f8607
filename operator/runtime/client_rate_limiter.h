// The client-side request throttle of one API client: a token bucket (qps refill, burst
// capacity) like client-go's default (there qps 5 / burst 10; ours defaults to 50 / 100).
// Thread-safe: every worker of a cluster shares its client's limiter.
#pragma once

#include <mutex>

#include "runtime/clock.h"

namespace hybridai::runtime {

class ClientRateLimiter {
 public:
  // qps <= 0 turns throttling off.
  ClientRateLimiter(double qps, int burst, Clock& clock = RealClock());

  // Takes one token, sleeping on the clock until it is available. Callers reserve in arrival
  // order: a burst of waiters is spread over time instead of waking together.
  void Acquire();
  // Takes a token only if one is available now.
  bool TryAcquire();

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  void RefillLocked(Clock::TimePoint now);

  const double qps_;
  const int burst_;
  Clock& clock_;
  std::mutex mu_;
  double tokens_;  // may go negative: tokens reserved by sleeping callers
  Clock::TimePoint last_;
};

}  // namespace hybridai::runtime
