// Records core/v1 Events like client-go's recorder: repeats within a window bump `count`, a
// token bucket per object drops spam, and a bounded queue with one sender thread means callers
// never wait on the API. Thread-safe: Record() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/api_client.h"
#include "runtime/clock.h"

namespace hybridai::runtime {

class MetricsRegistry;
class Counter;

// core/v1 ObjectReference: the object an Event is about.
struct ObjectReference {
  std::string apiVersion;
  std::string kind;
  std::string namespace_;  // empty for cluster-scoped objects (their Events go to "default")
  std::string name;
  std::string uid;
  std::string resourceVersion;
  std::string fieldPath;

  // From an object's apiVersion, kind and metadata; fields absent from `object` stay empty.
  static ObjectReference To(const json& object);
};

enum class EventType { Normal, Warning };
const char* EventTypeName(EventType t);

struct EventRecorderOptions {
  std::string reportingController = "hybridai.io/operator";  // source.component
  std::string reportingInstance;                             // source.host: pod or host name
  std::size_t queueCapacity = 1024;
  // client-go's spam filter: per object, `burst` events, then one per `refillPeriod`.
  int burst = 25;
  Clock::Duration refillPeriod = std::chrono::minutes(5);
  // A repeat within this window updates the existing Event instead of creating one.
  Clock::Duration dedupWindow = std::chrono::minutes(10);
  // Bounds the memory of dedup and spam-filter state (oldest entries go first).
  std::size_t maxTracked = 4096;
};

class EventRecorder {
 public:
  struct Stats {
    uint64_t created = 0;       // new Events written
    uint64_t deduplicated = 0;  // repeats written as count bumps
    uint64_t rateLimited = 0;   // dropped by the per-object token bucket
    uint64_t dropped = 0;       // the queue was full or the recorder stopped
    uint64_t failed = 0;        // the API refused or was unreachable
  };

  // `metrics` (optional) gets hybridai_events_total{result}.
  EventRecorder(ApiClient& api, Clock& clock, EventRecorderOptions options,
                MetricsRegistry* metrics = nullptr);
  ~EventRecorder();  // Stop()
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Queues an Event; never blocks on the API. Dropped (and counted) when the queue is full or
  // the recorder is stopped. The message is cut to 1024 bytes, the reason to 128.
  void Record(const ObjectReference& object, EventType type, std::string reason,
              std::string message);
  void Normal(const ObjectReference& o, std::string reason, std::string message) {
    Record(o, EventType::Normal, std::move(reason), std::move(message));
  }
  void Warning(const ObjectReference& o, std::string reason, std::string message) {
    Record(o, EventType::Warning, std::move(reason), std::move(message));
  }

  // Sends what is queued, then stops the sender thread. Later Record() calls are dropped.
  void Stop();
  // Blocks until everything queued so far has been sent (or dropped). For tests and shutdown.
  void Flush();
  Stats stats() const;

 private:
  struct Pending {
    ObjectReference object;
    EventType type;
    std::string reason;
    std::string message;
    Clock::TimePoint at;
    std::chrono::system_clock::time_point wallAt;
  };
  struct Seen {  // one Event already written
    std::string eventName;
    std::string eventNamespace;
    int64_t count = 1;
    std::string firstTimestamp;
    Clock::TimePoint lastSeen;
  };
  struct Bucket {
    double tokens = 0;
    Clock::TimePoint last;
  };

  void Loop();
  void Send(const Pending& p);
  bool Allow(const std::string& objectKey, Clock::TimePoint at);
  void Create(const Pending& p, const std::string& dedupKey);
  void Prune(Clock::TimePoint now);
  void Count(uint64_t Stats::*field, Counter* metric);

  ApiClient& api_;
  Clock& clock_;
  const EventRecorderOptions options_;
  Counter* createdMetric_ = nullptr;
  Counter* dedupMetric_ = nullptr;
  Counter* rateLimitedMetric_ = nullptr;
  Counter* droppedMetric_ = nullptr;
  Counter* failedMetric_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  bool busy_ = false;        // the sender holds an item taken from the queue
  bool senderDone_ = false;  // the sender thread has exited
  Stats stats_;

  // Sender thread only.
  std::map<std::string, Seen> seen_;       // dedup key -> Event
  std::map<std::string, Bucket> buckets_;  // object key -> spam filter
  int64_t lastNameNanos_ = 0;  // Event names stay unique even when the clock stands still

  std::mutex stopMu_;
  std::thread thread_;
};

}  // namespace hybridai::runtime
