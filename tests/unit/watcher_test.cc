// The watch state machine against the in-memory API server with scripted faults: paginated
// list, watch from the list's RV, bookmarks, re-watch on stream end, 410 Gone (as a call error
// and as an ERROR event) with deletes found on relist, broken streams, malformed lines,
// Retry-After, and prompt stop. Time is simulated: backoff sleeps end when the test advances.
#include "runtime/watcher.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "support/fake_api_client.h"
#include "support/simulated_clock.h"

namespace hybridai::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeApiClient;
using testing::SimulatedClock;
using Verb = FakeApiClient::Verb;

const ResourceKind& kKind = kinds::kAIWorkload;

json Obj(const std::string& ns, const std::string& name, int replicas = 1) {
  return json{{"apiVersion", "hybridai.io/v1alpha1"},
              {"kind", "AIWorkload"},
              {"metadata", {{"namespace", ns}, {"name", name}}},
              {"spec", {{"replicas", replicas}}}};
}

// Collects what the watcher emits, as "Added:ns/a" strings (Deleted found on relist reads
// "Deleted?:ns/a").
class Recorder {
 public:
  Watcher::Sink Sink() {
    return [this](const WatcherEvent& e) {
      std::lock_guard lock(mu_);
      std::string s;
      switch (e.type) {
        case WatcherEvent::Type::Added:
          s = "Added:";
          break;
        case WatcherEvent::Type::Modified:
          s = "Modified:";
          break;
        case WatcherEvent::Type::Deleted:
          s = e.finalStateUnknown ? "Deleted?:" : "Deleted:";
          break;
        case WatcherEvent::Type::Synced:
          s = "Synced";
          break;
      }
      if (e.object) s += ObjectKey(*e.object);
      if (e.object) objects_.push_back(e.object);
      events_.push_back(s);
      cv_.notify_all();
    };
  }
  // Hang guard only: a broken watcher fails the test instead of hanging it.
  bool WaitForCount(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, seconds(20), [&] { return events_.size() >= n; });
  }
  std::vector<std::string> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<std::string> Since(std::size_t i) {
    auto all = Events();
    return {all.begin() + std::min(i, all.size()), all.end()};
  }
  std::vector<ObjectPtr> Objects() {
    std::lock_guard lock(mu_);
    return objects_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
  std::vector<ObjectPtr> objects_;
};

WatcherOptions Exact(int64_t pageSize = 500) {
  WatcherOptions o;
  o.pageSize = pageSize;
  o.backoff.jitter = 0.0;  // reproducible delays: 800 ms, 1.6 s, ...
  return o;
}

std::vector<FakeApiClient::Call> CallsOf(const FakeApiClient& api, Verb verb) {
  std::vector<FakeApiClient::Call> out;
  for (auto& c : api.Calls()) {
    if (c.verb == verb) out.push_back(c);
  }
  return out;
}

class WatcherTest : public ::testing::Test {
 protected:
  void Start(WatcherOptions opts = Exact()) {
    watcher_ = std::make_unique<Watcher>(api_, kKind, clock_, std::move(opts), rec_.Sink());
    thread_ = std::jthread([this](std::stop_token s) { watcher_->Run(s); });
  }
  void TearDown() override {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  }

  SimulatedClock clock_;
  FakeApiClient api_{&clock_};
  Recorder rec_;
  std::unique_ptr<Watcher> watcher_;
  std::jthread thread_;
};

TEST_F(WatcherTest, ListsInPagesThenWatchesFromTheListsResourceVersion) {
  for (int i = 0; i < 5; ++i) api_.Seed(kKind, Obj("team-a", "w" + std::to_string(i)));
  std::string listRv = api_.CurrentResourceVersion();
  Start(Exact(2));
  ASSERT_TRUE(rec_.WaitForCount(6));
  EXPECT_EQ(rec_.Events(),
            (std::vector<std::string>{"Added:team-a/w0", "Added:team-a/w1", "Added:team-a/w2",
                                      "Added:team-a/w3", "Added:team-a/w4", "Synced"}));
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  auto lists = CallsOf(api_, Verb::List);
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[0].limit, 2);
  EXPECT_TRUE(lists[0].continueToken.empty());
  EXPECT_FALSE(lists[1].continueToken.empty());
  auto watches = CallsOf(api_, Verb::Watch);
  ASSERT_EQ(watches.size(), 1u);
  EXPECT_EQ(watches[0].resourceVersion, listRv);
  EXPECT_EQ(watcher_->LastResourceVersion(), listRv);

  ASSERT_TRUE(api_.Create(kKind, "team-a", Obj("team-a", "late")).ok());
  ASSERT_TRUE(rec_.WaitForCount(7));
  EXPECT_EQ(rec_.Events().back(), "Added:team-a/late");
  EXPECT_EQ(watcher_->LastResourceVersion(), api_.CurrentResourceVersion());
}

// A page's objects reach the sink before the next page is asked for, so a large list never sits
// whole in memory.
TEST_F(WatcherTest, EachListPageIsDeliveredBeforeTheNextIsFetched) {
  for (int i = 0; i < 5; ++i) api_.Seed(kKind, Obj("team-a", "w" + std::to_string(i)));
  std::mutex mu;
  std::vector<std::size_t> listsAtEvent;
  auto sink = [&](const WatcherEvent& e) {
    if (e.type != WatcherEvent::Type::Added) return;
    std::lock_guard lock(mu);
    listsAtEvent.push_back(CallsOf(api_, Verb::List).size());
  };
  watcher_ = std::make_unique<Watcher>(api_, kKind, clock_, Exact(2), sink);
  thread_ = std::jthread([this](std::stop_token s) { watcher_->Run(s); });
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  std::lock_guard lock(mu);
  EXPECT_EQ(listsAtEvent, (std::vector<std::size_t>{1, 1, 2, 2, 3}));
  EXPECT_EQ(watcher_->stats().lists, 1u);
}

// The continue token expires between pages (410): the list starts over, an object already
// delivered and deleted meanwhile is reported as deleted, and nothing is delivered twice.
TEST_F(WatcherTest, ExpiredContinueTokenRestartsTheListOnce) {
  for (int i = 0; i < 5; ++i) api_.Seed(kKind, Obj("team-a", "w" + std::to_string(i)));
  std::mutex mu;
  std::vector<std::string> events;
  bool injected = false;
  auto sink = [&](const WatcherEvent& e) {
    std::lock_guard lock(mu);
    if (e.type == WatcherEvent::Type::Synced) {
      events.push_back("Synced");
      return;
    }
    events.push_back(std::string(e.type == WatcherEvent::Type::Added ? "Added:" : "Deleted?:") +
                     ObjectKey(*e.object));
    if (!injected) {  // after the first object of the first page
      injected = true;
      ApiError gone;
      gone.reason = ApiError::Reason::Gone;
      gone.httpStatus = 410;
      gone.message = "continue token expired";
      api_.InjectError(Verb::List, gone, kKind);
      ASSERT_TRUE(api_.Delete(kKind, "team-a", "w0", {}).ok());
    }
  };
  watcher_ = std::make_unique<Watcher>(api_, kKind, clock_, Exact(2), sink);
  thread_ = std::jthread([this](std::stop_token s) { watcher_->Run(s); });
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  std::lock_guard lock(mu);
  EXPECT_EQ(events, (std::vector<std::string>{"Added:team-a/w0", "Added:team-a/w1",
                                              "Added:team-a/w2", "Added:team-a/w3",
                                              "Added:team-a/w4", "Deleted?:team-a/w0", "Synced"}));
  EXPECT_EQ(watcher_->stats().lists, 1u);
  EXPECT_EQ(watcher_->stats().relists, 0u);
}

TEST_F(WatcherTest, WatchEventsBecomeAddedModifiedDeleted) {
  Start();
  ASSERT_TRUE(rec_.WaitForCount(1));
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  ASSERT_TRUE(api_.Create(kKind, "ns", Obj("ns", "a")).ok());
  json updated = Obj("ns", "a", 3);
  ASSERT_TRUE(api_.Update(kKind, "ns", updated).ok());
  ASSERT_TRUE(api_.Delete(kKind, "ns", "a", {}).ok());
  ASSERT_TRUE(rec_.WaitForCount(4));
  EXPECT_EQ(rec_.Events(),
            (std::vector<std::string>{"Synced", "Added:ns/a", "Modified:ns/a", "Deleted:ns/a"}));
  EXPECT_EQ(rec_.Objects()[1]->at("spec").at("replicas"), 3);
}

TEST_F(WatcherTest, StreamEndRewatchesFromTheLastSeenVersionWithoutRelisting) {
  Start();
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  ASSERT_TRUE(api_.Create(kKind, "ns", Obj("ns", "a")).ok());
  ASSERT_TRUE(rec_.WaitForCount(2));
  std::string rv = api_.CurrentResourceVersion();
  api_.CloseWatches(kKind);  // the server's timeoutSeconds expired
  ASSERT_TRUE(api_.WaitForCalls(Verb::Watch, 2));
  auto watches = CallsOf(api_, Verb::Watch);
  EXPECT_EQ(watches[1].resourceVersion, rv);
  EXPECT_EQ(api_.CallCount(Verb::List), 1u);
  // Nothing is lost across the re-watch.
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  ASSERT_TRUE(api_.Create(kKind, "ns", Obj("ns", "b")).ok());
  ASSERT_TRUE(rec_.WaitForCount(3));
  EXPECT_EQ(rec_.Events().back(), "Added:ns/b");
}

TEST_F(WatcherTest, BookmarkMovesTheResumePoint) {
  Start();
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  // Writes to another kind move the global resourceVersion; only a bookmark tells us.
  api_.Seed(kinds::kGPUPool, json{{"metadata", {{"name", "p1"}}}});
  api_.Seed(kinds::kGPUPool, json{{"metadata", {{"name", "p2"}}}});
  std::string rv = api_.CurrentResourceVersion();
  api_.SendBookmark(kKind);
  api_.CloseWatches(kKind);
  ASSERT_TRUE(api_.WaitForCalls(Verb::Watch, 2));
  EXPECT_EQ(CallsOf(api_, Verb::Watch)[1].resourceVersion, rv);
  EXPECT_EQ(rec_.Events(), std::vector<std::string>{"Synced"});  // bookmarks are not events
}

TEST_F(WatcherTest, GoneEventRelistsAndReportsWhatWasDeletedWhileAway) {
  api_.Seed(kKind, Obj("ns", "keep"));
  api_.Seed(kKind, Obj("ns", "gone"));
  api_.Seed(kKind, Obj("ns", "changed"));
  Start();
  ASSERT_TRUE(rec_.WaitForCount(4));
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));

  api_.BreakWatches(kKind);  // connection drops; the watcher backs off 800 ms
  ASSERT_TRUE(clock_.WaitForSleepers(1));
  EXPECT_EQ(clock_.NextDeadline(), clock_.Now() + milliseconds(800));
  // While it is away: a delete, an update, a create, then etcd compaction.
  ASSERT_TRUE(api_.Delete(kKind, "ns", "gone", {}).ok());
  ASSERT_TRUE(api_.Update(kKind, "ns", Obj("ns", "changed", 5)).ok());
  ASSERT_TRUE(api_.Create(kKind, "ns", Obj("ns", "new")).ok());
  api_.Compact();
  clock_.Advance(milliseconds(800));

  // Re-watch from the old RV gets an ERROR 410 event; the relist tells the differences.
  ASSERT_TRUE(rec_.WaitForCount(8));
  auto after = rec_.Since(4);
  EXPECT_EQ(after, (std::vector<std::string>{"Modified:ns/changed", "Added:ns/new",
                                             "Deleted?:ns/gone", "Synced"}));
  EXPECT_EQ(watcher_->stats().relists, 1u);
  EXPECT_EQ(api_.CallCount(Verb::List), 2u);
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  EXPECT_EQ(CallsOf(api_, Verb::Watch).back().resourceVersion, api_.CurrentResourceVersion());
}

TEST_F(WatcherTest, GoneFromTheWatchCallItselfAlsoRelists) {
  api_.SetGoneAsErrorEvent(false);
  api_.Seed(kKind, Obj("ns", "a"));
  Start();
  ASSERT_TRUE(rec_.WaitForCount(2));
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  api_.CloseWatches(kKind);  // ends with no events: counts as a short watch -> backoff
  ASSERT_TRUE(clock_.WaitForSleepers(1));
  ASSERT_TRUE(api_.Delete(kKind, "ns", "a", {}).ok());
  api_.Compact();
  clock_.AdvanceToNextDeadline();
  ASSERT_TRUE(rec_.WaitForCount(4));
  EXPECT_EQ(rec_.Since(2), (std::vector<std::string>{"Deleted?:ns/a", "Synced"}));
}

TEST_F(WatcherTest, MalformedLineIsLoggedAndRewatchedWithoutRelist) {
  Start();
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  ASSERT_TRUE(api_.Create(kKind, "ns", Obj("ns", "a")).ok());
  ASSERT_TRUE(rec_.WaitForCount(2));
  std::string rv = api_.CurrentResourceVersion();
  api_.SendRawLine(kKind, "{\"type\": \"ADDED\", \"object\": {trunc");
  ASSERT_TRUE(clock_.WaitForSleepers(1));  // backing off, not crashed
  clock_.AdvanceToNextDeadline();
  ASSERT_TRUE(api_.WaitForCalls(Verb::Watch, 2));
  EXPECT_EQ(CallsOf(api_, Verb::Watch)[1].resourceVersion, rv);
  EXPECT_EQ(api_.CallCount(Verb::List), 1u);
  EXPECT_EQ(watcher_->stats().errors, 1u);
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  ASSERT_TRUE(api_.Create(kKind, "ns", Obj("ns", "b")).ok());
  ASSERT_TRUE(rec_.WaitForCount(3));
  EXPECT_EQ(rec_.Events().back(), "Added:ns/b");
}

TEST_F(WatcherTest, ScriptedStreamWithBookmarkUnknownTypeAndObjectWithoutName) {
  json a = Obj("ns", "a");
  a["metadata"]["resourceVersion"] = "100";
  using Item = FakeApiClient::ScriptItem;
  api_.ScriptNextWatch(kKind, {Item::Event(WatchEvent::Type::Added, a),
                               Item::Event(WatchEvent::Type::Bookmark,
                                           json{{"metadata", {{"resourceVersion", "150"}}}}),
                               Item::End()});
  api_.ScriptNextWatch(kKind, {Item::Raw("{\"type\":\"EXPLODED\",\"object\":{}}")});
  api_.ScriptNextWatch(
      kKind, {Item::Event(WatchEvent::Type::Modified, json{{"metadata", json::object()}})});
  Start();
  ASSERT_TRUE(rec_.WaitForCount(2));
  EXPECT_EQ(rec_.Events()[1], "Added:ns/a");
  // Second watch resumes at the bookmark, gets an unknown event type: backoff 800 ms.
  ASSERT_TRUE(api_.WaitForCalls(Verb::Watch, 2));
  EXPECT_EQ(CallsOf(api_, Verb::Watch)[1].resourceVersion, "150");
  ASSERT_TRUE(clock_.WaitForSleepers(1));
  EXPECT_EQ(clock_.NextDeadline(), clock_.Now() + milliseconds(800));
  clock_.AdvanceToNextDeadline();
  // Third: an object without a name: backoff grows to 1.6 s.
  ASSERT_TRUE(api_.WaitForCalls(Verb::Watch, 3));
  ASSERT_TRUE(clock_.WaitForSleepers(1));
  EXPECT_EQ(clock_.NextDeadline(), clock_.Now() + milliseconds(1600));
  clock_.AdvanceToNextDeadline();
  ASSERT_TRUE(api_.WaitForCalls(Verb::Watch, 4));
  EXPECT_EQ(CallsOf(api_, Verb::Watch)[3].resourceVersion, "150");
  EXPECT_EQ(rec_.Events().size(), 2u);
  EXPECT_EQ(watcher_->stats().errors, 2u);
}

TEST_F(WatcherTest, NonGoneErrorEventBacksOffAndRewatches) {
  Start();
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  api_.SendWatchEvent(
      kKind, WatchEvent{WatchEvent::Type::Error,
                        json{{"kind", "Status"}, {"code", 500}, {"message", "internal error"}}});
  ASSERT_TRUE(clock_.WaitForSleepers(1));
  clock_.AdvanceToNextDeadline();
  ASSERT_TRUE(api_.WaitForCalls(Verb::Watch, 2));
  EXPECT_EQ(api_.CallCount(Verb::List), 1u);
}

TEST_F(WatcherTest, TooManyRequestsHonoursRetryAfter) {
  api_.InjectError(Verb::Watch, testing::TooManyRequests(seconds(7)));
  Start();
  ASSERT_TRUE(clock_.WaitForSleepers(1));
  EXPECT_EQ(clock_.NextDeadline(), clock_.Now() + seconds(7));
  clock_.Advance(seconds(7));
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
}

TEST_F(WatcherTest, ListErrorsBackOffExponentially) {
  api_.InjectError(Verb::List, testing::MakeApiError(ApiError::Reason::InternalError));
  api_.InjectError(Verb::List, testing::MakeApiError(ApiError::Reason::ServiceUnavailable));
  Start();
  ASSERT_TRUE(clock_.WaitForSleepers(1));
  EXPECT_EQ(clock_.NextDeadline(), clock_.Now() + milliseconds(800));
  clock_.AdvanceToNextDeadline();
  ASSERT_TRUE(api_.WaitForCalls(Verb::List, 2));
  ASSERT_TRUE(clock_.WaitForSleepers(1));
  EXPECT_EQ(clock_.NextDeadline(), clock_.Now() + milliseconds(1600));
  clock_.AdvanceToNextDeadline();
  ASSERT_TRUE(rec_.WaitForCount(1));
  EXPECT_EQ(rec_.Events(), std::vector<std::string>{"Synced"});
}

TEST_F(WatcherTest, StopsPromptlyWhileWatchingAndWhileBackingOff) {
  Start();
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  thread_.request_stop();
  thread_.join();  // a blocked Next() is cancelled
  EXPECT_EQ(api_.OpenWatches(kKind), 0u);

  api_.InjectError(Verb::List, testing::MakeApiError(ApiError::Reason::Transport));
  Watcher second(api_, kKind, clock_, Exact(), rec_.Sink());
  std::jthread t([&](std::stop_token s) { second.Run(s); });
  ASSERT_TRUE(clock_.WaitForSleepers(1));
  t.request_stop();
  t.join();  // the backoff sleep ends at once
}

TEST_F(WatcherTest, TransformRunsBeforeObjectsAreShared) {
  json o = Obj("ns", "a");
  o["metadata"]["managedFields"] = json::array({json{{"manager", "kubectl"}}});
  api_.Seed(kKind, o);
  WatcherOptions opts = Exact();
  opts.transform = DropManagedFields;
  Start(opts);
  ASSERT_TRUE(rec_.WaitForCount(2));
  EXPECT_FALSE(rec_.Objects()[0]->at("metadata").contains("managedFields"));
}

TEST_F(WatcherTest, LabelSelectorIsPassedToListAndWatch) {
  json a = Obj("ns", "a");
  a["metadata"]["labels"] = {{"team", "vision"}};
  api_.Seed(kKind, a);
  api_.Seed(kKind, Obj("ns", "b"));
  WatcherOptions opts = Exact();
  opts.labelSelector = "team=vision";
  Start(opts);
  ASSERT_TRUE(rec_.WaitForCount(2));
  EXPECT_EQ(rec_.Events(), (std::vector<std::string>{"Added:ns/a", "Synced"}));
  ASSERT_TRUE(api_.WaitForWatches(1, kKind));
  EXPECT_EQ(CallsOf(api_, Verb::Watch)[0].labelSelector, "team=vision");
}

}  // namespace
}  // namespace hybridai::runtime
