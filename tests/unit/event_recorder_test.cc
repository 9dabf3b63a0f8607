// Event recording: dedup into count bumps, the per-object spam filter, the asynchronous queue.
#include "runtime/event_recorder.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "runtime/metrics.h"
#include "support/fake_api_client.h"
#include "support/forwarding_api_client.h"
#include "support/simulated_clock.h"

namespace hybridai::runtime {
namespace {

using testing::FakeApiClient;
using testing::MakeApiError;
using testing::SimulatedClock;
using namespace std::chrono_literals;

json Workload(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "hybridai.io/v1alpha1"},
          {"kind", "AIWorkload"},
          {"metadata",
           {{"namespace", ns}, {"name", name}, {"uid", "uid-" + name}, {"resourceVersion", "7"}}}};
}

// Forwards to the fake, but Create blocks while the gate is closed: a slow apiserver.
class GatedApiClient final : public testing::ForwardingApiClient {
 public:
  using ForwardingApiClient::ForwardingApiClient;
  void Close() {
    std::lock_guard l(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Blocks (real time, hang guard only) until a Create is waiting at the closed gate.
  bool WaitForBlocked() {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, 20s, [&] { return blocked_ > 0; });
  }

  Result<json> Create(const ResourceKind& k, const std::string& ns, const json& obj) override {
    {
      std::unique_lock l(mu_);
      ++blocked_;
      cv_.notify_all();
      cv_.wait(l, [&] { return open_; });
      --blocked_;
    }
    return inner_.Create(k, ns, obj);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int blocked_ = 0;
};

class EventRecorderTest : public ::testing::Test {
 protected:
  EventRecorderOptions Options() {
    EventRecorderOptions o;
    o.reportingController = "hybridai.io/operator";
    o.reportingInstance = "operator-0";
    return o;
  }

  SimulatedClock clock_;
  FakeApiClient api_{&clock_};
};

std::vector<json> Events(FakeApiClient& api, const std::string& ns = "") {
  return api.Objects(kinds::kEvent, ns);
}

TEST_F(EventRecorderTest, WritesACoreV1Event) {
  EventRecorder rec(api_, clock_, Options());
  rec.Warning(ObjectReference::To(Workload("team-a", "llama")), "PlacementFailed",
              "no pool has 8 free H100");
  rec.Flush();

  auto events = Events(api_);
  ASSERT_EQ(events.size(), 1u);
  const json& e = events[0];
  EXPECT_EQ(e["metadata"]["namespace"], "team-a");
  EXPECT_EQ(e["metadata"]["name"].get<std::string>().rfind("llama.", 0), 0u);
  EXPECT_EQ(e["involvedObject"], (json{{"apiVersion", "hybridai.io/v1alpha1"},
                                       {"kind", "AIWorkload"},
                                       {"namespace", "team-a"},
                                       {"name", "llama"},
                                       {"uid", "uid-llama"},
                                       {"resourceVersion", "7"}}));
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["reason"], "PlacementFailed");
  EXPECT_EQ(e["message"], "no pool has 8 free H100");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["firstTimestamp"], "2025-01-01T00:00:00Z");
  EXPECT_EQ(e["lastTimestamp"], "2025-01-01T00:00:00Z");
  EXPECT_EQ(e["source"], (json{{"component", "hybridai.io/operator"}, {"host", "operator-0"}}));
  EXPECT_EQ(e["reportingComponent"], "hybridai.io/operator");
  EXPECT_EQ(e["reportingInstance"], "operator-0");
  EXPECT_EQ(rec.stats().created, 1u);
}

TEST_F(EventRecorderTest, ClusterScopedObjectsReportInDefault) {
  EventRecorder rec(api_, clock_, Options());
  json pool = {{"apiVersion", "hybridai.io/v1alpha1"},
               {"kind", "GPUPool"},
               {"metadata", {{"name", "aws-h100"}, {"uid", "u1"}}}};
  rec.Normal(ObjectReference::To(pool), "CapacityMeasured", "32 accelerators on 4 nodes");
  rec.Flush();
  auto events = Events(api_, "default");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0]["involvedObject"].contains("namespace"));
  EXPECT_EQ(events[0]["type"], "Normal");
}

TEST_F(EventRecorderTest, RepeatsBumpCountInsteadOfCreating) {
  EventRecorder rec(api_, clock_, Options());
  auto ref = ObjectReference::To(Workload("team-a", "llama"));
  rec.Warning(ref, "PlacementFailed", "no capacity");
  clock_.Advance(30s);
  rec.Warning(ref, "PlacementFailed", "no capacity");
  clock_.Advance(30s);
  rec.Warning(ref, "PlacementFailed", "no capacity");
  rec.Normal(ref, "PlacementFailed", "no capacity");  // another type: another Event
  rec.Warning(ref, "PlacementFailed", "other message");
  rec.Flush();

  auto events = Events(api_, "team-a");
  ASSERT_EQ(events.size(), 3u);
  int bumped = 0;
  for (const json& e : events) {
    if (e["type"] == "Warning" && e["message"] == "no capacity") {
      ++bumped;
      EXPECT_EQ(e["count"], 3);
      EXPECT_EQ(e["firstTimestamp"], "2025-01-01T00:00:00Z");
      EXPECT_EQ(e["lastTimestamp"], "2025-01-01T00:01:00Z");
    } else {
      EXPECT_EQ(e["count"], 1);
    }
  }
  EXPECT_EQ(bumped, 1);
  EXPECT_EQ(api_.CallCount(FakeApiClient::Verb::Patch), 2u);
  EXPECT_EQ(api_.CallCount(FakeApiClient::Verb::Create), 3u);
  EXPECT_EQ(rec.stats().deduplicated, 2u);
}

TEST_F(EventRecorderTest, RepeatAfterTheDedupWindowCreatesANewEvent) {
  EventRecorder rec(api_, clock_, Options());
  auto ref = ObjectReference::To(Workload("team-a", "llama"));
  rec.Warning(ref, "Evicted", "pool drained");
  clock_.Advance(10min);  // still within: the window is inclusive
  rec.Warning(ref, "Evicted", "pool drained");
  clock_.Advance(10min + 1s);
  rec.Warning(ref, "Evicted", "pool drained");
  rec.Flush();
  auto events = Events(api_, "team-a");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["count"].get<int>() + events[1]["count"].get<int>(), 3);
}

TEST_F(EventRecorderTest, DeletedEventIsRecreated) {
  EventRecorder rec(api_, clock_, Options());
  auto ref = ObjectReference::To(Workload("team-a", "llama"));
  rec.Normal(ref, "Placed", "on aws-h100");
  rec.Flush();
  auto first = Events(api_, "team-a");
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(api_.Delete(kinds::kEvent, "team-a", first[0]["metadata"]["name"], {}).ok());
  rec.Normal(ref, "Placed", "on aws-h100");
  rec.Flush();
  auto second = Events(api_, "team-a");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["count"], 1);
  EXPECT_NE(second[0]["metadata"]["name"], first[0]["metadata"]["name"]);
}

TEST_F(EventRecorderTest, SpamFilterLimitsEachObject) {
  MetricsRegistry metrics;
  EventRecorder rec(api_, clock_, Options(), &metrics);
  auto noisy = ObjectReference::To(Workload("team-a", "noisy"));
  auto quiet = ObjectReference::To(Workload("team-a", "quiet"));
  for (int i = 0; i < 30; ++i) rec.Warning(noisy, "Retry", "attempt " + std::to_string(i));
  rec.Normal(quiet, "Placed", "fine");
  rec.Flush();
  EXPECT_EQ(rec.stats().created, 26u);  // burst of 25 for noisy, 1 for quiet
  EXPECT_EQ(rec.stats().rateLimited, 5u);

  // One token comes back per 5 minutes.
  clock_.Advance(5min);
  rec.Warning(noisy, "Retry", "after refill 1");
  rec.Warning(noisy, "Retry", "after refill 2");
  rec.Flush();
  EXPECT_EQ(rec.stats().created, 27u);
  EXPECT_EQ(rec.stats().rateLimited, 6u);
  EXPECT_NE(metrics.Expose().find("hybridai_events_total{result=\"rate_limited\"} 6\n"),
            std::string::npos);
}

TEST_F(EventRecorderTest, DuplicatesAlsoSpendTokens) {
  EventRecorderOptions o = Options();
  o.burst = 3;
  EventRecorder rec(api_, clock_, o);
  auto ref = ObjectReference::To(Workload("team-a", "llama"));
  for (int i = 0; i < 5; ++i) rec.Warning(ref, "BackOff", "same");
  rec.Flush();
  auto events = Events(api_, "team-a");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 3);
  EXPECT_EQ(rec.stats().rateLimited, 2u);
}

TEST_F(EventRecorderTest, RecordNeverWaitsForTheApiAndStopDrainsTheQueue) {
  GatedApiClient gated(api_);
  EventRecorderOptions o = Options();
  o.queueCapacity = 4;
  MetricsRegistry metrics;
  auto rec = std::make_unique<EventRecorder>(gated, clock_, o, &metrics);
  gated.Close();
  rec->Normal(ObjectReference::To(Workload("ns", "w0")), "R", "m");
  ASSERT_TRUE(gated.WaitForBlocked());  // the sender is stuck inside Create
  // The queue takes 4 more; the rest are dropped. None of these calls block.
  for (int i = 1; i <= 10; ++i) {
    rec->Normal(ObjectReference::To(Workload("ns", "w" + std::to_string(i))), "R", "m");
  }
  EXPECT_EQ(rec->stats().dropped, 6u);
  EXPECT_EQ(Events(api_).size(), 0u);

  gated.Open();
  rec->Stop();  // sends everything still queued before returning
  EXPECT_EQ(Events(api_).size(), 5u);
  EXPECT_EQ(rec->stats().created, 5u);
  rec->Normal(ObjectReference::To(Workload("ns", "late")), "R", "m");  // after Stop: dropped
  EXPECT_EQ(rec->stats().dropped, 7u);
  EXPECT_NE(metrics.Expose().find("hybridai_events_total{result=\"dropped\"} 7\n"),
            std::string::npos);
  rec.reset();
  EXPECT_EQ(Events(api_).size(), 5u);
}

TEST_F(EventRecorderTest, ApiFailuresAreCountedNotFatal) {
  EventRecorder rec(api_, clock_, Options());
  api_.InjectError(FakeApiClient::Verb::Create,
                   MakeApiError(ApiError::Reason::Forbidden, "events is forbidden"));
  rec.Normal(ObjectReference::To(Workload("team-a", "a")), "R", "m");
  rec.Normal(ObjectReference::To(Workload("team-a", "b")), "R", "m");
  rec.Flush();
  EXPECT_EQ(rec.stats().failed, 1u);
  EXPECT_EQ(rec.stats().created, 1u);
}

TEST_F(EventRecorderTest, LongTextIsCutOnACharacterBoundary) {
  EventRecorder rec(api_, clock_, Options());
  std::string message = "x";
  for (int i = 0; i < 600; ++i) message += "\xC3\xA9";  // é, 2 bytes each
  rec.Warning(ObjectReference::To(Workload("team-a", "a")), std::string(300, 'R'), message);
  rec.Flush();
  auto events = Events(api_, "team-a");
  ASSERT_EQ(events.size(), 1u);
  std::string got = events[0]["message"];
  EXPECT_EQ(got.size(), 1023u);  // 1 + 511 * 2: the 512th é would pass 1024
  EXPECT_EQ(got.substr(got.size() - 2), "\xC3\xA9");
  EXPECT_EQ(events[0]["reason"].get<std::string>().size(), 128u);
}

TEST_F(EventRecorderTest, ReferenceFromMalformedObjectIsEmptyNotFatal) {
  ObjectReference r = ObjectReference::To(json::array({1, 2}));
  EXPECT_EQ(r.name, "");
  ObjectReference s = ObjectReference::To(json{{"metadata", {{"name", 5}}}});
  EXPECT_EQ(s.name, "");
  EventRecorder rec(api_, clock_, Options());
  rec.Normal(r, "R", "m");
  rec.Flush();
  auto events = Events(api_, "default");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["metadata"]["name"].get<std::string>().rfind("unknown.", 0), 0u);
}

}  // namespace
}  // namespace hybridai::runtime
