// The controller work queue; see work_queue.h.
#include "runtime/work_queue.h"

namespace hybridai::runtime {

namespace {
double Seconds(Clock::Duration d) {
  return std::chrono::duration<double>(d).count();
}
}  // namespace

WorkQueue::WorkQueue(std::string name, Clock& clock, std::unique_ptr<RateLimiter> limiter,
                     WorkQueueHooks hooks)
    : name_(std::move(name)),
      clock_(clock),
      limiter_(limiter ? std::move(limiter) : DefaultControllerRateLimiter(clock)),
      hooks_(std::move(hooks)),
      delayThread_([this](std::stop_token stop) { DelayLoop(stop); }) {}

WorkQueue::~WorkQueue() {
  ShutDown();
  delayThread_.request_stop();
  if (delayThread_.joinable()) delayThread_.join();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shuttingDown_ || dirty_.count(key)) return;
  dirty_.insert(key);
  pendingSince_.emplace(key, clock_.Now());
  if (hooks_.add) hooks_.add();
  ReportDepthLocked();
  if (processing_.count(key)) return;  // Done() requeues it
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::ReportDepthLocked() {
  if (hooks_.depth) hooks_.depth(dirty_.size());
}

void WorkQueue::AddAfter(const std::string& key, Clock::Duration delay) {
  if (ShuttingDown()) return;
  if (delay <= Clock::Duration::zero()) {
    Add(key);
    return;
  }
  std::lock_guard lock(delayMu_);
  Clock::TimePoint at = clock_.Now() + delay;
  auto it = delayed_.find(key);
  if (it != delayed_.end() && it->second <= at) return;
  delayed_[key] = at;
  bool earliest = delayHeap_.empty() || at < delayHeap_.top().at;
  delayHeap_.push({at, delaySeq_++, key});
  if (earliest) wake_.request_stop();
  delayCv_.notify_all();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    if (shuttingDown_) return;
    if (hooks_.retry) hooks_.retry();
  }
  AddAfter(key, limiter_->When(key));
}

void WorkQueue::Forget(const std::string& key) {
  limiter_->Forget(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  return limiter_->NumRequeues(key);
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || shuttingDown_; });
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  Clock::TimePoint now = clock_.Now();
  if (auto it = pendingSince_.find(key); it != pendingSince_.end()) {
    if (hooks_.queueLatency) hooks_.queueLatency(Seconds(now - it->second));
    pendingSince_.erase(it);
  }
  processingSince_[key] = now;
  ReportDepthLocked();
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard lock(mu_);
  if (!processing_.erase(key)) return;  // not handed out: ignore rather than corrupt state
  if (auto it = processingSince_.find(key); it != processingSince_.end()) {
    if (hooks_.workDuration) hooks_.workDuration(Seconds(clock_.Now() - it->second));
    processingSince_.erase(it);
  }
  if (dirty_.count(key)) {
    queue_.push_back(key);
    cv_.notify_one();
  }
  if (processing_.empty()) cv_.notify_all();  // drain waiters
}

void WorkQueue::ShutDown() {
  {
    std::lock_guard lock(mu_);
    shuttingDown_ = true;
    cv_.notify_all();
  }
  delayThread_.request_stop();
}

void WorkQueue::ShutDownWithDrain() {
  ShutDown();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return processing_.empty() && queue_.empty(); });
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard lock(mu_);
  return shuttingDown_;
}

std::size_t WorkQueue::Len() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

std::size_t WorkQueue::DelayedLen() const {
  std::lock_guard lock(delayMu_);
  return delayed_.size();
}

void WorkQueue::DelayLoop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::vector<std::string> ready;
    Clock::TimePoint next;
    std::stop_source wake;
    {
      std::unique_lock lock(delayMu_);
      if (delayHeap_.empty()) {
        delayCv_.wait(lock, stop, [&] { return !delayHeap_.empty(); });
        continue;
      }
      Clock::TimePoint now = clock_.Now();
      while (!delayHeap_.empty() && delayHeap_.top().at <= now) {
        Delayed d = delayHeap_.top();
        delayHeap_.pop();
        auto it = delayed_.find(d.key);
        // Stale heap entries (superseded by an earlier due time) are skipped.
        if (it == delayed_.end() || it->second != d.at) continue;
        delayed_.erase(it);
        ready.push_back(std::move(d.key));
      }
      if (ready.empty()) {
        next = delayHeap_.top().at;
        wake_ = std::stop_source();
        wake = wake_;
      }
    }
    if (!ready.empty()) {
      std::lock_guard lock(mu_);
      for (const auto& key : ready) AddLocked(key);
      continue;
    }
    std::stop_callback onStop(stop, [&wake] { wake.request_stop(); });
    clock_.SleepUntil(next, wake.get_token());
  }
}

}  // namespace hybridai::runtime
