#include "runtime/event_recorder.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <spdlog/spdlog.h>

#include "runtime/metrics.h"

namespace hybridai::runtime {

namespace {

constexpr size_t kMaxMessage = 1024;  // events.k8s.io's note limit; kubectl shows it whole
constexpr size_t kMaxReason = 128;
constexpr size_t kMaxName = 253;

// Cuts at most `max` bytes without splitting a UTF-8 sequence.
std::string Truncate(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

// metav1.Time: whole seconds.
std::string FormatTime(std::chrono::system_clock::time_point t) {
  std::time_t tt =
      std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string StringAt(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string ObjectKey(const ObjectReference& o) {
  // NUL separators: no field can contain one, so distinct objects never share a key.
  std::string k;
  for (const std::string* f : {&o.apiVersion, &o.kind, &o.namespace_, &o.name, &o.uid}) {
    k += *f;
    k += '\0';
  }
  return k;
}

json InvolvedObject(const ObjectReference& o) {
  json j = json::object();
  auto put = [&](const char* key, const std::string& v) {
    if (!v.empty()) j[key] = v;
  };
  put("apiVersion", o.apiVersion);
  put("kind", o.kind);
  put("namespace", o.namespace_);
  put("name", o.name);
  put("uid", o.uid);
  put("resourceVersion", o.resourceVersion);
  put("fieldPath", o.fieldPath);
  return j;
}

}  // namespace

ObjectReference ObjectReference::To(const json& object) {
  ObjectReference r;
  r.apiVersion = StringAt(object, "apiVersion");
  r.kind = StringAt(object, "kind");
  if (object.is_object()) {
    auto meta = object.find("metadata");
    if (meta != object.end()) {
      r.namespace_ = StringAt(*meta, "namespace");
      r.name = StringAt(*meta, "name");
      r.uid = StringAt(*meta, "uid");
      r.resourceVersion = StringAt(*meta, "resourceVersion");
    }
  }
  return r;
}

const char* EventTypeName(EventType t) {
  return t == EventType::Warning ? "Warning" : "Normal";
}

EventRecorder::EventRecorder(ApiClient& api, Clock& clock, EventRecorderOptions options,
                             MetricsRegistry* metrics)
    : api_(api), clock_(clock), options_(std::move(options)) {
  if (metrics != nullptr) {
    auto& family =
        metrics->AddCounter("hybridai_events_total",
                            "Events by outcome: created, deduplicated, rate_limited, dropped "
                            "(queue full) or failed (API error)",
                            {"result"});
    createdMetric_ = &family.With({"created"});
    dedupMetric_ = &family.With({"deduplicated"});
    rateLimitedMetric_ = &family.With({"rate_limited"});
    droppedMetric_ = &family.With({"dropped"});
    failedMetric_ = &family.With({"failed"});
  }
  thread_ = std::thread([this] { Loop(); });
}

EventRecorder::~EventRecorder() {
  Stop();
}

void EventRecorder::Count(uint64_t Stats::*field, Counter* metric) {
  {
    std::lock_guard lock(mu_);
    ++(stats_.*field);
  }
  if (metric != nullptr) metric->Inc();
}

void EventRecorder::Record(const ObjectReference& object, EventType type, std::string reason,
                           std::string message) {
  Pending p{object,
            type,
            Truncate(std::move(reason), kMaxReason),
            Truncate(std::move(message), kMaxMessage),
            clock_.Now(),
            clock_.WallNow()};
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < options_.queueCapacity) {
      queue_.push_back(std::move(p));
      cv_.notify_all();
      return;
    }
    ++stats_.dropped;
  }
  if (droppedMetric_ != nullptr) droppedMetric_->Inc();
  spdlog::debug("msg=\"event dropped\" object={}/{} reason={}", object.namespace_, object.name,
                p.reason);
}

void EventRecorder::Stop() {
  std::lock_guard stopLock(stopMu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void EventRecorder::Flush() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return (queue_.empty() && !busy_) || senderDone_; });
}

EventRecorder::Stats EventRecorder::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void EventRecorder::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) {  // stopping, and everything queued was sent
      senderDone_ = true;
      cv_.notify_all();
      return;
    }
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Send(p);
    lock.lock();
    busy_ = false;
    cv_.notify_all();  // Flush() waiters
  }
}

bool EventRecorder::Allow(const std::string& objectKey, Clock::TimePoint at) {
  const double burst = std::max(1, options_.burst);
  auto [it, inserted] = buckets_.try_emplace(objectKey, Bucket{burst, at});
  Bucket& b = it->second;
  if (!inserted && at > b.last) {
    double period = std::chrono::duration<double>(options_.refillPeriod).count();
    double elapsed = std::chrono::duration<double>(at - b.last).count();
    b.tokens = period > 0 ? std::min(burst, b.tokens + elapsed / period) : burst;
    b.last = at;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

void EventRecorder::Send(const Pending& p) {
  const std::string objectKey = ObjectKey(p.object);
  if (!Allow(objectKey, p.at)) {
    Count(&Stats::rateLimited, rateLimitedMetric_);
    spdlog::debug("msg=\"event rate-limited\" object={}/{} reason={}", p.object.namespace_,
                  p.object.name, p.reason);
    return;
  }
  Prune(p.at);

  std::string dedupKey = objectKey;
  for (const std::string* f : {&p.reason, &p.message}) {
    dedupKey += *f;
    dedupKey += '\0';
  }
  dedupKey += EventTypeName(p.type);

  auto it = seen_.find(dedupKey);
  if (it != seen_.end() && p.at - it->second.lastSeen <= options_.dedupWindow) {
    Seen& s = it->second;
    json patch = {{"count", s.count + 1}, {"lastTimestamp", FormatTime(p.wallAt)}};
    Result<json> r = api_.Patch(kinds::kEvent, s.eventNamespace, s.eventName, PatchType::Merge,
                                patch.dump(), PatchOptions{});
    if (r.ok()) {
      ++s.count;
      s.lastSeen = p.at;
      Count(&Stats::deduplicated, dedupMetric_);
      return;
    }
    if (!r.Is(ApiError::Reason::NotFound)) {
      Count(&Stats::failed, failedMetric_);
      spdlog::warn("msg=\"cannot update event\" event={}/{} error=\"{}\"", s.eventNamespace,
                   s.eventName, r.error().ToString());
      return;
    }
    // The Event expired (the apiserver keeps them about an hour): write a new one.
  }
  Create(p, dedupKey);
}

void EventRecorder::Create(const Pending& p, const std::string& dedupKey) {
  const std::string ns = p.object.namespace_.empty() ? "default" : p.object.namespace_;
  const std::string when = FormatTime(p.wallAt);
  int64_t nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(p.wallAt.time_since_epoch()).count();
  for (int attempt = 0; attempt < 2; ++attempt) {
    nanos = std::max(nanos, lastNameNanos_ + 1);
    lastNameNanos_ = nanos;
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, ".%llx", static_cast<unsigned long long>(nanos));
    std::string prefix = p.object.name.empty() ? "unknown" : p.object.name;
    std::string name = prefix.substr(0, kMaxName - std::strlen(suffix)) + suffix;

    json source = {{"component", options_.reportingController}};
    if (!options_.reportingInstance.empty()) source["host"] = options_.reportingInstance;
    json event = {{"apiVersion", "v1"},
                  {"kind", "Event"},
                  {"metadata", {{"name", name}, {"namespace", ns}}},
                  {"involvedObject", InvolvedObject(p.object)},
                  {"type", EventTypeName(p.type)},
                  {"reason", p.reason},
                  {"message", p.message},
                  {"source", source},
                  {"firstTimestamp", when},
                  {"lastTimestamp", when},
                  {"count", 1},
                  {"reportingComponent", options_.reportingController},
                  {"reportingInstance", options_.reportingInstance}};
    Result<json> r = api_.Create(kinds::kEvent, ns, event);
    if (r.ok()) {
      seen_[dedupKey] = Seen{name, ns, 1, when, p.at};
      Count(&Stats::created, createdMetric_);
      return;
    }
    if (r.Is(ApiError::Reason::AlreadyExists)) continue;  // another replica used the name
    Count(&Stats::failed, failedMetric_);
    spdlog::warn("msg=\"cannot create event\" object={}/{} reason={} error=\"{}\"", ns,
                 p.object.name, p.reason, r.error().ToString());
    return;
  }
  Count(&Stats::failed, failedMetric_);
}

void EventRecorder::Prune(Clock::TimePoint now) {
  if (seen_.size() >= options_.maxTracked) {
    std::erase_if(seen_,
                  [&](const auto& e) { return now - e.second.lastSeen > options_.dedupWindow; });
    if (seen_.size() >= options_.maxTracked) {
      auto oldest = std::min_element(seen_.begin(), seen_.end(), [](const auto& a, const auto& b) {
        return a.second.lastSeen < b.second.lastSeen;
      });
      seen_.erase(oldest);
    }
  }
  if (buckets_.size() > options_.maxTracked) {
    // A bucket refilled to its burst is the same as no bucket at all.
    double period = std::chrono::duration<double>(options_.refillPeriod).count();
    std::erase_if(buckets_, [&](const auto& e) {
      double elapsed = std::chrono::duration<double>(now - e.second.last).count();
      return period <= 0 || e.second.tokens + elapsed / period >= options_.burst;
    });
    if (buckets_.size() > options_.maxTracked) {
      auto oldest = std::min_element(
          buckets_.begin(), buckets_.end(),
          [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
      buckets_.erase(oldest);
    }
  }
}

}  // namespace hybridai::runtime
