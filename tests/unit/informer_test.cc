// Informer: list+watch into the store, handlers called in order after the store reflects the
// change, replay for late handlers, deletes found on relist carry the last cached object, a
// throwing handler is contained, synced signal and stop.
#include "runtime/informer.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "support/fake_api_client.h"
#include "support/simulated_clock.h"

namespace hybridai::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeApiClient;
using testing::SimulatedClock;

const ResourceKind& kKind = kinds::kAIWorkload;

json Obj(const std::string& name, int replicas = 1) {
  return json{{"metadata", {{"namespace", "ns"}, {"name", name}}},
              {"spec", {{"replicas", replicas}}}};
}

// Records handler calls; checks each call sees the store already updated.
class Log {
 public:
  ResourceEventHandler Handler(const Informer& inf) {
    ResourceEventHandler h;
    h.onAdd = [this, &inf](const ObjectPtr& o) {
      Push("add:" + ObjectKey(*o), inf.store().Get(ObjectKey(*o)) == o);
    };
    h.onUpdate = [this, &inf](const ObjectPtr& old, const ObjectPtr& now) {
      Push("update:" + ObjectKey(*now) + ":" + old->at("spec").at("replicas").dump() + "->" +
               now->at("spec").at("replicas").dump(),
           inf.store().Get(ObjectKey(*now)) == now);
    };
    h.onDelete = [this, &inf](const ObjectPtr& o, bool unknown) {
      Push(std::string(unknown ? "delete?:" : "delete:") + ObjectKey(*o) +
               (o->contains("spec") ? "+spec" : ""),
           inf.store().Get(ObjectKey(*o)) == nullptr);
    };
    return h;
  }
  bool WaitForCount(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, seconds(20), [&] { return entries_.size() >= n; });
  }
  std::vector<std::string> Entries() {
    std::lock_guard lock(mu_);
    return entries_;
  }
  int StoreOutOfStep() {
    std::lock_guard lock(mu_);
    return outOfStep_;
  }

 private:
  void Push(std::string s, bool storeInStep) {
    std::lock_guard lock(mu_);
    entries_.push_back(std::move(s));
    if (!storeInStep) ++outOfStep_;
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> entries_;
  int outOfStep_ = 0;
};

InformerOptions Exact() {
  InformerOptions o;
  o.backoff.jitter = 0.0;
  return o;
}

TEST(Informer, SyncsThenDeliversChangesInOrder) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  api.Seed(kKind, Obj("a"));
  Informer inf(api, kKind, clock, Exact());
  Log log;
  inf.AddEventHandler(log.Handler(inf));
  EXPECT_FALSE(inf.HasSynced());
  inf.Start();
  std::stop_source never;
  ASSERT_TRUE(inf.WaitForSync(never.get_token()));
  EXPECT_TRUE(inf.HasSynced());
  EXPECT_EQ(inf.store().Size(), 1u);
  ASSERT_TRUE(api.WaitForWatches(1, kKind));

  ASSERT_TRUE(api.Update(kKind, "ns", Obj("a", 4)).ok());
  ASSERT_TRUE(api.Create(kKind, "ns", Obj("b")).ok());
  ASSERT_TRUE(api.Delete(kKind, "ns", "a", {}).ok());
  ASSERT_TRUE(log.WaitForCount(4));
  EXPECT_EQ(log.Entries(), (std::vector<std::string>{"add:ns/a", "update:ns/a:1->4", "add:ns/b",
                                                     "delete:ns/a+spec"}));
  EXPECT_EQ(log.StoreOutOfStep(), 0);
  EXPECT_EQ(inf.store().Keys(), std::vector<std::string>{"ns/b"});
}

TEST(Informer, LateHandlerGetsTheCacheReplayedAsAdds) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  api.Seed(kKind, Obj("a"));
  api.Seed(kKind, Obj("b"));
  Informer inf(api, kKind, clock, Exact());
  inf.Start();
  std::stop_source never;
  ASSERT_TRUE(inf.WaitForSync(never.get_token()));
  Log log;
  inf.AddEventHandler(log.Handler(inf));
  ASSERT_TRUE(log.WaitForCount(2));
  auto entries = log.Entries();
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{"add:ns/a", "add:ns/b"}));
}

TEST(Informer, DeleteFoundOnRelistCarriesTheLastCachedObject) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  api.Seed(kKind, Obj("a", 7));
  Informer inf(api, kKind, clock, Exact());
  Log log;
  inf.AddEventHandler(log.Handler(inf));
  inf.Start();
  ASSERT_TRUE(log.WaitForCount(1));
  ASSERT_TRUE(api.WaitForWatches(1, kKind));
  api.BreakWatches(kKind);
  ASSERT_TRUE(clock.WaitForSleepers(1));
  ASSERT_TRUE(api.Delete(kKind, "ns", "a", {}).ok());
  api.Compact();
  clock.AdvanceToNextDeadline();
  ASSERT_TRUE(log.WaitForCount(2));
  EXPECT_EQ(log.Entries()[1], "delete?:ns/a+spec");  // the cached object, not a stub
  EXPECT_EQ(inf.store().Size(), 0u);
  EXPECT_EQ(inf.watchStats().relists, 1u);
}

TEST(Informer, ThrowingHandlerDoesNotStopTheOthers) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  Informer inf(api, kKind, clock, Exact());
  ResourceEventHandler bad;
  bad.onAdd = [](const ObjectPtr&) { throw std::runtime_error("boom"); };
  inf.AddEventHandler(bad);
  Log log;
  inf.AddEventHandler(log.Handler(inf));
  inf.Start();
  ASSERT_TRUE(api.WaitForWatches(1, kKind));
  ASSERT_TRUE(api.Create(kKind, "ns", Obj("a")).ok());
  ASSERT_TRUE(api.Create(kKind, "ns", Obj("b")).ok());
  ASSERT_TRUE(log.WaitForCount(2));
  EXPECT_EQ(log.Entries(), (std::vector<std::string>{"add:ns/a", "add:ns/b"}));
}

TEST(Informer, DropsManagedFieldsByDefault) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  json o = Obj("a");
  o["metadata"]["managedFields"] = json::array({json{{"manager", "kubectl"}}});
  api.Seed(kKind, o);
  Informer inf(api, kKind, clock, Exact());
  inf.Start();
  std::stop_source never;
  ASSERT_TRUE(inf.WaitForSync(never.get_token()));
  EXPECT_FALSE(inf.store().Get("ns/a")->at("metadata").contains("managedFields"));
}

TEST(Informer, WaitForSyncGivesUpWhenStopped) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  api.InjectError(FakeApiClient::Verb::List,
                  testing::MakeApiError(ApiError::Reason::Forbidden, "no RBAC"));
  Informer inf(api, kKind, clock, Exact());
  inf.Start();
  ASSERT_TRUE(clock.WaitForSleepers(1));  // backing off after the failed list
  std::stop_source stop;
  std::jthread waiter([&] { EXPECT_FALSE(inf.WaitForSync(stop.get_token())); });
  stop.request_stop();
  waiter.join();
  EXPECT_FALSE(inf.HasSynced());
  inf.Stop();
}

TEST(Informer, CustomIndexIsQueryable) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  json o = Obj("a");
  o["metadata"]["labels"] = {{"team", "vision"}};
  api.Seed(kKind, o);
  api.Seed(kKind, Obj("b"));
  Informer inf(api, kKind, clock, Exact());
  inf.AddIndex("team", LabelIndexFunc("team"));
  inf.Start();
  std::stop_source never;
  ASSERT_TRUE(inf.WaitForSync(never.get_token()));
  auto vision = inf.store().ByIndex("team", "vision");
  ASSERT_EQ(vision.size(), 1u);
  EXPECT_EQ(ObjectKey(*vision[0]), "ns/a");
  EXPECT_EQ(inf.store().ByIndex(kNamespaceIndex, "ns").size(), 2u);
}

}  // namespace
}  // namespace hybridai::runtime
