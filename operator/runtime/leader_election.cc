#include "runtime/leader_election.h"

#include <algorithm>
#include <cstdint>

#include <cstdio>
#include <ctime>
#include <thread>

#include <spdlog/spdlog.h>

#include "runtime/metrics.h"

namespace hybridai::runtime {

namespace {

std::string StringField(const json& spec, const char* key) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The Lease's spec, or an empty object when the server sent something else: its field types
// are not trusted (json::value() throws on a non-object).
json SpecOf(const json& lease) {
  if (!lease.is_object()) return json::object();
  auto it = lease.find("spec");
  return it != lease.end() && it->is_object() ? *it : json::object();
}

// Lease integers are int32 in the API; a larger value from the server is clamped, so that
// adding it to a time point or incrementing it cannot overflow.
int64_t IntField(const json& spec, const char* key) {
  auto it = spec.find(key);
  if (it == spec.end() || !it->is_number_integer()) return 0;
  if (it->is_number_unsigned()) return std::min<uint64_t>(it->get<uint64_t>(), INT32_MAX);
  return std::clamp<int64_t>(it->get<int64_t>(), INT32_MIN, INT32_MAX);
}

int64_t WholeSeconds(Clock::Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return s < 1 ? 1 : s;
}

}  // namespace

std::string FormatMicroTime(std::chrono::system_clock::time_point t) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(frac));
  return out;
}

std::string LeaderElectionConfig::Validate() const {
  using std::chrono::duration_cast;
  if (leaseNamespace.empty()) return "leader election: leaseNamespace: must not be empty";
  if (leaseName.empty()) return "leader election: leaseName: must not be empty";
  if (identity.empty()) return "leader election: identity: must not be empty";
  if (retryPeriod <= Clock::Duration::zero()) return "leader election: retryPeriod: must be > 0";
  if (leaseDuration < std::chrono::seconds(1)) {
    return "leader election: leaseDuration: must be at least 1s (the Lease counts whole seconds)";
  }
  if (leaseDuration <= renewDeadline) {
    return "leader election: leaseDuration must be greater than renewDeadline";
  }
  if (acquireJitter < 0) return "leader election: acquireJitter: must be >= 0";
  // client-go's rule: a leader must get at least one renewal try (with jitter) per deadline.
  if (duration_cast<std::chrono::duration<double>>(renewDeadline).count() <=
      1.2 * duration_cast<std::chrono::duration<double>>(retryPeriod).count()) {
    return "leader election: renewDeadline must be greater than 1.2 * retryPeriod";
  }
  return "";
}

LeaderElector::LeaderElector(ApiClient& api, Clock& clock, LeaderElectionConfig config,
                             LeaderCallbacks callbacks, MetricsRegistry* metrics)
    : api_(api),
      clock_(clock),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      rng_(std::random_device{}()) {
  if (metrics != nullptr) {
    masterStatus_ = &RuntimeMetrics(*metrics).leaderElectionMasterStatus.With({config_.leaseName});
    masterStatus_->Set(0);
  }
}

std::string LeaderElector::LeaseRef() const {
  return config_.leaseNamespace + "/" + config_.leaseName;
}

json LeaderElector::NewSpec(const std::string& holder, int64_t durationSeconds,
                            const std::string& acquireTime, const std::string& renewTime,
                            int64_t transitions) const {
  return json{{"holderIdentity", holder},
              {"leaseDurationSeconds", durationSeconds},
              {"acquireTime", acquireTime},
              {"renewTime", renewTime},
              {"leaseTransitions", transitions}};
}

void LeaderElector::Observe(const json& spec, Clock::TimePoint now) {
  std::string holder = StringField(spec, "holderIdentity");
  bool report = false;
  {
    std::lock_guard lock(mu_);
    if (!observed_ || spec != observedSpec_) {
      observedSpec_ = spec;
      observedTime_ = now;
      observed_ = true;
    }
    if (!holder.empty() && holder != reportedLeader_) {
      reportedLeader_ = holder;
      report = true;
    }
  }
  if (report) {
    spdlog::info("msg=\"new leader observed\" lease={} leader={}", LeaseRef(), holder);
    if (callbacks_.onNewLeader) callbacks_.onNewLeader(holder);
  }
}

bool LeaderElector::TryAcquireOrRenew() {
  const Clock::TimePoint now = clock_.Now();
  const std::string nowText = FormatMicroTime(clock_.WallNow());
  const int64_t ourDuration = WholeSeconds(config_.leaseDuration);

  Result<json> got = api_.Get(kinds::kLease, config_.leaseNamespace, config_.leaseName);
  if (!got.ok()) {
    if (!got.Is(ApiError::Reason::NotFound)) {
      spdlog::warn("msg=\"cannot read lease\" lease={} error=\"{}\"", LeaseRef(),
                   got.error().ToString());
      return false;
    }
    json lease = {
        {"apiVersion", kinds::kLease.ApiVersion()},
        {"kind", kinds::kLease.kind},
        {"metadata", {{"name", config_.leaseName}, {"namespace", config_.leaseNamespace}}},
        {"spec", NewSpec(config_.identity, ourDuration, nowText, nowText, 0)}};
    Result<json> created = api_.Create(kinds::kLease, config_.leaseNamespace, lease);
    if (!created.ok()) {
      spdlog::log(
          created.Is(ApiError::Reason::AlreadyExists) ? spdlog::level::debug : spdlog::level::warn,
          "msg=\"cannot create lease\" lease={} error=\"{}\"", LeaseRef(),
          created.error().ToString());
      return false;
    }
    Observe(SpecOf(created.value()), now);
    return true;
  }

  json lease = std::move(got).value();
  if (!lease.is_object()) {
    spdlog::warn("msg=\"lease is not an object\" lease={}", LeaseRef());
    return false;
  }
  json spec = lease.value("spec", json::object());
  if (!spec.is_object()) spec = json::object();
  Observe(spec, now);

  const std::string holder = StringField(spec, "holderIdentity");
  int64_t theirDuration = IntField(spec, "leaseDurationSeconds");
  if (theirDuration <= 0) theirDuration = ourDuration;
  Clock::TimePoint observedAt;
  {
    std::lock_guard lock(mu_);
    observedAt = observedTime_;
  }
  if (!holder.empty() && holder != config_.identity &&
      observedAt + std::chrono::seconds(theirDuration) > now) {
    return false;  // another candidate holds a lease that has not expired on our clock
  }

  const bool renewing = holder == config_.identity;
  int64_t transitions = IntField(spec, "leaseTransitions");
  std::string acquireTime = StringField(spec, "acquireTime");
  if (!renewing) {
    ++transitions;
    acquireTime = nowText;
  }
  if (acquireTime.empty()) acquireTime = nowText;
  lease["spec"] = NewSpec(config_.identity, ourDuration, acquireTime, nowText, transitions);

  Result<json> updated = api_.Update(kinds::kLease, config_.leaseNamespace, lease);
  if (!updated.ok()) {
    spdlog::log(updated.Is(ApiError::Reason::Conflict) ? spdlog::level::debug : spdlog::level::warn,
                "msg=\"cannot {} lease\" lease={} error=\"{}\"", renewing ? "renew" : "acquire",
                LeaseRef(), updated.error().ToString());
    return false;
  }
  Observe(SpecOf(updated.value()), now);
  if (!renewing) {
    spdlog::info("msg=\"lease acquired\" lease={} identity={} previous={} transitions={}",
                 LeaseRef(), config_.identity, holder.empty() ? "<none>" : holder, transitions);
  }
  return true;
}

bool LeaderElector::Release() {
  if (!IsLeader()) return true;
  Result<json> got = api_.Get(kinds::kLease, config_.leaseNamespace, config_.leaseName);
  if (!got.ok()) {
    spdlog::warn("msg=\"cannot read lease to release it\" lease={} error=\"{}\"", LeaseRef(),
                 got.error().ToString());
    return got.Is(ApiError::Reason::NotFound);
  }
  json lease = std::move(got).value();
  json spec = lease.is_object() ? lease.value("spec", json::object()) : json();
  if (!spec.is_object() || StringField(spec, "holderIdentity") != config_.identity) {
    return true;  // someone else holds it now
  }
  const std::string nowText = FormatMicroTime(clock_.WallNow());
  lease["spec"] = NewSpec("", 1, nowText, nowText, IntField(spec, "leaseTransitions"));
  Result<json> updated = api_.Update(kinds::kLease, config_.leaseNamespace, lease);
  if (!updated.ok()) {
    spdlog::warn("msg=\"cannot release lease\" lease={} error=\"{}\"", LeaseRef(),
                 updated.error().ToString());
    return false;
  }
  Observe(SpecOf(updated.value()), clock_.Now());
  spdlog::info("msg=\"lease released\" lease={} identity={}", LeaseRef(), config_.identity);
  return true;
}

bool LeaderElector::IsLeader() const {
  std::lock_guard lock(mu_);
  return observed_ && StringField(observedSpec_, "holderIdentity") == config_.identity;
}

std::string LeaderElector::Leader() const {
  std::lock_guard lock(mu_);
  return observed_ ? StringField(observedSpec_, "holderIdentity") : std::string();
}

bool LeaderElector::Settled() const {
  const Clock::TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  if (!observed_) return false;
  std::string holder = StringField(observedSpec_, "holderIdentity");
  if (holder.empty()) return false;
  if (holder == config_.identity) return true;
  int64_t d = IntField(observedSpec_, "leaseDurationSeconds");
  if (d <= 0) d = WholeSeconds(config_.leaseDuration);
  return observedTime_ + std::chrono::seconds(d) > now;
}

void LeaderElector::SetLeading(bool leading) {
  if (masterStatus_ != nullptr) masterStatus_->Set(leading ? 1 : 0);
}

bool LeaderElector::Run(std::stop_token stop) {
  spdlog::info("msg=\"campaigning for lease\" lease={} identity={}", LeaseRef(), config_.identity);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (;;) {
    if (stop.stop_requested()) return false;
    if (TryAcquireOrRenew()) break;
    auto wait = std::chrono::duration_cast<Clock::Duration>(
        config_.retryPeriod * (1.0 + config_.acquireJitter * unit(rng_)));
    if (!clock_.SleepFor(wait, stop)) return false;
  }

  spdlog::info("msg=\"started leading\" lease={} identity={}", LeaseRef(), config_.identity);
  SetLeading(true);
  std::stop_source leading;
  std::thread worker;
  if (callbacks_.onStartedLeading) {
    worker =
        std::thread([this, token = leading.get_token()] { callbacks_.onStartedLeading(token); });
  }

  Clock::TimePoint lastRenew = clock_.Now();
  bool lost = false;
  while (!lost) {
    if (!clock_.SleepFor(config_.retryPeriod, stop)) break;  // graceful stop
    if (TryAcquireOrRenew()) {
      lastRenew = clock_.Now();
      continue;
    }
    std::string holder = Leader();
    if (!holder.empty() && holder != config_.identity) {
      spdlog::error("msg=\"leadership lost: another holder took the lease\" lease={} holder={}",
                    LeaseRef(), holder);
      lost = true;
    } else if (clock_.Now() - lastRenew >= config_.renewDeadline) {
      spdlog::error(
          "msg=\"leadership lost: no renewal within renewDeadline\" lease={} "
          "renewDeadline_ms={}",
          LeaseRef(),
          std::chrono::duration_cast<std::chrono::milliseconds>(config_.renewDeadline).count());
      lost = true;
    }
  }

  leading.request_stop();
  SetLeading(false);
  if (lost) {
    {
      std::lock_guard lock(mu_);
      observed_ = false;  // IsLeader() must not answer from a record we could not renew
    }
    if (callbacks_.onStoppedLeading) callbacks_.onStoppedLeading();
    if (worker.joinable()) worker.join();
    return true;
  }
  // Graceful: the guarded work has stopped writing before the successor may start.
  if (worker.joinable()) worker.join();
  if (config_.releaseOnCancel) Release();
  spdlog::info("msg=\"stopped leading\" lease={} identity={}", LeaseRef(), config_.identity);
  if (callbacks_.onStoppedLeading) callbacks_.onStoppedLeading();
  return false;
}

}  // namespace hybridai::runtime
