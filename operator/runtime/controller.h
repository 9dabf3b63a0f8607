// A generic controller: N worker threads take keys from a WorkQueue and call a Reconciler; an
// error or `requeue` retries the key with per-key backoff, `requeueAfter` schedules it, success
// forgets its failures (controller-runtime's semantics). A key is never reconciled by two
// workers at once. Thread-safe; the Reconciler is called concurrently for different keys.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/api_client.h"
#include "runtime/clock.h"
#include "runtime/informer.h"
#include "runtime/rate_limiter.h"
#include "runtime/work_queue.h"

namespace hybridai::runtime {

// What to reconcile: one object by namespace (empty for cluster-scoped kinds) and name.
struct Request {
  std::string ns;
  std::string name;

  // "ns/name", or "name" for cluster-scoped objects.
  std::string Key() const { return ns.empty() ? name : ns + "/" + name; }
  static Request FromKey(const std::string& key);
  bool operator==(const Request&) const = default;
};

struct ReconcileResult {
  bool requeue = false;             // retry with the key's backoff
  Clock::Duration requeueAfter{0};  // > 0: reconcile again after this long
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  // Level-based and idempotent: read the current state, move the world one step towards the
  // desired one. An error is retried with backoff; a thrown exception counts as an error.
  virtual Result<ReconcileResult> Reconcile(const Request& request) = 0;
};

// Observers for controller_runtime_reconcile_total{controller,result},
// controller_runtime_reconcile_time_seconds, _reconcile_errors_total and
// controller_runtime_active_workers. Called from worker threads; any may be empty.
struct ControllerHooks {
  // result: "success" | "error" | "requeue" | "requeue_after"
  std::function<void(const std::string& result, double seconds)> reconciled;
  std::function<void(int delta)> activeWorkers;
  WorkQueueHooks queue;
};

struct ControllerOptions {
  int workers = 1;
  std::unique_ptr<RateLimiter> rateLimiter;  // default: DefaultControllerRateLimiter
  ControllerHooks hooks;
};

// Maps an object seen by an informer to the requests it should trigger.
using MapFunc = std::function<std::vector<Request>(const json& object)>;

// The object itself (the default for a controller's own kind).
MapFunc MapToSelf();
// The object named by two labels, e.g. a member Deployment back to its hub AIWorkload through
// hybridai.io/workload-namespace and hybridai.io/workload. Objects lacking the name label map to
// nothing; `nsLabel` may be empty for cluster-scoped owners.
MapFunc MapByLabels(std::string nsLabel, std::string nameLabel);

class Controller {
 public:
  Controller(std::string name, Reconciler& reconciler, Clock& clock,
             ControllerOptions options = {});
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void Enqueue(const Request& request);
  void EnqueueAfter(const Request& request, Clock::Duration delay);
  // A handler that enqueues map(object) on every add, update and delete. With `batch` > 0 each
  // key is enqueued that long after the first event (the events meanwhile fold into one
  // reconcile), as the Job controller batches pod events: for objects that change several
  // times in quick succession, whose owner need not answer each change.
  ResourceEventHandler EnqueueHandler(MapFunc map = MapToSelf(),
                                      Clock::Duration batch = Clock::Duration::zero());

  // Starts the workers; a second call does nothing.
  void Start();
  // Stops taking new keys, lets workers finish what is in flight, drops what is still queued
  // (every key is level-based: the next start lists everything again) and joins them. So a
  // long queue never holds up a shutdown or a leadership handover.
  void Stop();

  const std::string& name() const { return name_; }
  WorkQueue& queue() { return queue_; }

 private:
  void Work();
  void Process(const std::string& key);

  const std::string name_;
  Reconciler& reconciler_;
  Clock& clock_;
  const int workers_;
  const ControllerHooks hooks_;
  WorkQueue queue_;
  std::atomic<bool> stopping_{false};

  std::mutex threadsMu_;
  std::vector<std::jthread> threads_;
};

}  // namespace hybridai::runtime
