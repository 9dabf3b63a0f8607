// The fleet scheduler against an in-memory hub (real informers) and the simulated clock:
// decisions in one global order across namespaces, stability, preemption (fewest and lowest
// victims, preemptionPolicy Never, the operator-wide switch), failover deadlines as timers,
// finished Jobs releasing their accelerators, budgets judged with the ledger's committed rates,
// and a property test: after any sequence of events the ledger equals the sum of the decisions.
#include "controllers/fleet_scheduler.h"

#include <gtest/gtest.h>

#include "core/cost_model.h"
#include "core/rfc3339.h"
#include "scheduler_test_fleet.h"
#include "support/split_mix_rng.h"

namespace hybridai::controllers {
namespace {

using nlohmann::json;
namespace kinds = runtime::kinds;
using testing::WaitUntil;

struct Fleet : testing::SchedulerFleet {
  explicit Fleet(int64_t aws = 4, int64_t paris = 0, FleetSchedulerOptions options = {})
      : SchedulerFleet(aws, paris, options) {}

  // Creates a workload (one accelerator per replica) with a priority. The clock moves a second
  // first, so creation order is unambiguous.
  void Create(const std::string& ns, const std::string& name, int64_t replicas,
              int64_t priority = 0, const std::function<void(json&)>& edit = nullptr) {
    hub.clock.Advance(std::chrono::seconds(1));
    CreateWorkload(ns, name, replicas, [&](json& w) {
      w["spec"]["priority"] = priority;
      if (edit) edit(w);
    });
  }

  std::string PoolOf(const std::string& key) {
    auto d = D(key);
    return d.decision.placed && !d.decision.placements.empty() ? d.decision.placements[0].pool : "";
  }
};

TEST(FleetScheduler, DecidesInPriorityOrderAcrossNamespaces) {
  Fleet f(/*aws=*/4);
  // The low-priority one is older and its namespace sorts first: neither matters.
  f.Create("team-a", "low", 3, /*priority=*/0);
  f.Create("team-b", "high", 3, /*priority=*/10);
  EXPECT_EQ(f.scheduler->RunCycle(), 2u);
  EXPECT_TRUE(f.D("team-b/high").decision.placed);
  EXPECT_FALSE(f.D("team-a/low").decision.placed);
  EXPECT_EQ(f.scheduler->Allocated("aws-h100"), 3);
  EXPECT_EQ(f.scheduler->PendingWorkloads(), 1u);
  EXPECT_EQ(f.decided, (std::set<std::string>{"team-a/low", "team-b/high"}));
}

TEST(FleetScheduler, OlderFirstWithinOnePriority) {
  Fleet f(/*aws=*/4);
  f.Create("team-b", "first", 3);
  f.Create("team-a", "second", 3);
  f.scheduler->RunCycle();
  EXPECT_TRUE(f.D("team-b/first").decision.placed);
  EXPECT_FALSE(f.D("team-a/second").decision.placed);
}

TEST(FleetScheduler, PlacedWorkloadsKeepTheirPlacements) {
  Fleet f(/*aws=*/4, /*paris=*/8);
  f.Create("team-a", "chat", 2);
  f.scheduler->RunCycle();
  ASSERT_EQ(f.PoolOf("team-a/chat"), "aws-h100");
  // The on-prem pool becomes the cheaper one: nothing moves without a reason.
  f.Patch(kinds::kGPUPool, "", "dc-paris-h100",
          {{"spec", {{"pricing", {{"acceleratorHour", "0.10"}}}}}});
  f.scheduler->PoolChanged("dc-paris-h100");
  f.scheduler->Enqueue("team-a/chat");  // decided again all the same
  f.decided.clear();
  EXPECT_EQ(f.scheduler->RunCycle(), 1u);
  EXPECT_EQ(f.PoolOf("team-a/chat"), "aws-h100");
  EXPECT_TRUE(f.D("team-a/chat").decision.kept);
  EXPECT_TRUE(f.decided.empty());
  // A status-only update (the operator's own write) is no reason to decide again.
  f.Patch(kinds::kAIWorkload, "team-a", "chat", {{"status", {{"phase", "Running"}}}}, true);
  f.scheduler->WorkloadChanged(f.hub.Caches().workloads->Get("team-a", "chat"));
  EXPECT_EQ(f.scheduler->Queued(), 0u);
}

TEST(FleetScheduler, ScaleUpIsDecidedAgain) {
  Fleet f(/*aws=*/4);
  f.Create("team-a", "chat", 2);
  f.scheduler->RunCycle();
  f.Patch(kinds::kAIWorkload, "team-a", "chat", {{"spec", {{"replicas", 4}}}});
  f.scheduler->WorkloadChanged(f.hub.Caches().workloads->Get("team-a", "chat"));
  f.scheduler->RunCycle();
  const auto d = f.D("team-a/chat");
  EXPECT_EQ(d.generation, 2);
  ASSERT_TRUE(d.decision.placed);
  EXPECT_EQ(d.decision.placements[0].replicas, 4);
  EXPECT_EQ(f.scheduler->Allocated("aws-h100"), 4);
}

TEST(FleetScheduler, HigherPriorityPreemptsAndTheVictimReturnsWhenRoomAppears) {
  Fleet f(/*aws=*/4);
  f.Create("team-a", "low", 3, 0);
  f.scheduler->RunCycle();
  ASSERT_TRUE(f.D("team-a/low").decision.placed);

  f.Create("team-b", "high", 3, 10);
  f.scheduler->RunCycle();
  EXPECT_TRUE(f.D("team-b/high").decision.placed);
  const auto low = f.D("team-a/low");
  EXPECT_FALSE(low.decision.placed);
  EXPECT_EQ(low.preemptedBy, "team-b/high");
  EXPECT_EQ(low.decision.message, "preempted by team-b/high (priority 10)");
  EXPECT_EQ(f.scheduler->Allocated("aws-h100"), 3);

  // Still no room: it stays Preempted (not merely Unschedulable) until placed again.
  f.scheduler->Enqueue("team-a/low");
  f.scheduler->RunCycle();
  EXPECT_EQ(f.D("team-a/low").preemptedBy, "team-b/high");
  EXPECT_EQ(f.D("team-a/low").decision.message.rfind("preempted by team-b/high (priority 10); ", 0),
            0u)
      << f.D("team-a/low").decision.message;

  f.Delete("team-b", "high");
  f.scheduler->RunCycle();  // releases; room appeared, so Pending ones are retried
  f.scheduler->RunCycle();
  EXPECT_TRUE(f.D("team-a/low").decision.placed);
  EXPECT_TRUE(f.D("team-a/low").preemptedBy.empty());
}

TEST(FleetScheduler, PreemptsTheFewestAndLowest) {
  Fleet f(/*aws=*/4);
  f.Create("team-a", "tiny", 1, /*priority=*/0);  // lowest, but freeing it is not enough
  f.Create("team-a", "big", 3, /*priority=*/1);
  f.scheduler->RunCycle();
  ASSERT_EQ(f.scheduler->Allocated("aws-h100"), 4);

  f.Create("team-b", "urgent", 3, /*priority=*/5);
  f.scheduler->RunCycle();
  EXPECT_TRUE(f.D("team-b/urgent").decision.placed);
  // tiny was tried first, then big; the reprieve spares tiny, which was not needed.
  EXPECT_TRUE(f.D("team-a/tiny").decision.placed);
  EXPECT_FALSE(f.D("team-a/big").decision.placed);
  EXPECT_EQ(f.D("team-a/big").preemptedBy, "team-b/urgent");
  EXPECT_EQ(f.scheduler->Allocated("aws-h100"), 4);
}

TEST(FleetScheduler, NewestGoesFirstWithinOnePriority) {
  Fleet f(/*aws=*/4);
  f.Create("team-a", "old", 2, 0);
  f.Create("team-a", "new", 2, 0);
  f.scheduler->RunCycle();
  f.Create("team-b", "urgent", 2, 5);
  f.scheduler->RunCycle();
  EXPECT_TRUE(f.D("team-a/old").decision.placed);
  EXPECT_FALSE(f.D("team-a/new").decision.placed);
}

TEST(FleetScheduler, NeverPreemptsEqualPriorityOrWhenToldNotTo) {
  {
    Fleet f(/*aws=*/4);
    f.Create("team-a", "first", 3, 5);
    f.scheduler->RunCycle();
    f.Create("team-b", "same", 3, 5);
    f.scheduler->RunCycle();
    EXPECT_TRUE(f.D("team-a/first").decision.placed);
    EXPECT_FALSE(f.D("team-b/same").decision.placed);
  }
  {
    Fleet f(/*aws=*/4);
    f.Create("team-a", "low", 3, 0);
    f.scheduler->RunCycle();
    f.Create("team-b", "polite", 3, 10, [](json& w) { w["spec"]["preemptionPolicy"] = "Never"; });
    f.scheduler->RunCycle();
    EXPECT_TRUE(f.D("team-a/low").decision.placed);
    EXPECT_FALSE(f.D("team-b/polite").decision.placed);
    EXPECT_TRUE(f.D("team-b/polite").preemptedBy.empty());
  }
  {
    Fleet f(/*aws=*/4, /*paris=*/0, FleetSchedulerOptions{.preemption = false});
    f.Create("team-a", "low", 3, 0);
    f.scheduler->RunCycle();
    f.Create("team-b", "high", 3, 10);
    f.scheduler->RunCycle();
    EXPECT_TRUE(f.D("team-a/low").decision.placed);
    EXPECT_FALSE(f.D("team-b/high").decision.placed);
  }
}

TEST(FleetScheduler, PreemptionNeverHelpsWhatCannotFitAnyway) {
  Fleet f(/*aws=*/4);
  f.Create("team-a", "low", 3, 0);
  f.scheduler->RunCycle();
  f.Create("team-b", "huge", 8, 10);  // more than the pool has
  f.scheduler->RunCycle();
  EXPECT_TRUE(f.D("team-a/low").decision.placed);
  EXPECT_FALSE(f.D("team-b/huge").decision.placed);
}

TEST(FleetScheduler, FailoverDeadlineIsATimerNotAResync) {
  Fleet f(/*aws=*/4, /*paris=*/4);
  f.Create("team-a", "chat", 2, 0, [](json& w) {
    w["spec"]["redundancy"] = {{"mode", "None"}, {"failoverAfterSeconds", 10}};
  });
  f.scheduler->RunCycle();
  ASSERT_EQ(f.PoolOf("team-a/chat"), "aws-h100");

  f.scheduler->Start();
  // The pool goes unready now: kept (not failed yet), and a timer armed for +10 s.
  const std::string now = FormatRfc3339(
      std::chrono::duration_cast<std::chrono::seconds>(f.hub.clock.WallNow().time_since_epoch())
          .count());
  f.Patch(kinds::kGPUPool, "", "aws-h100",
          {{"status", {{"conditions", json::array({testing::ReadyCondition("False", now)})}}}},
          true);
  f.scheduler->PoolChanged("aws-h100");
  ASSERT_TRUE(WaitUntil([&] { return f.scheduler->Queued() == 0; }));
  ASSERT_TRUE(WaitUntil([&] { return f.hub.clock.Sleepers() > 0; }));
  EXPECT_EQ(f.PoolOf("team-a/chat"), "aws-h100");

  f.hub.clock.Advance(std::chrono::seconds(9));
  EXPECT_EQ(f.PoolOf("team-a/chat"), "aws-h100");
  f.hub.clock.Advance(std::chrono::seconds(2));
  ASSERT_TRUE(WaitUntil([&] { return f.PoolOf("team-a/chat") == "dc-paris-h100"; }))
      << f.PoolOf("team-a/chat");
  EXPECT_EQ(f.scheduler->Allocated("aws-h100"), 0);
  EXPECT_EQ(f.scheduler->Allocated("dc-paris-h100"), 2);
  f.scheduler->Stop();
}

TEST(FleetScheduler, AFinishedJobReleasesItsAcceleratorsAtOnce) {
  Fleet f(/*aws=*/4);
  f.Create("team-a", "train", 4, 0, [](json& w) { w["spec"]["type"] = "Batch"; });
  f.Create("team-a", "next", 2, 0, [](json& w) { w["spec"]["type"] = "Batch"; });
  f.scheduler->RunCycle();
  ASSERT_TRUE(f.D("team-a/train").decision.placed);
  ASSERT_FALSE(f.D("team-a/next").decision.placed);

  f.Patch(kinds::kAIWorkload, "team-a", "train", {{"status", {{"phase", "Succeeded"}}}}, true);
  f.scheduler->WorkloadChanged(f.hub.Caches().workloads->Get("team-a", "train"));
  f.scheduler->RunCycle();
  const auto done = f.D("team-a/train");
  EXPECT_TRUE(done.finished);
  EXPECT_FALSE(done.decision.placements.empty());  // its Job stays where it ran
  EXPECT_EQ(done.decision.powerWatts, 0);
  f.scheduler->RunCycle();  // room appeared: the Pending one is retried
  EXPECT_TRUE(f.D("team-a/next").decision.placed);
  EXPECT_EQ(f.scheduler->Allocated("aws-h100"), 2);
}

TEST(FleetScheduler, DenyBudgetCountsTheOthersCommittedRates) {
  Fleet f(/*aws=*/8);
  // 700 W x 1.2 PUE = 840 W per accelerator: room for two.
  f.hub.api->Seed(kinds::kBudget, {{"apiVersion", "hybridai.io/v1alpha1"},
                                   {"kind", "Budget"},
                                   {"metadata", {{"namespace", "team-a"}, {"name", "power"}}},
                                   {"spec",
                                    {{"selector", {{"tags", {{"team", "nlp"}}}}},
                                     {"period", "Monthly"},
                                     {"limits", {{"powerWatts", 2000}}},
                                     {"enforcement", "Deny"},
                                     {"warnAtPercent", 80}}}});
  ASSERT_TRUE(f.hub.WaitCached(kinds::kBudget, "team-a", "power"));
  f.scheduler->BudgetChanged(f.hub.Caches().budgets->Get("team-a", "power"));
  f.Create("team-a", "one", 2);
  f.scheduler->RunCycle();
  ASSERT_TRUE(f.D("team-a/one").decision.placed);
  f.Create("team-a", "two", 1);
  f.scheduler->RunCycle();
  EXPECT_FALSE(f.D("team-a/two").decision.placed);
  EXPECT_NE(f.D("team-a/two").decision.message.find("budget"), std::string::npos)
      << f.D("team-a/two").decision.message;
  EXPECT_EQ(f.D("team-a/two").budgetRefusal, "would exceed budget team-a/power powerWatts");
  // Another namespace is not counted against it.
  f.Create("team-b", "three", 1);
  f.scheduler->RunCycle();
  EXPECT_TRUE(f.D("team-b/three").decision.placed);
  // A refused scale-up keeps what runs.
  f.Patch(kinds::kAIWorkload, "team-a", "one", {{"spec", {{"replicas", 3}}}});
  f.scheduler->WorkloadChanged(f.hub.Caches().workloads->Get("team-a", "one"));
  f.scheduler->RunCycle();
  const auto one = f.D("team-a/one");
  EXPECT_TRUE(one.decision.placed);
  ASSERT_EQ(one.decision.placements.size(), 1u);
  EXPECT_EQ(one.decision.placements[0].replicas, 2);
  EXPECT_EQ(one.budgetRefusal, "would exceed budget team-a/power powerWatts");
  EXPECT_EQ(one.generation, 2);
}

json BudgetJson(const std::string& ns, const std::string& name, const std::string& enforcement,
                const json& limits) {
  return {{"apiVersion", "hybridai.io/v1alpha1"},
          {"kind", "Budget"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec",
           {{"selector", {{"tags", {{"team", "nlp"}}}}},
            {"period", "Monthly"},
            {"limits", limits},
            {"enforcement", enforcement},
            {"warnAtPercent", 80}}}};
}

TEST(FleetScheduler, DenyBudgetCountsUsageSoFarThisPeriod) {
  Fleet f(/*aws=*/8);
  // 2.20/h per accelerator, for the rest of the simulated clock's month.
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(f.hub.clock.WallNow().time_since_epoch())
          .count();
  const PeriodWindow month = PeriodAt(api::BudgetPeriod::Monthly, now);
  const Decimal one_rest_of_month = Accumulate(*Decimal::Parse("2.20"), 0, 0, month.end - now).cost;
  json b = BudgetJson("team-a", "cost", "Deny",
                      {{"cost", (one_rest_of_month + *Decimal::Parse("10")).ToString(2)}});
  f.hub.api->Seed(kinds::kBudget, b);
  ASSERT_TRUE(f.hub.WaitCached(kinds::kBudget, "team-a", "cost"));
  f.scheduler->BudgetChanged(f.hub.Caches().budgets->Get("team-a", "cost"));
  // Nothing used yet: one accelerator for the rest of the month fits.
  f.Create("team-a", "one", 1);
  f.scheduler->RunCycle();
  ASSERT_TRUE(f.D("team-a/one").decision.placed);
  f.Delete("team-a", "one");
  f.scheduler->RunCycle();
  // 20 already spent this period (the budget's status says so): the same no longer fits.
  f.Patch(kinds::kBudget, "team-a", "cost",
          {{"status",
            {{"periodStart", FormatRfc3339(month.start)},
             {"lastAccountingTime", FormatRfc3339(now)},
             {"usage", {{"cost", "20.00"}}}}}},
          /*status=*/true);
  f.scheduler->BudgetChanged(f.hub.Caches().budgets->Get("team-a", "cost"));
  f.Create("team-a", "two", 1);
  f.scheduler->RunCycle();
  EXPECT_FALSE(f.D("team-a/two").decision.placed);
  EXPECT_NE(f.D("team-a/two").decision.message.find("would exceed budget team-a/cost cost"),
            std::string::npos)
      << f.D("team-a/two").decision.message;
}

TEST(FleetScheduler, ThrottleScalesTheLowestPriorityDownAndBackAfterTheHysteresis) {
  FleetSchedulerOptions opts;
  opts.throttleHysteresisSeconds = 60;
  Fleet f(/*aws=*/8, 0, opts);
  std::set<std::string> budgets;
  f.scheduler->SetBudgetCallback([&](const std::string& k) { budgets.insert(k); });
  // 840 W per accelerator; room for three.
  f.hub.api->Seed(kinds::kBudget,
                  BudgetJson("team-a", "power", "Throttle", {{"powerWatts", 2520}}));
  ASSERT_TRUE(f.hub.WaitCached(kinds::kBudget, "team-a", "power"));
  f.scheduler->BudgetChanged(f.hub.Caches().budgets->Get("team-a", "power"));
  f.Create("team-a", "high", 2, /*priority=*/10);
  f.Create("team-a", "low", 2, /*priority=*/0);
  f.scheduler->RunCycle();
  // Throttle budgets never refuse: both are placed, and low loses one replica.
  ASSERT_TRUE(f.D("team-a/low").decision.placed);
  EXPECT_EQ(f.D("team-a/high").throttledReplicas, 0);
  EXPECT_EQ(f.D("team-a/low").throttledReplicas, 1);
  EXPECT_EQ(f.D("team-a/low").decision.powerWatts, 840);
  EXPECT_NE(f.D("team-a/low").throttleMessage.find("Throttle budget team-a/power"),
            std::string::npos);
  EXPECT_EQ(f.scheduler->BudgetFiguresOf("team-a/power").rate.powerWatts, 2520);
  EXPECT_EQ(f.scheduler->BudgetFiguresOf("team-a/power").throttled, 1);
  EXPECT_TRUE(budgets.count("team-a/power"));
  // The accelerators stay reserved: low comes back where it was.
  EXPECT_EQ(f.scheduler->Allocated("aws-h100"), 4);
  // high goes: room for low again, but only after the hysteresis.
  f.Delete("team-a", "high");
  f.scheduler->RunCycle();
  EXPECT_EQ(f.D("team-a/low").throttledReplicas, 1);
  // The scheduler's timer would pass over the budget then (its thread is not started here).
  f.hub.clock.Advance(std::chrono::seconds(61));
  f.scheduler->BudgetChanged(f.hub.Caches().budgets->Get("team-a", "power"));
  f.scheduler->RunCycle();
  EXPECT_EQ(f.D("team-a/low").throttledReplicas, 0);
  EXPECT_EQ(f.D("team-a/low").decision.powerWatts, 1680);
}

TEST(FleetScheduler, TheHysteresisTimerAloneScalesAThrottledWorkloadBackUp) {
  FleetSchedulerOptions opts;
  opts.throttleHysteresisSeconds = 60;
  Fleet f(/*aws=*/8, 0, opts);
  // 840 W per accelerator; room for three.
  f.hub.api->Seed(kinds::kBudget,
                  BudgetJson("team-a", "power", "Throttle", {{"powerWatts", 2520}}));
  ASSERT_TRUE(f.hub.WaitCached(kinds::kBudget, "team-a", "power"));
  f.scheduler->BudgetChanged(f.hub.Caches().budgets->Get("team-a", "power"));
  f.Create("team-a", "high", 2, /*priority=*/10);
  f.Create("team-a", "low", 2, /*priority=*/0);
  f.scheduler->RunCycle();
  ASSERT_EQ(f.D("team-a/low").throttledReplicas, 1);

  // From here on only the scheduler's own threads and the clock act: no BudgetChanged.
  f.scheduler->Start();
  f.Delete("team-a", "high");
  // The throttle pass after high's decision arms the hysteresis timer for low.
  ASSERT_TRUE(WaitUntil([&] {
    return f.scheduler->Queued() == 0 && !f.scheduler->Decision("team-a/high").has_value();
  }));
  ASSERT_TRUE(WaitUntil([&] { return f.hub.clock.Sleepers() > 0; }));
  EXPECT_EQ(f.D("team-a/low").throttledReplicas, 1);
  f.hub.clock.Advance(std::chrono::seconds(30));
  EXPECT_EQ(f.D("team-a/low").throttledReplicas, 1);  // not yet
  f.hub.clock.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(WaitUntil([&] { return f.D("team-a/low").throttledReplicas == 0; }))
      << f.D("team-a/low").throttleMessage;
  EXPECT_EQ(f.D("team-a/low").decision.powerWatts, 1680);
  EXPECT_EQ(f.scheduler->BudgetFiguresOf("team-a/power").throttled, 0);
  f.scheduler->Stop();
}

TEST(FleetScheduler, ABudgetNoLongerThrottleGivesBackWhatItScaledDown) {
  Fleet f(/*aws=*/8);
  f.hub.api->Seed(kinds::kBudget, BudgetJson("team-a", "power", "Throttle", {{"powerWatts", 1}}));
  ASSERT_TRUE(f.hub.WaitCached(kinds::kBudget, "team-a", "power"));
  f.scheduler->BudgetChanged(f.hub.Caches().budgets->Get("team-a", "power"));
  f.Create("team-a", "job", 2, 0, [](json& w) { w["spec"]["type"] = "Batch"; });
  f.scheduler->RunCycle();
  EXPECT_EQ(f.D("team-a/job").throttledReplicas, 2);  // a gang: all of it
  EXPECT_EQ(f.D("team-a/job").decision.hourlyCost, Decimal());
  f.Patch(kinds::kBudget, "team-a", "power", {{"spec", {{"enforcement", "Warn"}}}});
  f.scheduler->BudgetChanged(f.hub.Caches().budgets->Get("team-a", "power"));
  f.scheduler->RunCycle();
  EXPECT_EQ(f.D("team-a/job").throttledReplicas, 0);
}

TEST(FleetScheduler, LedgerEqualsTheDecisionsAfterRandomEvents) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE(seed);
    Fleet f(/*aws=*/6, /*paris=*/5);
    testing::Rng rng(seed);
    std::set<std::string> live;
    for (int step = 0; step < 40; ++step) {
      const int action = static_cast<int>(rng.Next() % 4);
      const std::string name = "w" + std::to_string(rng.Next() % 12);
      const std::string ns = rng.Next() % 2 ? "team-a" : "team-b";
      const std::string key = ns + "/" + name;
      if (action <= 1 && !live.count(key)) {
        f.Create(ns, name, 1 + static_cast<int64_t>(rng.Next() % 4),
                 static_cast<int64_t>(rng.Next() % 3));
        live.insert(key);
      } else if (action == 2 && live.count(key)) {
        f.Delete(ns, name);
        live.erase(key);
      } else if (live.count(key)) {
        f.Patch(kinds::kAIWorkload, ns, name,
                {{"spec", {{"replicas", 1 + static_cast<int64_t>(rng.Next() % 5)}}}});
        f.scheduler->WorkloadChanged(f.hub.Caches().workloads->Get(ns, name));
      }
      if (rng.Next() % 3 == 0) {
        while (f.scheduler->RunCycle() > 0) {
        }
      }
    }
    while (f.scheduler->RunCycle() > 0) {
    }
    std::map<std::string, int64_t> sum;
    for (const auto& key : live) {
      auto d = f.scheduler->Decision(key);
      ASSERT_TRUE(d.has_value()) << key;
      if (!d->decision.placed) continue;
      for (const auto& p : d->decision.placements) sum[p.pool] += p.accelerators;
    }
    for (const char* pool : {"aws-h100", "dc-paris-h100"}) {
      EXPECT_EQ(f.scheduler->Allocated(pool), sum[pool]) << pool;
    }
    EXPECT_LE(sum["aws-h100"], 6);
    EXPECT_LE(sum["dc-paris-h100"], 5);
  }
}

}  // namespace
}  // namespace hybridai::controllers
