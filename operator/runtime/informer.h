// An informer: one Watcher feeding one Store for a kind, with event handlers (add, update,
// delete) called in order on the informer's thread after the store reflects the change, and a
// synced signal once the first list is in. Thread-safe: Start/Stop/AddEventHandler/WaitForSync
// from any thread; handlers run one at a time on the informer's thread and must not block long.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "runtime/api_client.h"
#include "runtime/clock.h"
#include "runtime/store.h"
#include "runtime/watcher.h"

namespace hybridai::runtime {

// Any callback may be empty. onDelete's flag is true when the deletion was found on a relist
// (the object passed is then the last state the cache saw).
struct ResourceEventHandler {
  std::function<void(const ObjectPtr& object)> onAdd;
  std::function<void(const ObjectPtr& oldObject, const ObjectPtr& newObject)> onUpdate;
  std::function<void(const ObjectPtr& object, bool finalStateUnknown)> onDelete;
};

struct InformerOptions {
  std::string ns;
  std::string labelSelector;
  std::string fieldSelector;
  int64_t pageSize = 500;
  int64_t timeoutSeconds = 300;
  BackoffPolicy backoff = WatchBackoffPolicy();
  // Applied before an object is cached; by default managedFields are dropped to save memory.
  std::function<void(json&)> transform = DropManagedFields;
  // Keep the cache packed (see Store): for large caches read an object at a time.
  bool compact = false;
  // See WatcherOptions::onError.
  std::function<void(const ApiError&)> onError;
};

class Informer {
 public:
  Informer(ApiClient& api, ResourceKind kind, Clock& clock, InformerOptions options = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Handlers added after objects are cached first get onAdd for each of them.
  void AddEventHandler(ResourceEventHandler handler);
  // Add indexes before Start() to avoid a re-index of the whole cache.
  void AddIndex(const std::string& name, IndexFunc fn) { store_.AddIndex(name, std::move(fn)); }

  // Starts the list/watch thread; a second call does nothing.
  void Start();
  // Stops the thread promptly and joins it; the cache keeps its last contents.
  void Stop();

  bool HasSynced() const;
  // Blocks until the first list is cached; false when `stop` fires first.
  bool WaitForSync(std::stop_token stop) const;

  const Store& store() const { return store_; }
  const ResourceKind& kind() const { return kind_; }
  Watcher::Stats watchStats() const { return watcher_.stats(); }
  std::string LastResourceVersion() const { return watcher_.LastResourceVersion(); }

 private:
  void OnEvent(const WatcherEvent& event);

  const ResourceKind kind_;
  Store store_;
  Watcher watcher_;

  std::mutex handlersMu_;  // serialises dispatch with AddEventHandler's replay
  std::vector<ResourceEventHandler> handlers_;

  mutable std::mutex syncMu_;
  mutable std::condition_variable_any syncCv_;
  bool synced_ = false;

  std::mutex threadMu_;
  std::jthread thread_;
};

}  // namespace hybridai::runtime
