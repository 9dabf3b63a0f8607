// Controller: reconcile outcomes map to queue actions (error -> rate-limited retry, requeueAfter
// -> delayed add, success -> forget), exceptions are contained, a key is never reconciled by two
// workers at once, hooks report results, informer events map to requests, stop drains.
#include "runtime/controller.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "support/fake_api_client.h"
#include "support/simulated_clock.h"

namespace hybridai::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::SimulatedClock;

// A reconciler scripted per key: a queue of outcomes, then success.
class ScriptedReconciler : public Reconciler {
 public:
  using Outcome = std::function<Result<ReconcileResult>()>;
  void Script(const std::string& key, std::vector<Outcome> outcomes) {
    std::lock_guard lock(mu_);
    for (auto& o : outcomes) scripts_[key].push_back(std::move(o));
  }
  Result<ReconcileResult> Reconcile(const Request& r) override {
    Outcome next;
    {
      std::lock_guard lock(mu_);
      calls_.push_back(r.Key());
      auto& q = scripts_[r.Key()];
      if (!q.empty()) {
        next = std::move(q.front());
        q.erase(q.begin());
      }
      cv_.notify_all();
    }
    return next ? next() : Result<ReconcileResult>(ReconcileResult{});
  }
  bool WaitForCalls(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, seconds(20), [&] { return calls_.size() >= n; });
  }
  std::vector<std::string> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<Outcome>> scripts_;
  std::vector<std::string> calls_;
};

ApiError Failure() {
  return testing::MakeApiError(ApiError::Reason::Conflict, "stale");
}

TEST(Request, KeyRoundTrip) {
  EXPECT_EQ((Request{"ns", "a"}).Key(), "ns/a");
  EXPECT_EQ((Request{"", "pool"}).Key(), "pool");
  EXPECT_EQ(Request::FromKey("ns/a"), (Request{"ns", "a"}));
  EXPECT_EQ(Request::FromKey("pool"), (Request{"", "pool"}));
}

TEST(Controller, ErrorRetriesWithPerKeyBackoffThenSuccessForgets) {
  SimulatedClock clock;
  ScriptedReconciler rec;
  rec.Script("ns/a", {[] { return Result<ReconcileResult>(Failure()); },
                      [] { return Result<ReconcileResult>(Failure()); }});
  std::vector<std::string> results;
  std::mutex resultsMu;
  ControllerOptions opts;
  opts.rateLimiter = std::make_unique<ItemExponentialRateLimiter>(milliseconds(5), seconds(1000));
  opts.hooks.reconciled = [&](const std::string& result, double) {
    std::lock_guard lock(resultsMu);
    results.push_back(result);
  };
  Controller c("workloads", rec, clock, std::move(opts));
  c.Start();
  c.Enqueue({"ns", "a"});
  ASSERT_TRUE(rec.WaitForCalls(1));
  ASSERT_TRUE(clock.WaitForSleepers(1));
  EXPECT_EQ(clock.NextDeadline(), clock.Now() + milliseconds(5));
  clock.AdvanceToNextDeadline();
  ASSERT_TRUE(rec.WaitForCalls(2));
  ASSERT_TRUE(clock.WaitForSleepers(1));
  EXPECT_EQ(clock.NextDeadline(), clock.Now() + milliseconds(10));
  EXPECT_EQ(c.queue().NumRequeues("ns/a"), 2);
  clock.AdvanceToNextDeadline();
  ASSERT_TRUE(rec.WaitForCalls(3));
  c.Stop();
  EXPECT_EQ(c.queue().NumRequeues("ns/a"), 0);
  EXPECT_EQ(results, (std::vector<std::string>{"error", "error", "success"}));
}

TEST(Controller, RequeueAfterSchedulesAndForgets) {
  SimulatedClock clock;
  ScriptedReconciler rec;
  rec.Script("a", {[] { return Result<ReconcileResult>(Failure()); },
                   [] {
                     return Result<ReconcileResult>(ReconcileResult{false, seconds(30)});
                   }});
  Controller c("pools", rec, clock);
  c.Start();
  c.Enqueue({"", "a"});
  ASSERT_TRUE(rec.WaitForCalls(1));
  ASSERT_TRUE(clock.WaitForSleepers(1));
  clock.AdvanceToNextDeadline();
  ASSERT_TRUE(rec.WaitForCalls(2));
  ASSERT_TRUE(clock.WaitForSleepers(1));
  while (c.queue().NumRequeues("a") != 0) std::this_thread::yield();
  EXPECT_EQ(clock.NextDeadline(), clock.Now() + seconds(30));
  clock.Advance(seconds(30));
  ASSERT_TRUE(rec.WaitForCalls(3));
  c.Stop();
}

TEST(Controller, RequeueTrueUsesTheRateLimiter) {
  SimulatedClock clock;
  ScriptedReconciler rec;
  rec.Script("a", {[] { return Result<ReconcileResult>(ReconcileResult{true, {}}); }});
  ControllerOptions opts;
  opts.rateLimiter = std::make_unique<ItemExponentialRateLimiter>(milliseconds(5), seconds(1000));
  Controller c("x", rec, clock, std::move(opts));
  c.Start();
  c.Enqueue({"", "a"});
  ASSERT_TRUE(clock.WaitForSleepers(1));
  EXPECT_EQ(clock.NextDeadline(), clock.Now() + milliseconds(5));
  clock.AdvanceToNextDeadline();
  ASSERT_TRUE(rec.WaitForCalls(2));
  c.Stop();
}

TEST(Controller, ThrowingReconcilerIsAnErrorNotACrash) {
  SimulatedClock clock;
  ScriptedReconciler rec;
  rec.Script("a", {[]() -> Result<ReconcileResult> { throw std::out_of_range("json key"); }});
  std::atomic<int> errors{0};
  ControllerOptions opts;
  opts.hooks.reconciled = [&](const std::string& r, double) { errors += r == "error"; };
  Controller c("x", rec, clock, std::move(opts));
  c.Start();
  c.Enqueue({"", "a"});
  ASSERT_TRUE(clock.WaitForSleepers(1));  // the retry is scheduled: the worker survived
  EXPECT_EQ(c.queue().NumRequeues("a"), 1);
  clock.AdvanceToNextDeadline();
  ASSERT_TRUE(rec.WaitForCalls(2));
  c.Stop();
  EXPECT_EQ(errors.load(), 1);
}

// Many workers, a few hot keys enqueued over and over: never two reconciles of one key at once,
// yet different keys do run side by side.
class ConcurrencyProbe : public Reconciler {
 public:
  Result<ReconcileResult> Reconcile(const Request& r) override {
    int& n = Slot(r.Key());
    {
      std::lock_guard lock(mu_);
      if (++n > 1) ++overlaps_;
      ++total_;
      maxParallel_ = std::max(maxParallel_, ++running_);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    std::lock_guard lock(mu_);
    --n;
    --running_;
    return ReconcileResult{};
  }
  int overlaps_ = 0, total_ = 0, running_ = 0, maxParallel_ = 0;
  std::mutex mu_;

 private:
  int& Slot(const std::string& key) {
    std::lock_guard lock(mu_);
    return inFlight_[key];
  }
  std::map<std::string, int> inFlight_;
};

TEST(Controller, AKeyIsNeverReconciledTwiceAtOnce) {
  SimulatedClock clock;
  ConcurrencyProbe probe;
  ControllerOptions opts;
  opts.workers = 4;
  Controller c("x", probe, clock, std::move(opts));
  c.Start();
  for (int round = 0; round < 300; ++round) {
    for (int k = 0; k < 4; ++k) c.Enqueue({"ns", "k" + std::to_string(k)});
  }
  for (int i = 0; i < 2000; ++i) {
    {
      std::lock_guard lock(probe.mu_);
      if (probe.total_ >= 4) break;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  c.Stop();
  EXPECT_EQ(probe.overlaps_, 0);
  EXPECT_GE(probe.total_, 4);
}

TEST(Controller, InformerEventsMapBackToTheOwnerByLabels) {
  SimulatedClock clock;
  testing::FakeApiClient api(&clock);
  ScriptedReconciler rec;
  Controller c("workloads", rec, clock);
  InformerOptions io;
  io.backoff.jitter = 0;
  Informer deployments(api, kinds::kDeployment, clock, io);
  deployments.AddEventHandler(
      c.EnqueueHandler(MapByLabels("hybridai.io/workload-namespace", "hybridai.io/workload")));
  c.Start();
  deployments.Start();
  ASSERT_TRUE(api.WaitForWatches(1, kinds::kDeployment));
  json d{{"metadata",
          {{"namespace", "member-ns"},
           {"name", "llama"},
           {"labels",
            {{"hybridai.io/workload", "llama"}, {"hybridai.io/workload-namespace", "team-a"}}}}}};
  ASSERT_TRUE(api.Create(kinds::kDeployment, "member-ns", d).ok());
  json unrelated{{"metadata", {{"namespace", "member-ns"}, {"name", "other"}}}};
  ASSERT_TRUE(api.Create(kinds::kDeployment, "member-ns", unrelated).ok());
  ASSERT_TRUE(rec.WaitForCalls(1));
  deployments.Stop();
  c.Stop();
  EXPECT_EQ(rec.Calls(), std::vector<std::string>{"team-a/llama"});
}

TEST(Controller, BatchedEventsFoldIntoOneReconcileAfterTheBatch) {
  SimulatedClock clock;
  testing::FakeApiClient api(&clock);
  ScriptedReconciler rec;
  Controller c("workloads", rec, clock);
  InformerOptions io;
  io.backoff.jitter = 0;
  Informer jobs(api, kinds::kJob, clock, io);
  jobs.AddEventHandler(c.EnqueueHandler(
      MapByLabels("hybridai.io/workload-namespace", "hybridai.io/workload"), seconds(1)));
  std::atomic<int> events{0};
  jobs.AddEventHandler(
      ResourceEventHandler{.onAdd = [&](const ObjectPtr&) { ++events; },
                           .onUpdate = [&](const ObjectPtr&, const ObjectPtr&) { ++events; },
                           .onDelete = nullptr});
  c.Start();
  jobs.Start();
  ASSERT_TRUE(api.WaitForWatches(1, kinds::kJob));
  json j{{"metadata",
          {{"namespace", "member-ns"},
           {"name", "train"},
           {"labels",
            {{"hybridai.io/workload", "train"}, {"hybridai.io/workload-namespace", "team-a"}}}}}};
  auto made = api.Create(kinds::kJob, "member-ns", j);
  ASSERT_TRUE(made.ok());
  j = made.value();
  // The job changes twice more within the batch: still nothing reconciled.
  for (int active : {1, 0}) {
    j["status"] = {{"active", active}};
    auto updated = api.UpdateStatus(kinds::kJob, "member-ns", j);
    ASSERT_TRUE(updated.ok());
    j = updated.value();
  }
  for (int i = 0; i < 500 && events.load() < 3; ++i) std::this_thread::sleep_for(milliseconds(2));
  ASSERT_EQ(events.load(), 3) << "the informer saw the three events";
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(rec.Calls().size(), 0u) << "an event woke the owner before its batch ended";
  clock.Advance(seconds(1));
  ASSERT_TRUE(rec.WaitForCalls(1));
  std::this_thread::sleep_for(milliseconds(50));
  jobs.Stop();
  c.Stop();
  EXPECT_EQ(rec.Calls(), std::vector<std::string>{"team-a/train"})
      << "one reconcile for three events";
}

// Stop() waits for what is in flight and drops what is queued: every key is level-based, and
// the next start (this process's or another leader's) lists everything again. Draining a long
// queue at shutdown would outlast a pod's termination grace period.
TEST(Controller, StopFinishesWhatIsInFlightAndDropsWhatIsQueued) {
  SimulatedClock clock;
  ScriptedReconciler rec;
  std::mutex gateMu;
  std::condition_variable gateCv;
  bool open = false;
  rec.Script("ns/first", {[&]() -> Result<ReconcileResult> {
               std::unique_lock lock(gateMu);
               gateCv.wait(lock, [&] { return open; });
               return ReconcileResult{};
             }});
  Controller c("workloads", rec, clock);  // one worker
  c.Start();
  c.Enqueue({"ns", "first"});
  ASSERT_TRUE(rec.WaitForCalls(1));
  for (int i = 0; i < 50; ++i) c.Enqueue({"ns", "queued-" + std::to_string(i)});
  std::thread stopper([&] { c.Stop(); });
  while (!c.queue().ShuttingDown()) std::this_thread::yield();
  {
    std::lock_guard lock(gateMu);
    open = true;
  }
  gateCv.notify_all();
  stopper.join();
  EXPECT_EQ(rec.Calls(), std::vector<std::string>{"ns/first"})
      << "the in-flight reconcile finished; none of the 50 queued ran";
}

TEST(Controller, MapToSelfAndMapByLabelsIgnoreNamelessObjects) {
  EXPECT_TRUE(MapToSelf()(json{{"metadata", json::object()}}).empty());
  EXPECT_TRUE(MapByLabels("", "owner")(json{{"metadata", {{"name", "x"}}}}).empty());
  auto r = MapByLabels("", "owner")(json{{"metadata", {{"labels", {{"owner", "pool-1"}}}}}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], (Request{"", "pool-1"}));
}

TEST(Controller, HooksCountActiveWorkers) {
  SimulatedClock clock;
  ScriptedReconciler rec;
  std::atomic<int> active{0}, peak{0};
  ControllerOptions opts;
  opts.workers = 2;
  opts.hooks.activeWorkers = [&](int d) {
    int now = active += d;
    int p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
  };
  Controller c("x", rec, clock, std::move(opts));
  c.Start();
  c.Enqueue({"", "a"});
  ASSERT_TRUE(rec.WaitForCalls(1));
  c.Stop();
  EXPECT_EQ(active.load(), 0);
  EXPECT_GE(peak.load(), 1);
}

}  // namespace
}  // namespace hybridai::runtime
