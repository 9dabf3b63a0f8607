// Work-queue rate limiters; see rate_limiter.h.
#include "runtime/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace hybridai::runtime {

ItemExponentialRateLimiter::ItemExponentialRateLimiter(Clock::Duration base, Clock::Duration max)
    : base_(base), max_(max) {}

Clock::Duration ItemExponentialRateLimiter::When(const std::string& item) {
  std::lock_guard lock(mu_);
  int exp = failures_[item]++;
  // Computed in double so a long failure streak saturates at max instead of overflowing.
  double delay = static_cast<double>(base_.count()) * std::pow(2.0, exp);
  if (delay >= static_cast<double>(max_.count())) return max_;
  return Clock::Duration(static_cast<Clock::Duration::rep>(delay));
}

void ItemExponentialRateLimiter::Forget(const std::string& item) {
  std::lock_guard lock(mu_);
  failures_.erase(item);
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& item) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(item);
  return it == failures_.end() ? 0 : it->second;
}

TokenBucketRateLimiter::TokenBucketRateLimiter(Clock& clock, double qps, int burst)
    : clock_(clock),
      qps_(qps > 0 ? qps : 1.0),
      burst_(burst > 0 ? burst : 1),
      tokens_(burst_),
      last_(clock.Now()) {}

Clock::Duration TokenBucketRateLimiter::When(const std::string&) {
  std::lock_guard lock(mu_);
  Clock::TimePoint now = clock_.Now();
  double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  tokens_ -= 1.0;
  if (tokens_ >= 0.0) return Clock::Duration::zero();
  return std::chrono::duration_cast<Clock::Duration>(
      std::chrono::duration<double>(-tokens_ / qps_));
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {}

Clock::Duration MaxOfRateLimiter::When(const std::string& item) {
  Clock::Duration out = Clock::Duration::zero();
  for (auto& l : limiters_) out = std::max(out, l->When(item));
  return out;
}

void MaxOfRateLimiter::Forget(const std::string& item) {
  for (auto& l : limiters_) l->Forget(item);
}

int MaxOfRateLimiter::NumRequeues(const std::string& item) const {
  int out = 0;
  for (const auto& l : limiters_) out = std::max(out, l->NumRequeues(item));
  return out;
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(Clock& clock) {
  std::vector<std::unique_ptr<RateLimiter>> parts;
  parts.push_back(std::make_unique<ItemExponentialRateLimiter>());
  parts.push_back(std::make_unique<TokenBucketRateLimiter>(clock, 10.0, 100));
  return std::make_unique<MaxOfRateLimiter>(std::move(parts));
}

}  // namespace hybridai::runtime
