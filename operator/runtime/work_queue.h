// The controller work queue (client-go's workqueue semantics): keys are deduplicated, a key is in
// at most one of {queued, processing}, a key added while being processed is requeued after
// Done(), rate-limited and delayed adds (timed on the injected Clock), graceful shutdown.
// Thread-safe: any number of producers and worker threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "runtime/clock.h"
#include "runtime/rate_limiter.h"

namespace hybridai::runtime {

// Observers for workqueue metrics (workqueue_depth, _adds_total, _retries_total,
// _queue_duration_seconds, _work_duration_seconds). Called with the queue's lock held: keep
// them cheap and never call back into the queue. Any of them may be empty.
struct WorkQueueHooks {
  std::function<void(std::size_t depth)> depth;      // keys waiting (queued or dirty)
  std::function<void()> add;                         // a key became pending
  std::function<void()> retry;                       // AddRateLimited
  std::function<void(double seconds)> queueLatency;  // pending -> handed to a worker
  std::function<void(double seconds)> workDuration;  // handed to a worker -> Done
};

class WorkQueue {
 public:
  // `limiter` defaults to DefaultControllerRateLimiter(clock).
  WorkQueue(std::string name, Clock& clock, std::unique_ptr<RateLimiter> limiter = nullptr,
            WorkQueueHooks hooks = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Marks `key` pending. No effect when it is already pending or the queue is shutting down;
  // while a worker processes it, it is handed out again after Done().
  void Add(const std::string& key);
  // Add() after `delay` on the clock; of several pending delays for a key the earliest wins.
  void AddAfter(const std::string& key, Clock::Duration delay);
  // AddAfter() by the rate limiter's verdict for `key` (its failure count grows).
  void AddRateLimited(const std::string& key);
  // Clears the rate limiter's failure history of `key` (call after success).
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

  // Blocks for the next key; nullopt once the queue is shut down and empty. Every key returned
  // must be given back with Done().
  std::optional<std::string> Get();
  void Done(const std::string& key);

  // Stops accepting keys; workers drain what is queued, then Get() returns nullopt. Pending
  // delayed adds are dropped.
  void ShutDown();
  // ShutDown(), then blocks until every queued and in-flight key is Done(): needs workers.
  void ShutDownWithDrain();
  bool ShuttingDown() const;

  // Keys queued (not counting those being processed).
  std::size_t Len() const;
  // Keys waiting for a delayed add.
  std::size_t DelayedLen() const;
  const std::string& name() const { return name_; }

 private:
  struct Delayed {
    Clock::TimePoint at;
    uint64_t seq;
    std::string key;
    bool operator>(const Delayed& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  void AddLocked(const std::string& key);
  void ReportDepthLocked();
  void DelayLoop(std::stop_token stop);

  const std::string name_;
  Clock& clock_;
  std::unique_ptr<RateLimiter> limiter_;
  const WorkQueueHooks hooks_;

  mutable std::mutex mu_;
  std::condition_variable cv_;                  // Get() waiters and drain waiters
  std::deque<std::string> queue_;               // order of hand-out
  std::unordered_set<std::string> dirty_;       // pending: queued, or re-added while processing
  std::unordered_set<std::string> processing_;  // handed out, not yet Done
  std::unordered_map<std::string, Clock::TimePoint> pendingSince_;
  std::unordered_map<std::string, Clock::TimePoint> processingSince_;
  bool shuttingDown_ = false;

  mutable std::mutex delayMu_;
  std::condition_variable_any delayCv_;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayHeap_;
  std::unordered_map<std::string, Clock::TimePoint> delayed_;  // key -> earliest due time
  uint64_t delaySeq_ = 0;
  std::stop_source wake_;     // interrupts the delay loop's clock sleep when an earlier key arrives
  std::jthread delayThread_;  // last: started after everything above exists
};

}  // namespace hybridai::runtime
