// An AIWorkload's status computed from its placement decision and its member objects: phase,
// Placed/Ready/Degraded/WithinBudget conditions, ready replicas, and cost, energy and carbon
// accumulated at the rates last written. Statuses are fed back through the wire codec, as the
// reconciler reads them from the API, so a representation that does not round-trip shows up.
#include "controllers/workload_status.h"

#include <gtest/gtest.h>

#include "core/codec.h"
#include "core/conditions.h"
#include "core/rfc3339.h"

namespace hybridai::controllers {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1735689600;  // 2025-01-01T00:00:00Z

Decimal Dec(const char* s) {
  return *Decimal::Parse(s);
}

api::AIWorkload NewWorkload(api::WorkloadType type = api::WorkloadType::Inference) {
  api::AIWorkload w;
  w.metadata.name = "chat";
  w.metadata.namespace_ = "team-a";
  w.metadata.uid = "uid-1";
  w.metadata.generation = 1;
  w.spec.type = type;
  w.spec.replicas = 2;
  w.spec.tags = {{"team", "nlp"}};
  w.spec.tmpl = json::parse(R"({"spec": {"containers": [{"name": "c", "image": "i"}]}})");
  return w;
}

// The workload as the next reconcile reads it: `status` written, then read back from the wire.
api::AIWorkload WithStatus(api::AIWorkload w, const api::AIWorkloadStatus& status) {
  w.status = status;
  std::vector<Diagnostic> diags;
  auto decoded = api::DecodeAIWorkload(api::ToJson(w), &diags);
  EXPECT_TRUE(decoded.has_value())
      << (diags.empty() ? "" : diags[0].path + ": " + diags[0].message);
  return decoded ? *decoded : w;
}

api::Placement Placement(const std::string& cluster, const std::string& pool, int64_t replicas,
                         api::Role role = api::Role::Active) {
  api::Placement p;
  p.cluster = cluster;
  p.pool = pool;
  p.replicas = replicas;
  p.accelerators = replicas;
  p.role = role;
  if (role == api::Role::Active) {
    p.hourlyCost = Dec("4.10") * replicas;
    p.powerWatts = 840 * replicas;
    p.carbonGramsPerHour = 252 * replicas;
  }
  return p;
}

WorkloadDecision Decision(std::vector<api::Placement> placements) {
  WorkloadDecision d;
  d.namespace_ = "team-a";
  d.name = "chat";
  d.placed = true;
  d.placements = std::move(placements);
  for (const auto& p : d.placements) {
    if (p.role != api::Role::Active) continue;
    d.hourlyCost += p.hourlyCost;
    d.powerWatts += p.powerWatts;
    d.carbonGramsPerHour += p.carbonGramsPerHour;
  }
  return d;
}

WorkloadDecision Unschedulable(const std::string& message) {
  WorkloadDecision d;
  d.namespace_ = "team-a";
  d.name = "chat";
  d.placed = false;
  d.message = message;
  return d;
}

std::shared_ptr<const json> Member(json status) {
  return std::make_shared<const json>(json{{"status", std::move(status)}});
}

api::MemberCluster Cluster(const std::string& name, const std::string& ready) {
  api::MemberCluster c;
  c.metadata.name = name;
  c.status.conditions.push_back({"Ready", ready, 1, FormatRfc3339(kT0), "Probe", ""});
  return c;
}

// One computation with the usual fixtures; tests adjust `in` through `tweak`.
struct Scenario {
  api::AIWorkload workload = NewWorkload();
  WorkloadDecision decision = Decision({Placement("aws-eu", "aws-h100", 2)});
  PlacementPlan plan;
  int64_t now = kT0;
  std::map<std::string, std::shared_ptr<const json>> members;
  std::vector<api::MemberCluster> clusters = {Cluster("aws-eu", "True"),
                                              Cluster("dc-paris", "True")};
  std::vector<api::Budget> budgets;

  WorkloadStatusUpdate Compute() const {
    StatusInputs in{workload, decision, plan, now, members, clusters, budgets, "USD"};
    return ComputeWorkloadStatus(in);
  }
};

const api::Condition& Cond(const api::AIWorkloadStatus& s, const std::string& type) {
  static const api::Condition missing{"missing", "", 0, "", "", ""};
  const api::Condition* c = FindCondition(s.conditions, type);
  return c ? *c : missing;
}

TEST(WorkloadStatus, PendingWhenThePlannerFoundNoPlace) {
  Scenario r;
  r.decision = Unschedulable("0/2 pools fit: 2 insufficient accelerators");
  const auto u = r.Compute();
  EXPECT_EQ(u.status.phase, api::Phase::Pending);
  EXPECT_TRUE(u.status.placements.empty());
  EXPECT_EQ(Cond(u.status, "Placed").status, "False");
  EXPECT_EQ(Cond(u.status, "Placed").reason, "Unschedulable");
  EXPECT_EQ(Cond(u.status, "Placed").message, "0/2 pools fit: 2 insufficient accelerators");
  EXPECT_EQ(Cond(u.status, "Ready").status, "False");
  EXPECT_EQ(Cond(u.status, "Ready").reason, "NotPlaced");
  EXPECT_EQ(u.status.observedGeneration, 1);
  EXPECT_TRUE(u.changed);
  EXPECT_TRUE(u.placedChanged);
}

TEST(WorkloadStatus, PlacedUntilTheMemberReportsReadyThenRunning) {
  Scenario r;
  auto u = r.Compute();
  EXPECT_EQ(u.status.phase, api::Phase::Placed);
  EXPECT_EQ(u.status.readyReplicas, 0);
  EXPECT_EQ(Cond(u.status, "Placed").status, "True");
  EXPECT_EQ(Cond(u.status, "Placed").message, "aws-eu/aws-h100 x2 Active");
  EXPECT_EQ(Cond(u.status, "Ready").status, "False");
  EXPECT_EQ(Cond(u.status, "Ready").message, "0/2 replicas ready");
  EXPECT_EQ(u.status.cost.hourly, Dec("8.20"));
  EXPECT_EQ(u.status.energy.powerWatts, 1680);

  r.members["aws-eu/aws-h100"] = Member({{"readyReplicas", 1}});
  u = r.Compute();
  EXPECT_EQ(u.status.phase, api::Phase::Placed);
  EXPECT_EQ(u.status.readyReplicas, 1);

  r.members["aws-eu/aws-h100"] = Member({{"readyReplicas", 2}});
  u = r.Compute();
  EXPECT_EQ(u.status.phase, api::Phase::Running);
  EXPECT_EQ(u.status.readyReplicas, 2);
  EXPECT_EQ(Cond(u.status, "Ready").status, "True");
  EXPECT_EQ(Cond(u.status, "Ready").reason, "ReplicasReady");
  EXPECT_EQ(Cond(u.status, "Ready").message, "2/2 replicas ready");
  EXPECT_EQ(Cond(u.status, "Degraded").status, "False");
}

TEST(WorkloadStatus, ReadyReplicasAreCappedPerPlacement) {
  Scenario r;
  r.decision = Decision({Placement("aws-eu", "aws-h100", 2), Placement("dc-paris", "dc-h100", 2),
                         Placement("edge", "edge-l4", 2, api::Role::Standby)});
  // A member that reports more than it was given (a rollout surge, a stale object) cannot make
  // up for another that has none; a standby's pods never count.
  r.members["aws-eu/aws-h100"] = Member({{"readyReplicas", 5}});
  r.members["dc-paris/dc-h100"] = Member({{"readyReplicas", 0}});
  r.members["edge/edge-l4"] = Member({{"readyReplicas", 2}});
  const auto u = r.Compute();
  EXPECT_EQ(u.status.readyReplicas, 2);
  EXPECT_EQ(u.status.phase, api::Phase::Placed);
  EXPECT_EQ(Cond(u.status, "Ready").message, "2/4 replicas ready");
}

TEST(WorkloadStatus, DegradedWhenAMemberClusterIsNotReady) {
  Scenario r;
  r.clusters = {Cluster("aws-eu", "False")};
  auto u = r.Compute();
  EXPECT_EQ(u.status.phase, api::Phase::Degraded);
  EXPECT_EQ(Cond(u.status, "Degraded").status, "True");
  EXPECT_EQ(Cond(u.status, "Degraded").reason, "MemberClusterNotReady");
  EXPECT_EQ(Cond(u.status, "Ready").status, "False");

  // A down cluster that holds only the standby does not degrade the workload.
  r.decision = Decision({Placement("dc-paris", "dc-h100", 2),
                         Placement("aws-eu", "aws-h100", 2, api::Role::Standby)});
  r.clusters = {Cluster("aws-eu", "False"), Cluster("dc-paris", "True")};
  u = r.Compute();
  EXPECT_EQ(u.status.phase, api::Phase::Placed);
  EXPECT_EQ(Cond(u.status, "Degraded").status, "False");
}

TEST(WorkloadStatus, JobsSucceedAndFail) {
  Scenario r;
  r.workload = NewWorkload(api::WorkloadType::Training);
  r.members["aws-eu/aws-h100"] = Member({{"active", 2}});
  auto u = r.Compute();
  EXPECT_EQ(u.status.phase, api::Phase::Running);
  EXPECT_EQ(u.status.readyReplicas, 2);

  r.members["aws-eu/aws-h100"] = Member({{"succeeded", 2}});
  u = r.Compute();
  EXPECT_EQ(u.status.phase, api::Phase::Succeeded);
  EXPECT_EQ(Cond(u.status, "Ready").reason, "Completed");

  r.members["aws-eu/aws-h100"] =
      Member({{"conditions", json::array({{{"type", "Complete"}, {"status", "True"}}})}});
  EXPECT_EQ(r.Compute().status.phase, api::Phase::Succeeded);

  r.members["aws-eu/aws-h100"] = Member(
      {{"failed", 3}, {"conditions", json::array({{{"type", "Failed"}, {"status", "True"}}})}});
  u = r.Compute();
  EXPECT_EQ(u.status.phase, api::Phase::Failed);
  EXPECT_EQ(Cond(u.status, "Ready").reason, "JobFailed");

  // One worker of two done is not success.
  r.members["aws-eu/aws-h100"] = Member({{"succeeded", 1}, {"active", 1}});
  EXPECT_EQ(r.Compute().status.phase, api::Phase::Placed);
}

TEST(WorkloadStatus, LastTransitionTimeMovesOnlyWithTheStatus) {
  Scenario r;
  auto u = r.Compute();
  ASSERT_EQ(Cond(u.status, "Ready").status, "False");
  EXPECT_EQ(Cond(u.status, "Ready").lastTransitionTime, "2025-01-01T00:00:00Z");

  // Two minutes later one replica is ready: the message changes, the status does not.
  r.workload = WithStatus(r.workload, u.status);
  r.now = kT0 + 120;
  r.members["aws-eu/aws-h100"] = Member({{"readyReplicas", 1}});
  u = r.Compute();
  EXPECT_EQ(Cond(u.status, "Ready").message, "1/2 replicas ready");
  EXPECT_EQ(Cond(u.status, "Ready").lastTransitionTime, "2025-01-01T00:00:00Z");

  r.workload = WithStatus(r.workload, u.status);
  r.now = kT0 + 300;
  r.members["aws-eu/aws-h100"] = Member({{"readyReplicas", 2}});
  u = r.Compute();
  EXPECT_EQ(Cond(u.status, "Ready").status, "True");
  EXPECT_EQ(Cond(u.status, "Ready").lastTransitionTime, "2025-01-01T00:05:00Z");
  EXPECT_EQ(Cond(u.status, "Placed").lastTransitionTime, "2025-01-01T00:00:00Z");
  EXPECT_FALSE(u.placedChanged);

  r.workload = WithStatus(r.workload, u.status);
  r.now = kT0 + 900;
  u = r.Compute();
  EXPECT_EQ(Cond(u.status, "Ready").lastTransitionTime, "2025-01-01T00:05:00Z");
}

TEST(WorkloadStatus, FirstComputationStartsTheAccountingClock) {
  Scenario r;
  const auto u = r.Compute();
  EXPECT_EQ(u.status.lastAccountingTime, "2025-01-01T00:00:00Z");
  EXPECT_EQ(u.status.cost.accumulated, Decimal());
  EXPECT_EQ(u.status.energy.energyKWh, Decimal());
  EXPECT_EQ(u.status.cost.currency, "USD");
}

TEST(WorkloadStatus, AccumulatesExactlyAtTheRatesLastWritten) {
  Scenario r;
  r.workload = WithStatus(r.workload, r.Compute().status);  // 8.20/h, 1680 W, 504 g/h since t0
  r.now = kT0 + 1800;
  auto u = r.Compute();
  EXPECT_EQ(u.status.cost.accumulated, Dec("4.10"));
  EXPECT_EQ(u.status.energy.energyKWh, Dec("0.84"));
  EXPECT_EQ(u.status.energy.carbonKg, Dec("0.252"));
  EXPECT_EQ(u.status.lastAccountingTime, "2025-01-01T00:30:00Z");
  EXPECT_TRUE(u.changed);

  // Rates doubled at 00:30: the half hour before is charged at the old rates; from now on the
  // new ones hold.
  r.decision = Decision({Placement("aws-eu", "aws-h100", 4)});
  u = r.Compute();
  EXPECT_EQ(u.status.cost.accumulated, Dec("4.10"));
  EXPECT_EQ(u.status.cost.hourly, Dec("16.40"));
  EXPECT_EQ(u.status.energy.powerWatts, 3360);

  r.workload = WithStatus(r.workload, u.status);
  r.now = kT0 + 3600;
  u = r.Compute();
  EXPECT_EQ(u.status.cost.accumulated, Dec("12.30"));
  EXPECT_EQ(u.status.energy.energyKWh, Dec("2.52"));
  EXPECT_EQ(u.status.energy.carbonKg, Dec("0.756"));
}

TEST(WorkloadStatus, AccumulationPersistsThroughTheWire) {
  // The totals live in the API: what is written and read back keeps accumulating from there.
  Scenario r;
  r.workload = WithStatus(r.workload, r.Compute().status);
  for (int step = 1; step <= 4; ++step) {
    r.now = kT0 + step * 900;
    r.workload = WithStatus(r.workload, r.Compute().status);
  }
  EXPECT_EQ(r.workload.status.cost.accumulated, Dec("8.20"));
  EXPECT_EQ(r.workload.status.energy.energyKWh, Dec("1.68"));
  EXPECT_EQ(r.workload.status.lastAccountingTime, "2025-01-01T01:00:00Z");
}

TEST(WorkloadStatus, ShortStepsAreDeferredUnlessTheRatesChange) {
  Scenario r;
  r.workload = WithStatus(r.workload, r.Compute().status);
  r.now = kT0 + 30;
  auto u = r.Compute();
  EXPECT_EQ(u.status.cost.accumulated, Decimal());
  EXPECT_EQ(u.status.lastAccountingTime, "2025-01-01T00:00:00Z");
  EXPECT_FALSE(u.changed);

  // The same 30 s with new rates: accounted now, at the old rate, so no second is lost or
  // charged at the wrong price.
  r.decision = Decision({Placement("aws-eu", "aws-h100", 4)});
  u = r.Compute();
  EXPECT_EQ(u.status.cost.accumulated, Dec("0.068333"));  // 8.20 x 30 / 3600
  EXPECT_EQ(u.status.energy.energyKWh, Dec("0.014"));     // 1680 W x 30 s
  EXPECT_EQ(u.status.lastAccountingTime, "2025-01-01T00:00:30Z");
  EXPECT_TRUE(u.changed);

  // A custom interval.
  Scenario q;
  q.workload = WithStatus(q.workload, q.Compute().status);
  q.now = kT0 + 30;
  StatusInputs in{q.workload, q.decision, q.plan, q.now, q.members, q.clusters, q.budgets, "USD"};
  EXPECT_EQ(ComputeWorkloadStatus(in, 30).status.cost.accumulated, Dec("0.068333"));
}

TEST(WorkloadStatus, NothingChangedMeansNoWrite) {
  Scenario r;
  r.members["aws-eu/aws-h100"] = Member({{"readyReplicas", 2}});
  r.workload = WithStatus(r.workload, r.Compute().status);
  r.now = kT0 + 10;
  auto u = r.Compute();
  EXPECT_FALSE(u.changed);
  EXPECT_FALSE(u.placedChanged);

  // Unschedulable, and still unschedulable for the same reasons.
  Scenario p;
  p.decision = Unschedulable("0/2 pools fit: 2 accelerator model mismatch");
  p.workload = WithStatus(p.workload, p.Compute().status);
  p.now = kT0 + 10;
  u = p.Compute();
  EXPECT_FALSE(u.changed);
  EXPECT_FALSE(u.placedChanged);

  // A new generation is a change, even when nothing else is.
  r.workload.metadata.generation = 2;
  u = r.Compute();
  EXPECT_TRUE(u.changed);
  EXPECT_EQ(u.status.observedGeneration, 2);
  EXPECT_EQ(Cond(u.status, "Ready").observedGeneration, 2);
}

// A Pending workload accrues nothing: an accounting step would only move lastAccountingTime,
// so none is written however long it waits; once placed, the clock starts from that moment.
TEST(WorkloadStatus, ZeroRatesMakeNoAccountingWrites) {
  Scenario p;
  p.decision = Unschedulable("0/2 pools fit: 2 insufficient accelerators");
  p.workload = WithStatus(p.workload, p.Compute().status);
  p.now = kT0 + 3600;
  auto u = p.Compute();
  EXPECT_FALSE(u.changed);
  EXPECT_EQ(u.status.lastAccountingTime, "2025-01-01T00:00:00Z");

  p.decision = Decision({Placement("aws-eu", "aws-h100", 2)});
  u = p.Compute();
  EXPECT_TRUE(u.changed);
  EXPECT_EQ(u.status.cost.accumulated, Decimal());
  EXPECT_EQ(u.status.lastAccountingTime, "2025-01-01T01:00:00Z");
}

TEST(WorkloadStatus, PlacedChangedWhenPlacementsMove) {
  Scenario r;
  r.workload = WithStatus(r.workload, r.Compute().status);
  r.decision = Decision({Placement("dc-paris", "dc-h100", 2)});
  const auto u = r.Compute();
  EXPECT_TRUE(u.changed);
  EXPECT_TRUE(u.placedChanged);
  EXPECT_EQ(Cond(u.status, "Placed").message, "dc-paris/dc-h100 x2 Active");
}

api::Budget NewBudget(const std::string& ns, const std::string& name,
                      std::map<std::string, std::string> tags, bool exceeded = false) {
  api::Budget b;
  b.metadata.namespace_ = ns;
  b.metadata.name = name;
  b.spec.selector.tags = std::move(tags);
  b.status.conditions.push_back({"Exceeded", exceeded ? "True" : "False", 1, "",
                                 exceeded ? "LimitExceeded" : "WithinLimits",
                                 exceeded ? "cost 61200.00 over limit 60000.00" : ""});
  return b;
}

TEST(WorkloadStatus, WithinBudgetFalseOnlyForAMatchingExceededBudget) {
  Scenario r;
  r.budgets = {NewBudget("team-a", "nlp", {{"team", "nlp"}}, /*exceeded=*/true)};
  auto u = r.Compute();
  EXPECT_EQ(Cond(u.status, "WithinBudget").status, "False");
  EXPECT_EQ(Cond(u.status, "WithinBudget").reason, "BudgetExceeded");
  EXPECT_EQ(Cond(u.status, "WithinBudget").message,
            "budget team-a/nlp: cost 61200.00 over limit 60000.00");

  // An empty selector takes every workload of its namespace.
  r.budgets = {NewBudget("team-a", "all", {}, true)};
  EXPECT_EQ(Cond(r.Compute().status, "WithinBudget").status, "False");

  // Another team's budget, one within its limits, or the same name in another namespace.
  r.budgets = {NewBudget("team-a", "vision", {{"team", "vision"}}, true)};
  EXPECT_EQ(Cond(r.Compute().status, "WithinBudget").status, "True");
  EXPECT_EQ(Cond(r.Compute().status, "WithinBudget").message, "no budget counts this workload");
  r.budgets = {NewBudget("team-a", "nlp", {{"team", "nlp"}}, false)};
  EXPECT_EQ(Cond(r.Compute().status, "WithinBudget").status, "True");
  EXPECT_EQ(Cond(r.Compute().status, "WithinBudget").message,
            "within every budget that counts this workload");
  r.budgets = {NewBudget("team-b", "nlp", {{"team", "nlp"}}, true)};
  u = r.Compute();
  EXPECT_EQ(Cond(u.status, "WithinBudget").status, "True");
  EXPECT_EQ(Cond(u.status, "WithinBudget").reason, "WithinBudget");
}

TEST(WorkloadStatus, ADenyRefusalNeverContradictsPlaced) {
  Scenario r;
  r.decision = Unschedulable("0/2 pools fit; plan would exceed budget team-a/nlp powerWatts");
  StatusInputs in{r.workload, r.decision, r.plan, r.now, r.members, r.clusters, r.budgets, "USD"};
  in.budgetRefusal = "would exceed budget team-a/nlp powerWatts";
  const auto u = ComputeWorkloadStatus(in);
  EXPECT_EQ(Cond(u.status, "Placed").status, "False");
  EXPECT_EQ(Cond(u.status, "WithinBudget").status, "False");
  EXPECT_EQ(Cond(u.status, "WithinBudget").reason, "BudgetWouldExceed");
  EXPECT_EQ(Cond(u.status, "WithinBudget").message,
            "placement refused: would exceed budget team-a/nlp powerWatts");
}

TEST(WorkloadStatus, ThrottledRunsFewerReplicasAtTheirRates) {
  Scenario r;
  r.decision = Decision({Placement("aws-eu", "aws-h100", 2)});
  r.members["aws-eu/aws-h100"] = std::make_shared<const json>(
      json{{"metadata", {{"name", "chat-aws-h100"}}}, {"status", {{"readyReplicas", 1}}}});
  StatusInputs in{r.workload, r.decision, r.plan, r.now, r.members, r.clusters, r.budgets, "USD"};
  in.throttledReplicas = 1;
  in.throttleMessage = "1 of 2 replicas scaled down by Throttle budget team-a/nlp";
  const auto u = ComputeWorkloadStatus(in);
  EXPECT_EQ(u.status.phase, api::Phase::Throttled);
  EXPECT_EQ(u.status.throttledReplicas, 1);
  EXPECT_EQ(Cond(u.status, "Ready").reason, "Throttled");
  EXPECT_EQ(Cond(u.status, "Ready").status, "True");  // 1/1 of what runs
  EXPECT_EQ(Cond(u.status, "WithinBudget").reason, "Throttled");
  EXPECT_EQ(Cond(u.status, "WithinBudget").message, in.throttleMessage);
  // The placements still show what is reserved.
  ASSERT_EQ(u.status.placements.size(), 1u);
  EXPECT_EQ(u.status.placements[0].replicas, 2);
}

TEST(WorkloadStatus, DescribePlacements) {
  EXPECT_EQ(DescribePlacements({}), "");
  EXPECT_EQ(DescribePlacements({Placement("aws-eu", "aws-h100", 2),
                                Placement("dc-paris", "dc-h100", 2, api::Role::Standby)}),
            "aws-eu/aws-h100 x2 Active, dc-paris/dc-h100 x2 Standby");
}

}  // namespace
}  // namespace hybridai::controllers
