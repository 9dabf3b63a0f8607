// Exponential backoff for retry loops (watch errors, relists): initial * factor^n capped at max,
// with optional jitter, reset after a quiet period. One instance per retry loop; not
// thread-safe (each loop owns its own).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "runtime/clock.h"

namespace hybridai::runtime {

struct BackoffPolicy {
  Clock::Duration initial = std::chrono::milliseconds(800);
  Clock::Duration max = std::chrono::seconds(30);
  double factor = 2.0;
  // Each delay is stretched by a uniform fraction in [0, jitter] of itself (client-go's
  // wait.Jitter); 0 gives exact, reproducible delays.
  double jitter = 0.0;
  // After this long without a Next() call the sequence starts again from `initial`
  // (client-go's resetDuration); zero disables it.
  Clock::Duration resetAfter = std::chrono::minutes(2);
};

// client-go's reflector defaults: 800 ms doubling to 30 s, jitter 1.0, reset after 2 min.
BackoffPolicy WatchBackoffPolicy();

class Backoff {
 public:
  Backoff(BackoffPolicy policy, Clock& clock, uint64_t seed = std::random_device{}());

  // The delay to wait before the next attempt; advances the sequence.
  Clock::Duration Next();
  // Back to `initial`: call after a success.
  void Reset();
  // Next() calls since the last reset.
  int Attempts() const { return attempts_; }
  const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  Clock& clock_;
  std::mt19937_64 rng_;
  Clock::Duration current_{0};  // the un-jittered delay Next() returned last; 0 = none yet
  Clock::TimePoint lastCall_{};
  int attempts_ = 0;
};

}  // namespace hybridai::runtime
