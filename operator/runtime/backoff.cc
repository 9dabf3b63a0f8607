// Exponential backoff; see backoff.h.
#include "runtime/backoff.h"

#include <algorithm>

namespace hybridai::runtime {

BackoffPolicy WatchBackoffPolicy() {
  BackoffPolicy p;
  p.initial = std::chrono::milliseconds(800);
  p.max = std::chrono::seconds(30);
  p.factor = 2.0;
  p.jitter = 1.0;
  p.resetAfter = std::chrono::minutes(2);
  return p;
}

Backoff::Backoff(BackoffPolicy policy, Clock& clock, uint64_t seed)
    : policy_(policy), clock_(clock), rng_(seed) {
  if (policy_.initial <= Clock::Duration::zero()) policy_.initial = std::chrono::milliseconds(1);
  if (policy_.max < policy_.initial) policy_.max = policy_.initial;
  if (policy_.factor < 1.0) policy_.factor = 1.0;
  if (policy_.jitter < 0.0) policy_.jitter = 0.0;
}

Clock::Duration Backoff::Next() {
  Clock::TimePoint now = clock_.Now();
  if (attempts_ > 0 && policy_.resetAfter > Clock::Duration::zero() &&
      now - lastCall_ >= policy_.resetAfter) {
    Reset();
  }
  lastCall_ = now;
  if (attempts_ == 0) {
    current_ = policy_.initial;
  } else {
    double next = static_cast<double>(current_.count()) * policy_.factor;
    double cap = static_cast<double>(policy_.max.count());
    current_ = Clock::Duration(static_cast<Clock::Duration::rep>(std::min(next, cap)));
  }
  ++attempts_;
  Clock::Duration delay = current_;
  if (policy_.jitter > 0.0) {
    std::uniform_real_distribution<double> dist(0.0, policy_.jitter);
    delay += Clock::Duration(
        static_cast<Clock::Duration::rep>(static_cast<double>(current_.count()) * dist(rng_)));
  }
  return delay;
}

void Backoff::Reset() {
  attempts_ = 0;
  current_ = Clock::Duration::zero();
}

}  // namespace hybridai::runtime
