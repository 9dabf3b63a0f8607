// Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics: update with
// resourceVersion, expiry judged on the local monotonic clock from when the record last changed,
// a leader that cannot renew within renewDeadline stops. Thread-safe: Run() on one thread,
// the observers from any.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <random>
#include <stop_token>
#include <string>

#include "runtime/api_client.h"
#include "runtime/clock.h"

namespace hybridai::runtime {

class MetricsRegistry;
class Gauge;

struct LeaderElectionConfig {
  std::string leaseNamespace;
  std::string leaseName;
  std::string identity;  // unique per candidate, e.g. "<hostname>_<random>"
  Clock::Duration leaseDuration = std::chrono::seconds(15);
  Clock::Duration renewDeadline = std::chrono::seconds(10);
  Clock::Duration retryPeriod = std::chrono::seconds(2);
  // Waits between acquire attempts are retryPeriod * (1 + jitter * U[0,1)), so candidates that
  // start together do not hit the apiserver in lockstep. 0 for exact periods.
  double acquireJitter = 1.2;
  // On a graceful stop, give the lease up (holderIdentity "", leaseDurationSeconds 1) so a
  // successor takes over at once instead of waiting out leaseDuration.
  bool releaseOnCancel = true;

  // Empty when usable; otherwise what is wrong, naming the field.
  [[nodiscard]] std::string Validate() const;
};

struct LeaderCallbacks {
  // Runs on its own thread once the lease is acquired; must return soon after `stop` fires
  // (leadership lost or shutdown). Typically starts the controllers and waits on `stop`.
  std::function<void(std::stop_token stop)> onStartedLeading;
  // Called once after leading ends. When leadership was lost it is called right after `stop`
  // fires and before waiting for onStartedLeading to return, so the operator can exit at once;
  // on a graceful stop it is called after onStartedLeading returned and the lease was released.
  std::function<void()> onStoppedLeading;
  // A different holder was observed (ourselves included). Called on the election thread: keep
  // it quick. Not called for an empty (released) lease.
  std::function<void(const std::string& identity)> onNewLeader;
};

class LeaderElector {
 public:
  // `metrics` (optional) gets leader_election_master_status{name=<leaseName>}.
  LeaderElector(ApiClient& api, Clock& clock, LeaderElectionConfig config,
                LeaderCallbacks callbacks, MetricsRegistry* metrics = nullptr);
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Campaigns until the lease is acquired, leads until `stop` is requested or a renewal fails
  // for renewDeadline, then returns. Blocks; call it once. Returns true when it ended because
  // leadership was lost (the operator should exit), false on a stop request.
  bool Run(std::stop_token stop);

  // One attempt to acquire or renew, as Run() makes every retryPeriod; true when we hold the
  // lease afterwards. Public for tests and tools; not concurrently with Run().
  bool TryAcquireOrRenew();
  // Gives the lease up when we hold it. True when released or not ours to release.
  bool Release();

  // We were the holder at the last successful acquire or renew.
  bool IsLeader() const;
  // The holder last observed ("" when none).
  std::string Leader() const;
  // Leadership is settled: we lead, or another live holder has been observed. For /readyz.
  bool Settled() const;
  const LeaderElectionConfig& config() const { return config_; }

 private:
  // Records the lease spec seen at local time `now`; the expiry clock restarts on any change.
  void Observe(const json& spec, Clock::TimePoint now);
  json NewSpec(const std::string& holder, int64_t durationSeconds, const std::string& acquireTime,
               const std::string& renewTime, int64_t transitions) const;
  void SetLeading(bool leading);
  std::string LeaseRef() const;

  ApiClient& api_;
  Clock& clock_;
  const LeaderElectionConfig config_;
  const LeaderCallbacks callbacks_;
  Gauge* masterStatus_ = nullptr;
  std::mt19937 rng_;  // election thread only

  mutable std::mutex mu_;
  json observedSpec_;                // the last lease spec seen
  Clock::TimePoint observedTime_{};  // local time it was first seen
  bool observed_ = false;
  std::string reportedLeader_;
};

// metav1.MicroTime: "2025-01-01T00:00:00.000000Z".
std::string FormatMicroTime(std::chrono::system_clock::time_point t);

}  // namespace hybridai::runtime
