// Leader election on a Lease, driven by simulated time and the in-memory API server.
#include "runtime/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

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

constexpr const char* kNs = "hybrid-system";
constexpr const char* kName = "hybridai-operator";

LeaderElectionConfig Config(const std::string& identity) {
  LeaderElectionConfig c;
  c.leaseNamespace = kNs;
  c.leaseName = kName;
  c.identity = identity;
  c.acquireJitter = 0;  // exact periods keep the simulated timeline readable
  return c;
}

json Lease(FakeApiClient& api) {
  return api.Peek(kinds::kLease, kNs, kName).value_or(json());
}
std::string Holder(FakeApiClient& api) {
  return Lease(api)["spec"].value("holderIdentity", "");
}

// Forwards to the fake, running a hook right after each Get returns: lets a test slip another
// candidate's write between a Get and the Update that follows it.
class HookedApiClient final : public testing::ForwardingApiClient {
 public:
  using ForwardingApiClient::ForwardingApiClient;
  std::function<void()> afterGet;

  Result<json> Get(const ResourceKind& k, const std::string& ns, const std::string& n) override {
    auto r = inner_.Get(k, ns, n);
    if (afterGet) std::exchange(afterGet, nullptr)();
    return r;
  }
};

// ---- single attempts: the lease protocol ----

TEST(LeaderElectionTest, AcquiresAMissingLease) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  LeaderElector a(api, clock, Config("a"), {});
  EXPECT_FALSE(a.IsLeader());
  EXPECT_FALSE(a.Settled());
  ASSERT_TRUE(a.TryAcquireOrRenew());
  EXPECT_TRUE(a.IsLeader());
  EXPECT_TRUE(a.Settled());
  EXPECT_EQ(a.Leader(), "a");
  json spec = Lease(api)["spec"];
  EXPECT_EQ(spec["holderIdentity"], "a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_EQ(spec["acquireTime"], "2025-01-01T00:00:00.000000Z");
  EXPECT_EQ(spec["renewTime"], "2025-01-01T00:00:00.000000Z");

  clock.Advance(2s + 250ms);
  ASSERT_TRUE(a.TryAcquireOrRenew());
  spec = Lease(api)["spec"];
  EXPECT_EQ(spec["renewTime"], "2025-01-01T00:00:02.250000Z");
  EXPECT_EQ(spec["acquireTime"], "2025-01-01T00:00:00.000000Z");  // a renewal keeps it
  EXPECT_EQ(spec["leaseTransitions"], 0);
}

TEST(LeaderElectionTest, AcquiresAnEmptyLease) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  api.Seed(kinds::kLease, {{"apiVersion", "coordination.k8s.io/v1"},
                           {"kind", "Lease"},
                           {"metadata", {{"namespace", kNs}, {"name", kName}}},
                           {"spec", {{"leaseTransitions", 4}}}});
  LeaderElector a(api, clock, Config("a"), {});
  ASSERT_TRUE(a.TryAcquireOrRenew());
  EXPECT_EQ(Holder(api), "a");
  EXPECT_EQ(Lease(api)["spec"]["leaseTransitions"], 5);
}

TEST(LeaderElectionTest, TwoCandidatesExactlyOneLeads) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  LeaderElector a(api, clock, Config("a"), {});
  LeaderElector b(api, clock, Config("b"), {});
  for (int round = 0; round < 10; ++round) {
    bool aLeads = a.TryAcquireOrRenew();
    bool bLeads = b.TryAcquireOrRenew();
    EXPECT_NE(aLeads, bLeads) << "round " << round;
    clock.Advance(2s);
  }
  EXPECT_EQ(Holder(api), "a");
  EXPECT_TRUE(a.IsLeader());
  EXPECT_FALSE(b.IsLeader());
  EXPECT_TRUE(b.Settled());  // b knows who leads
  EXPECT_EQ(b.Leader(), "a");
}

TEST(LeaderElectionTest, ConcurrentAcquireConflictsAndOneWins) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  api.Seed(kinds::kLease, {{"apiVersion", "coordination.k8s.io/v1"},
                           {"kind", "Lease"},
                           {"metadata", {{"namespace", kNs}, {"name", kName}}},
                           {"spec", json::object()}});
  HookedApiClient hooked(api);
  LeaderElector a(api, clock, Config("a"), {});
  LeaderElector b(hooked, clock, Config("b"), {});
  bool aWon = false;
  // b has read the free lease; a takes it before b's update lands: b's update gets 409.
  hooked.afterGet = [&] { aWon = a.TryAcquireOrRenew(); };
  EXPECT_FALSE(b.TryAcquireOrRenew());
  EXPECT_TRUE(aWon);
  EXPECT_EQ(Holder(api), "a");
  EXPECT_FALSE(b.IsLeader());
}

TEST(LeaderElectionTest, CreateRaceLosesWithAlreadyExists) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  HookedApiClient hooked(api);
  LeaderElector a(api, clock, Config("a"), {});
  LeaderElector b(hooked, clock, Config("b"), {});
  hooked.afterGet = [&] { ASSERT_TRUE(a.TryAcquireOrRenew()); };  // b saw NotFound
  EXPECT_FALSE(b.TryAcquireOrRenew());
  EXPECT_EQ(Holder(api), "a");
}

TEST(LeaderElectionTest, TakeoverOnlyAfterLeaseDurationWithoutRenewal) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  LeaderElector a(api, clock, Config("a"), {});
  LeaderElector b(api, clock, Config("b"), {});
  ASSERT_TRUE(a.TryAcquireOrRenew());
  const auto start = clock.Now();
  ASSERT_FALSE(b.TryAcquireOrRenew());  // b first sees a's record now
  // a stops renewing (it was killed). b retries every 2 s and must wait out the 15 s.
  while (clock.Now() + 2s < start + 15s) {
    clock.Advance(2s);
    ASSERT_FALSE(b.TryAcquireOrRenew()) << "took over early";
  }
  clock.AdvanceTo(start + 15s - 1ms);
  ASSERT_FALSE(b.TryAcquireOrRenew());
  clock.AdvanceTo(start + 15s);
  ASSERT_TRUE(b.TryAcquireOrRenew());
  json spec = Lease(api)["spec"];
  EXPECT_EQ(spec["holderIdentity"], "b");
  EXPECT_EQ(spec["leaseTransitions"], 1);
  EXPECT_EQ(spec["acquireTime"], "2025-01-01T00:00:15.000000Z");
  // The old leader, back from the dead, sees b and does not fight for it.
  EXPECT_FALSE(a.TryAcquireOrRenew());
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(a.Leader(), "b");
}

TEST(LeaderElectionTest, ExpiryCountsFromWhenTheRecordWasLastSeenToChange) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  LeaderElector a(api, clock, Config("a"), {});
  LeaderElector b(api, clock, Config("b"), {});
  ASSERT_TRUE(a.TryAcquireOrRenew());
  ASSERT_FALSE(b.TryAcquireOrRenew());
  clock.Advance(10s);
  ASSERT_TRUE(a.TryAcquireOrRenew());  // a renews at +10 s
  clock.Advance(4s);
  ASSERT_FALSE(b.TryAcquireOrRenew());  // b sees the renewal first at +14 s
  clock.Advance(14s);
  ASSERT_FALSE(b.TryAcquireOrRenew());  // +28 s: 14 s since b saw the change
  clock.Advance(1s);
  ASSERT_TRUE(b.TryAcquireOrRenew());  // +29 s: 15 s
}

TEST(LeaderElectionTest, GracefulReleaseLetsASuccessorInAtOnce) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  LeaderElector a(api, clock, Config("a"), {});
  LeaderElector b(api, clock, Config("b"), {});
  ASSERT_TRUE(a.TryAcquireOrRenew());
  ASSERT_FALSE(b.TryAcquireOrRenew());
  clock.Advance(1s);
  ASSERT_TRUE(a.Release());
  json spec = Lease(api)["spec"];
  EXPECT_EQ(spec["holderIdentity"], "");
  EXPECT_EQ(spec["leaseDurationSeconds"], 1);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_FALSE(a.IsLeader());
  ASSERT_TRUE(b.TryAcquireOrRenew());  // no waiting
  EXPECT_EQ(Lease(api)["spec"]["leaseTransitions"], 1);
  EXPECT_TRUE(a.Release());  // not ours any more: nothing to do
  EXPECT_EQ(Holder(api), "b");
}

TEST(LeaderElectionTest, WallClockSkewBetweenCandidatesIsIrrelevant) {
  for (auto skew : {-std::chrono::hours(24 * 365), std::chrono::hours(24 * 365)}) {
    // Distinct monotonic origins and wall clocks a year apart; both tick at the same rate.
    SimulatedClock clockA(Clock::TimePoint{} + 5h,
                          std::chrono::system_clock::time_point{} + 1735689600s);
    SimulatedClock clockB(Clock::TimePoint{} + 900h,
                          std::chrono::system_clock::time_point{} + 1735689600s + skew);
    FakeApiClient api(&clockA);
    LeaderElector a(api, clockA, Config("a"), {});
    LeaderElector b(api, clockB, Config("b"), {});
    auto tick = [&](Clock::Duration d) {
      clockA.Advance(d);
      clockB.Advance(d);
    };
    ASSERT_TRUE(a.TryAcquireOrRenew());
    for (int i = 0; i < 5; ++i) {  // a renews; b never sees an expired lease
      ASSERT_FALSE(b.TryAcquireOrRenew());
      tick(2s);
      ASSERT_TRUE(a.TryAcquireOrRenew());
    }
    ASSERT_FALSE(b.TryAcquireOrRenew());
    tick(15s - 1ms);  // a is gone
    ASSERT_FALSE(b.TryAcquireOrRenew());
    tick(1ms);
    ASSERT_TRUE(b.TryAcquireOrRenew());
  }
}

TEST(LeaderElectionTest, ApiErrorsAreAFailedAttemptNotACrash) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  LeaderElector a(api, clock, Config("a"), {});
  api.InjectError(FakeApiClient::Verb::Get, MakeApiError(ApiError::Reason::ServiceUnavailable));
  EXPECT_FALSE(a.TryAcquireOrRenew());
  api.InjectError(FakeApiClient::Verb::Create, MakeApiError(ApiError::Reason::Forbidden));
  EXPECT_FALSE(a.TryAcquireOrRenew());
  EXPECT_TRUE(a.TryAcquireOrRenew());
  api.InjectError(FakeApiClient::Verb::Update, MakeApiError(ApiError::Reason::Timeout));
  EXPECT_FALSE(a.TryAcquireOrRenew());
}

TEST(LeaderElectionTest, MalformedLeaseIsOverwrittenNotFatal) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  api.Seed(kinds::kLease, {{"apiVersion", "coordination.k8s.io/v1"},
                           {"kind", "Lease"},
                           {"metadata", {{"namespace", kNs}, {"name", kName}}},
                           {"spec", "garbage"}});
  LeaderElector a(api, clock, Config("a"), {});
  ASSERT_TRUE(a.TryAcquireOrRenew());
  EXPECT_EQ(Holder(api), "a");
}

TEST(LeaderElectionTest, ValidateNamesTheBadField) {
  EXPECT_EQ(Config("a").Validate(), "");
  LeaderElectionConfig c = Config("");
  EXPECT_NE(c.Validate().find("identity"), std::string::npos);
  c = Config("a");
  c.renewDeadline = 15s;
  EXPECT_NE(c.Validate().find("leaseDuration"), std::string::npos);
  c = Config("a");
  c.retryPeriod = 9s;
  EXPECT_NE(c.Validate().find("retryPeriod"), std::string::npos);
  c = Config("a");
  c.leaseName = "";
  EXPECT_NE(c.Validate().find("leaseName"), std::string::npos);
}

TEST(LeaderElectionTest, FormatsMicroTime) {
  auto t = std::chrono::system_clock::time_point{} + 1735689600s + 123456789ns;
  EXPECT_EQ(FormatMicroTime(t), "2025-01-01T00:00:00.123456Z");
}

// ---- the Run loop: callbacks, renew deadline, graceful stop ----

// What the callbacks saw, observable from the test thread.
struct Observer {
  std::mutex mu;
  std::condition_variable_any cv;
  bool started = false;
  bool leadingStopped = false;  // onStartedLeading saw its token fire and returned
  int stoppedCalls = 0;
  std::vector<std::string> leaders;

  LeaderCallbacks Callbacks() {
    return {.onStartedLeading =
                [this](std::stop_token stop) {
                  std::unique_lock l(mu);
                  started = true;
                  cv.notify_all();
                  cv.wait(l, stop, [] { return false; });
                  leadingStopped = true;
                  cv.notify_all();
                },
            .onStoppedLeading =
                [this] {
                  std::lock_guard l(mu);
                  ++stoppedCalls;
                  cv.notify_all();
                },
            .onNewLeader =
                [this](const std::string& id) {
                  std::lock_guard l(mu);
                  leaders.push_back(id);
                }};
  }
  // Hang guard only: a broken test fails instead of blocking forever.
  bool WaitStarted() {
    std::unique_lock l(mu);
    return cv.wait_for(l, 20s, [&] { return started; });
  }
};

// Runs an elector on its own thread; joins on destruction.
struct Runner {
  Runner(LeaderElector& e) : elector(e) {
    thread = std::jthread([this](std::stop_token stop) {
      lost = elector.Run(stop);
      done = true;
    });
  }
  LeaderElector& elector;
  std::atomic<bool> done{false};
  std::atomic<bool> lost{false};
  std::jthread thread;
};

// Waits (real time, hang guard) until the runner sleeps on the clock or has returned, then moves
// the clock to the earliest wake-up and waits until that sleeper moved on. False: it hung.
bool StepToNextWake(SimulatedClock& clock, Runner& r) {
  auto guard = std::chrono::steady_clock::now() + 20s;
  auto hung = [&] { return std::chrono::steady_clock::now() > guard; };
  while (clock.Sleepers() == 0 && !r.done) {
    if (hung()) return false;
    std::this_thread::sleep_for(1ms);
  }
  if (r.done) return true;
  auto next = clock.NextDeadline();
  if (!next) return true;
  clock.AdvanceTo(*next);
  for (;;) {
    auto now = clock.NextDeadline();
    if (r.done || (now && *now > *next)) return true;
    if (hung()) return false;
    std::this_thread::sleep_for(1ms);
  }
}

TEST(LeaderElectionRunTest, LeaderThatCannotRenewStopsLeadingWithinRenewDeadline) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  MetricsRegistry metrics;
  Observer obs;
  LeaderElector a(api, clock, Config("a"), obs.Callbacks(), &metrics);
  Runner run(a);
  ASSERT_TRUE(obs.WaitStarted());
  EXPECT_NE(metrics.Expose().find("leader_election_master_status{name=\"hybridai-operator\"} 1"),
            std::string::npos);
  const auto acquired = clock.Now();

  // Two good renewals, then the apiserver stops answering.
  ASSERT_TRUE(StepToNextWake(clock, run));
  ASSERT_TRUE(StepToNextWake(clock, run));
  const auto lastRenew = clock.Now();
  EXPECT_EQ(lastRenew - acquired, 4s);
  for (int i = 0; i < 20; ++i) {
    api.InjectError(FakeApiClient::Verb::Get, MakeApiError(ApiError::Reason::ServiceUnavailable));
  }
  size_t updatesBefore = api.CallCount(FakeApiClient::Verb::Update);
  while (!run.done) {
    ASSERT_TRUE(StepToNextWake(clock, run));
    ASSERT_LE(clock.Now() - lastRenew, 10s) << "still leading past renewDeadline";
  }
  run.thread.join();
  EXPECT_TRUE(run.lost);
  EXPECT_EQ(clock.Now() - lastRenew, 10s);
  std::lock_guard l(obs.mu);
  EXPECT_EQ(obs.stoppedCalls, 1);
  EXPECT_TRUE(obs.leadingStopped);
  EXPECT_FALSE(a.IsLeader());
  EXPECT_EQ(api.CallCount(FakeApiClient::Verb::Update), updatesBefore);  // wrote nothing more
  EXPECT_NE(metrics.Expose().find("leader_election_master_status{name=\"hybridai-operator\"} 0"),
            std::string::npos);
}

TEST(LeaderElectionRunTest, LeaderThatSeesAnotherHolderStopsAtOnce) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  Observer obs;
  LeaderElector a(api, clock, Config("a"), obs.Callbacks());
  Runner run(a);
  ASSERT_TRUE(obs.WaitStarted());
  // Someone overwrote the lease (a split brain in the making): a must not keep leading.
  json lease = Lease(api);
  lease["spec"]["holderIdentity"] = "intruder";
  api.Seed(kinds::kLease, lease);
  ASSERT_TRUE(StepToNextWake(clock, run));
  run.thread.join();
  EXPECT_TRUE(run.lost);
  std::lock_guard l(obs.mu);
  EXPECT_EQ(obs.stoppedCalls, 1);
  EXPECT_EQ(obs.leaders, (std::vector<std::string>{"a", "intruder"}));
}

TEST(LeaderElectionRunTest, StopReleasesAndTheStandbyTakesOverAtOnce) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  Observer obsA, obsB;
  LeaderElector a(api, clock, Config("a"), obsA.Callbacks());
  LeaderElector b(api, clock, Config("b"), obsB.Callbacks());
  auto runA = std::make_unique<Runner>(a);
  ASSERT_TRUE(obsA.WaitStarted());
  Runner runB(b);
  // b campaigns and keeps losing while a renews.
  for (int i = 0; i < 6; ++i) {
    // Both on the clock (a between renewals, b between attempts) before time moves: a sleeping
    // alone would let StepToNextWake step a's renewals before b's thread ever ran.
    ASSERT_TRUE(clock.WaitForSleepers(2));
    ASSERT_TRUE(StepToNextWake(clock, runB));
    ASSERT_EQ(Holder(api), "a");
  }
  EXPECT_FALSE(b.IsLeader());
  EXPECT_TRUE(b.Settled());

  runA->thread.request_stop();
  runA->thread.join();
  EXPECT_FALSE(runA->lost);
  {
    std::lock_guard l(obsA.mu);
    EXPECT_TRUE(obsA.leadingStopped);
    EXPECT_EQ(obsA.stoppedCalls, 1);
  }
  EXPECT_EQ(Holder(api), "");
  const auto released = clock.Now();
  // b's next attempt (one retryPeriod later at most) takes the released lease.
  while (Holder(api) != "b") {
    ASSERT_TRUE(StepToNextWake(clock, runB));
    ASSERT_LE(clock.Now() - released, 2s);
  }
  ASSERT_TRUE(obsB.WaitStarted());
  EXPECT_EQ(Holder(api), "b");
  EXPECT_LE(clock.Now() - released, 2s);
  runB.thread.request_stop();
  runB.thread.join();
  runA.reset();
}

TEST(LeaderElectionRunTest, StopBeforeAcquiringCallsNothing) {
  SimulatedClock clock;
  FakeApiClient api(&clock);
  LeaderElector a(api, clock, Config("a"), {});
  ASSERT_TRUE(a.TryAcquireOrRenew());
  Observer obs;
  LeaderElector b(api, clock, Config("b"), obs.Callbacks());
  Runner run(b);
  ASSERT_TRUE(clock.WaitForSleepers(1));
  run.thread.request_stop();
  run.thread.join();
  EXPECT_FALSE(run.lost);
  std::lock_guard l(obs.mu);
  EXPECT_FALSE(obs.started);
  EXPECT_EQ(obs.stoppedCalls, 0);
  EXPECT_EQ(Holder(api), "a");
}

}  // namespace
}  // namespace hybridai::runtime
