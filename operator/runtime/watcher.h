// The reflector state machine for one kind: LIST (paginated, each page delivered as it comes),
// then WATCH from the list's resourceVersion with bookmarks; re-watch from the last seen
// resourceVersion when a stream ends; relist on 410 Gone, reporting objects deleted while away;
// back off on errors (honouring Retry-After); log and re-watch on malformed events. Run() is one
// thread's loop; LastResource- Version() and stats() may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/api_client.h"
#include "runtime/backoff.h"
#include "runtime/clock.h"

namespace hybridai::runtime {

using ObjectPtr = std::shared_ptr<const json>;

// What the watcher tells its sink. Objects are immutable and shared with whoever keeps them.
struct WatcherEvent {
  enum class Type {
    Added,
    Modified,
    Deleted,
    Synced,  // a (re)list was fully delivered: the sink now mirrors the server
  };
  Type type = Type::Added;
  ObjectPtr object;  // null for Synced
  // Deleted only: the object vanished while the watch was down (found on relist). `object` is
  // then a stub with apiVersion, kind and metadata name/namespace/resourceVersion.
  bool finalStateUnknown = false;
};

struct WatcherOptions {
  std::string ns;  // "" = all namespaces (or a cluster-scoped kind)
  std::string labelSelector;
  std::string fieldSelector;
  int64_t pageSize = 500;  // LIST limit; 0 = unpaginated
  int64_t timeoutSeconds = 300;
  BackoffPolicy backoff = WatchBackoffPolicy();
  // Applied to every object before it is shared (e.g. DropManagedFields); may be empty.
  std::function<void(json&)> transform;
  // A watch that ends with no event within this time counts as a failure (backoff), so a
  // server that closes every stream at once is not hammered (client-go's "very short watch").
  Clock::Duration minWatchDuration = std::chrono::seconds(1);
  // Told of every list or watch failure before the backoff (e.g. so a controller can probe a
  // server that stopped answering at once, rather than at its next periodic check). Called on
  // the watcher's thread; must not block.
  std::function<void(const ApiError&)> onError;
};

// Removes metadata.managedFields: the largest part of most objects, never read by controllers.
void DropManagedFields(json& object);

// Also drops the annotation `kubectl apply` keeps (a second copy of the whole applied object),
// for caches of objects whose readers never look at it.
inline constexpr const char* kLastAppliedAnnotation =
    "kubectl.kubernetes.io/last-applied-configuration";
void DropManagedFieldsAndLastApplied(json& object);

// "namespace/name", or "name" for cluster-scoped objects; "" when metadata.name is missing.
std::string ObjectKey(const json& object);

class Watcher {
 public:
  using Sink = std::function<void(const WatcherEvent&)>;

  struct Stats {
    uint64_t lists = 0;    // (re)lists that got their first page
    uint64_t watches = 0;  // watch streams opened
    uint64_t relists = 0;  // lists after the first (410 Gone)
    uint64_t errors = 0;   // failures that caused a backoff
    uint64_t events = 0;   // events delivered to the sink (not counting Synced)
  };

  Watcher(ApiClient& api, ResourceKind kind, Clock& clock, WatcherOptions options, Sink sink);

  // Runs until `stop` is requested; returns promptly then (an open watch is cancelled).
  void Run(std::stop_token stop);

  std::string LastResourceVersion() const;
  Stats stats() const;
  const ResourceKind& kind() const { return kind_; }

 private:
  enum class StreamOutcome { Ended, Gone, Failed, Stopped };

  bool List(std::stop_token stop, Backoff& backoff);
  StreamOutcome Consume(WatchStream& stream, std::stop_token stop, Backoff& backoff);
  bool Deliver(WatchEvent::Type type, json object);
  // Sleeps the backoff (or Retry-After) after `error`; false when stopped meanwhile.
  bool Pause(Backoff& backoff, const ApiError* error, std::stop_token stop);
  void SetLastRv(std::string rv);
  std::string Where() const;

  ApiClient& api_;
  const ResourceKind kind_;
  Clock& clock_;
  const WatcherOptions opts_;
  const Sink sink_;

  // key -> resourceVersion of every object the sink holds: lets a relist tell Added from
  // Modified and find what was deleted while away, without keeping the objects twice.
  std::unordered_map<std::string, std::string> known_;

  mutable std::mutex mu_;
  std::string lastRv_;
  std::atomic<uint64_t> lists_{0}, watches_{0}, relists_{0}, errors_{0}, events_{0};
};

}  // namespace hybridai::runtime
