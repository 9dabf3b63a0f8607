// How long a work-queue item waits before its next retry: client-go's default controller rate
// limiter is the max of a per-item exponential backoff (5 ms doubling to 1000 s, reset by
// Forget) and an overall token bucket (10 qps, burst 100) that caps retry storms.
// Implementations are thread-safe: the queue calls them from every worker.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/clock.h"

namespace hybridai::runtime {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // The delay before `item` may be processed again; counts as one more failure of it.
  virtual Clock::Duration When(const std::string& item) = 0;
  // The item succeeded: forget its failures.
  virtual void Forget(const std::string& item) = 0;
  // Failures recorded for `item` since the last Forget.
  virtual int NumRequeues(const std::string& item) const = 0;
};

// base * 2^failures, capped at max.
class ItemExponentialRateLimiter final : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Clock::Duration base = std::chrono::milliseconds(5),
                             Clock::Duration max = std::chrono::seconds(1000));
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) const override;

 private:
  const Clock::Duration base_, max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> failures_;
};

// A token bucket refilled at `qps` up to `burst`: each When() reserves one token and returns how
// long until it is available (golang.org/x/time/rate's Reserve().Delay()). Tracks no items.
class TokenBucketRateLimiter final : public RateLimiter {
 public:
  TokenBucketRateLimiter(Clock& clock, double qps = 10.0, int burst = 100);
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) const override { return 0; }

 private:
  Clock& clock_;
  const double qps_;
  const double burst_;
  std::mutex mu_;
  double tokens_;  // may go negative: reservations not yet covered
  Clock::TimePoint last_;
};

// The longest delay of its parts; Forget and NumRequeues go to all (NumRequeues: the maximum).
class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) const override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// client-go's DefaultControllerRateLimiter: max(per-item 5 ms..1000 s, bucket 10 qps / 100).
std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(Clock& clock);

}  // namespace hybridai::runtime
