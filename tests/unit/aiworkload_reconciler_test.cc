// AIWorkload reconciliation, step by step, against an in-memory hub (real informers) and two
// in-memory members registered in a MemberRegistry: finalizer first, then the member object in
// the chosen member and the status; no re-apply and no status write when nothing changed;
// scaling, moving, deletion through the finalizer, members that cannot be cleaned, an
// unschedulable workload, and two workers racing for the last accelerators.
#include "controllers/aiworkload_reconciler.h"

#include <latch>
#include <thread>

#include <gtest/gtest.h>

#include "controller_test_fixture.h"
#include "controllers/workload_materializer.h"
#include "core/codec.h"
#include "core/conditions.h"

namespace hybridai::controllers {
namespace {

using nlohmann::json;
using runtime::ApiError;
namespace kinds = runtime::kinds;
using testing::ClusterJson;
using testing::FakeApiClient;
using testing::Hub;
using testing::PoolJson;
using testing::WaitUntil;
using testing::WorkloadJson;
using Verb = FakeApiClient::Verb;

// A hub with clusters aws-eu (pool aws-h100, the cheaper) and dc-paris (pool dc-paris-h100),
// both members connected, and the reconciler under test.
struct World {
  Hub hub;
  std::shared_ptr<FakeApiClient> aws = std::make_shared<FakeApiClient>(&hub.clock);
  std::shared_ptr<FakeApiClient> paris = std::make_shared<FakeApiClient>(&hub.clock);
  MemberRegistry members{hub.clock, nullptr};
  FleetSnapshot fleet{hub.Caches()};
  FleetScheduler scheduler{hub.Caches(), fleet, hub.clock, nullptr};
  AIWorkloadReconciler reconciler{*hub.api, hub.Caches(), fleet,  scheduler,
                                  members,  hub.clock,    nullptr};

  void Start(int64_t aws_capacity = 16, int64_t paris_capacity = 16) {
    hub.api->Seed(kinds::kMemberCluster, ClusterJson("aws-eu", "aws"));
    hub.api->Seed(kinds::kMemberCluster, ClusterJson("dc-paris", "dc-paris", "OnPrem"));
    hub.api->Seed(kinds::kGPUPool, PoolJson("aws-h100", "aws-eu", aws_capacity, "2.20"));
    hub.api->Seed(kinds::kGPUPool, PoolJson("dc-paris-h100", "dc-paris", paris_capacity, "4.10"));
    hub.Start();
    members.Connect("aws-eu", "aws", aws);
    members.Connect("dc-paris", "paris", paris);
    ASSERT_TRUE(WaitUntil([&] { return members.Synced("aws-eu") && members.Synced("dc-paris"); }));
  }

  std::shared_ptr<FakeApiClient> Member(const std::string& cluster) {
    return cluster == "aws-eu" ? aws : paris;
  }

  // The registry's caches show exactly what each connected member holds.
  bool MembersCaughtUp() {
    for (const char* cluster : {"aws-eu", "dc-paris"}) {
      if (!members.Client(cluster)) continue;
      auto fake = Member(cluster);
      for (const auto* kind : {&kinds::kDeployment, &kinds::kJob}) {
        std::map<std::string, std::string> want, have;
        for (const auto& o : fake->Objects(*kind))
          if (o["metadata"].value("labels", json::object()).contains(kLabelManagedBy))
            want[o["metadata"].value("name", "")] = o["metadata"].value("resourceVersion", "");
        for (const auto& o : members.ManagedObjects(cluster, *kind))
          have[(*o)["metadata"].value("name", "")] = (*o)["metadata"].value("resourceVersion", "");
        if (want != have) return false;
      }
    }
    return true;
  }

  void Create(const json& workload) {
    auto res = hub.api->Create(kinds::kAIWorkload, workload["metadata"]["namespace"], workload);
    ASSERT_TRUE(res.ok()) << res.error().ToString();
  }

  // The scheduler hears of everything in the caches (as the informers' handlers would tell it)
  // and decides what needs a decision, synchronously.
  void Decide() {
    for (const auto& o : hub.Caches().workloads->List()) scheduler.WorkloadChanged(o);
    for (const char* cluster : {"aws-eu", "dc-paris"}) scheduler.ClusterChanged(cluster);
    for (const char* pool : {"aws-h100", "dc-paris-h100"}) scheduler.PoolChanged(pool);
    scheduler.RunCycle();
  }

  // One decision cycle and one reconcile, once the caches show the latest writes (as they would
  // before the event that triggers it is delivered).
  runtime::Result<runtime::ReconcileResult> Step(const std::string& ns, const std::string& name) {
    EXPECT_TRUE(hub.WaitCached(kinds::kAIWorkload, ns, name));
    EXPECT_TRUE(WaitUntil([&] { return MembersCaughtUp(); }));
    Decide();
    return reconciler.Reconcile({ns, name});
  }

  // Finalizer, then placement: the two first reconciles of a new workload.
  void CreateAndPlace(const json& workload) {
    Create(workload);
    const std::string ns = workload["metadata"]["namespace"], name = workload["metadata"]["name"];
    auto first = Step(ns, name);
    ASSERT_TRUE(first.ok()) << first.error().ToString();
    auto second = Step(ns, name);
    ASSERT_TRUE(second.ok()) << second.error().ToString();
  }

  api::AIWorkload Workload(const std::string& ns, const std::string& name) {
    std::vector<Diagnostic> diags;
    auto w = api::DecodeAIWorkload(hub.Object(kinds::kAIWorkload, ns, name), &diags);
    EXPECT_TRUE(w.has_value()) << hub.Object(kinds::kAIWorkload, ns, name).dump();
    return w ? *w : api::AIWorkload{};
  }

  std::vector<json> Deployments(const std::string& cluster) {
    return Member(cluster)->Objects(kinds::kDeployment, "team-a");
  }

  void SetPoolStatus(const std::string& pool, const json& status) {
    json p = hub.Object(kinds::kGPUPool, "", pool);
    p["status"] = status;
    ASSERT_TRUE(hub.api->UpdateStatus(kinds::kGPUPool, "", p).ok());
    ASSERT_TRUE(hub.WaitCached(kinds::kGPUPool, "", pool));
  }
};

class AIWorkloadReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override { w_.Start(); }
  World w_;
};

const api::Condition& Cond(const api::AIWorkload& w, const std::string& type) {
  static const api::Condition missing{"missing", "", 0, "", "", ""};
  const api::Condition* c = FindCondition(w.status.conditions, type);
  return c ? *c : missing;
}

TEST_F(AIWorkloadReconcilerTest, FirstReconcileOnlyAddsTheFinalizer) {
  w_.Create(WorkloadJson("team-a", "chat", 2));
  auto res = w_.Step("team-a", "chat");
  ASSERT_TRUE(res.ok()) << res.error().ToString();
  EXPECT_FALSE(res.value().requeue);
  EXPECT_EQ(res.value().requeueAfter, runtime::Clock::Duration::zero());
  EXPECT_EQ(w_.hub.Object(kinds::kAIWorkload, "team-a", "chat")["metadata"]["finalizers"],
            json::array({kCleanupFinalizer}));
  EXPECT_TRUE(w_.Deployments("aws-eu").empty());
  EXPECT_TRUE(w_.Deployments("dc-paris").empty());
  EXPECT_EQ(w_.aws->CallCount(Verb::Patch), 0u);
  EXPECT_EQ(w_.hub.api->StatusWrites(), 0u);
}

TEST_F(AIWorkloadReconcilerTest, AppliesTheDeploymentInTheChosenMemberAndWritesStatus) {
  w_.Create(WorkloadJson("team-a", "chat", 2));
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  auto res = w_.Step("team-a", "chat");
  ASSERT_TRUE(res.ok()) << res.error().ToString();
  EXPECT_EQ(res.value().requeueAfter, std::chrono::seconds(60));

  const auto deployments = w_.Deployments("aws-eu");
  ASSERT_EQ(deployments.size(), 1u);
  EXPECT_TRUE(w_.Deployments("dc-paris").empty());
  const json& d = deployments[0];
  EXPECT_EQ(d["metadata"]["name"], "chat-aws-h100");
  EXPECT_EQ(d["spec"]["replicas"], 2);
  EXPECT_EQ(d["metadata"]["labels"]["team"], "nlp");
  EXPECT_EQ(d["metadata"]["labels"][kLabelWorkload], "chat");
  EXPECT_EQ(d["metadata"]["annotations"][kAnnotationWorkloadUid],
            w_.hub.Object(kinds::kAIWorkload, "team-a", "chat")["metadata"]["uid"]);
  EXPECT_EQ(d["spec"]["template"]["spec"]["nodeSelector"]["node.kubernetes.io/instance-type"],
            "aws-h100-type");
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"],
            "1");
  // Server-side apply by the operator's field manager, into a namespace it made sure exists.
  ASSERT_FALSE(d["metadata"]["managedFields"].empty());
  EXPECT_EQ(d["metadata"]["managedFields"][0]["manager"], "hybrid-operator");
  EXPECT_TRUE(w_.aws->Peek(kinds::kNamespace, "", "team-a").has_value());

  const api::AIWorkload w = w_.Workload("team-a", "chat");
  EXPECT_EQ(w.status.phase, api::Phase::Placed);
  ASSERT_EQ(w.status.placements.size(), 1u);
  EXPECT_EQ(w.status.placements[0].cluster, "aws-eu");
  EXPECT_EQ(w.status.placements[0].pool, "aws-h100");
  EXPECT_EQ(w.status.placements[0].replicas, 2);
  EXPECT_EQ(w.status.cost.hourly, *Decimal::Parse("4.40"));
  EXPECT_EQ(w.status.observedGeneration, 1);
  EXPECT_EQ(Cond(w, "Placed").status, "True");
  EXPECT_EQ(Cond(w, "WithinBudget").status, "True");
  EXPECT_EQ(w_.hub.Object(kinds::kAIWorkload, "team-a", "chat")["status"]["clusters"], "aws-eu");
}

TEST_F(AIWorkloadReconcilerTest, NothingChangedMeansNoApplyAndNoStatusWrite) {
  w_.CreateAndPlace(WorkloadJson("team-a", "chat", 2));
  const auto patches = w_.aws->CallCount(Verb::Patch) + w_.paris->CallCount(Verb::Patch);
  const auto writes = w_.hub.api->StatusWrites();
  const auto hub_patches = w_.hub.api->CallCount(Verb::Patch) - writes;
  ASSERT_EQ(patches, 1u);
  ASSERT_EQ(writes, 1u);

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_EQ(w_.aws->CallCount(Verb::Patch) + w_.paris->CallCount(Verb::Patch), patches);
  EXPECT_EQ(w_.hub.api->StatusWrites(), writes);
  EXPECT_EQ(w_.hub.api->CallCount(Verb::Patch) - w_.hub.api->StatusWrites(), hub_patches);

  // A resync a minute later accounts cost (a status write) but applies nothing.
  w_.hub.clock.Advance(std::chrono::seconds(60));
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_EQ(w_.aws->CallCount(Verb::Patch) + w_.paris->CallCount(Verb::Patch), patches);
  EXPECT_EQ(w_.hub.api->StatusWrites(), writes + 1);
  EXPECT_EQ(w_.Workload("team-a", "chat").status.cost.accumulated, *Decimal::Parse("0.073333"));
}

TEST_F(AIWorkloadReconcilerTest, MemberReadinessReachesTheStatus) {
  w_.CreateAndPlace(WorkloadJson("team-a", "chat", 2));
  json d = w_.aws->Peek(kinds::kDeployment, "team-a", "chat-aws-h100").value();
  d["status"] = {{"replicas", 2}, {"readyReplicas", 2}};
  ASSERT_TRUE(w_.aws->UpdateStatus(kinds::kDeployment, "team-a", d).ok());
  const auto patches = w_.aws->CallCount(Verb::Patch);
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  const api::AIWorkload w = w_.Workload("team-a", "chat");
  EXPECT_EQ(w.status.phase, api::Phase::Running);
  EXPECT_EQ(w.status.readyReplicas, 2);
  EXPECT_EQ(Cond(w, "Ready").status, "True");
  // The member's own status is not a reason to apply again.
  EXPECT_EQ(w_.aws->CallCount(Verb::Patch), patches);
}

TEST_F(AIWorkloadReconcilerTest, ScalingReappliesOnce) {
  w_.CreateAndPlace(WorkloadJson("team-a", "chat", 2));
  ASSERT_TRUE(w_.hub.api
                  ->Patch(kinds::kAIWorkload, "team-a", "chat", runtime::PatchType::Merge,
                          R"({"spec": {"replicas": 3}})", {})
                  .ok());
  const auto patches = w_.aws->CallCount(Verb::Patch);
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_EQ(w_.aws->CallCount(Verb::Patch), patches + 1);
  ASSERT_EQ(w_.Deployments("aws-eu").size(), 1u);
  EXPECT_EQ(w_.Deployments("aws-eu")[0]["spec"]["replicas"], 3);
  const api::AIWorkload w = w_.Workload("team-a", "chat");
  EXPECT_EQ(w.status.observedGeneration, 2);
  ASSERT_EQ(w.status.placements.size(), 1u);
  EXPECT_EQ(w.status.placements[0].replicas, 3);

  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_EQ(w_.aws->CallCount(Verb::Patch), patches + 1);
}

TEST_F(AIWorkloadReconcilerTest, MovedPlacementDeletesTheOldMemberObject) {
  w_.CreateAndPlace(WorkloadJson("team-a", "chat", 2));
  ASSERT_EQ(w_.Deployments("aws-eu").size(), 1u);

  // aws-h100 has been unready since yesterday: far past failoverAfterSeconds.
  w_.SetPoolStatus(
      "aws-h100",
      {{"capacity", {{"accelerators", 16}}},
       {"conditions", json::array({testing::ReadyCondition("False", "2024-12-31T00:00:00Z")})}});
  auto res = w_.Step("team-a", "chat");
  ASSERT_TRUE(res.ok()) << res.error().ToString();
  EXPECT_TRUE(w_.Deployments("aws-eu").empty());
  ASSERT_EQ(w_.Deployments("dc-paris").size(), 1u);
  EXPECT_EQ(w_.Deployments("dc-paris")[0]["metadata"]["name"], "chat-dc-paris-h100");
  const api::AIWorkload w = w_.Workload("team-a", "chat");
  ASSERT_EQ(w.status.placements.size(), 1u);
  EXPECT_EQ(w.status.placements[0].pool, "dc-paris-h100");
  EXPECT_EQ(w_.hub.Object(kinds::kAIWorkload, "team-a", "chat")["status"]["clusters"], "dc-paris");
}

TEST_F(AIWorkloadReconcilerTest, DeletionCleansMembersThenRemovesTheFinalizer) {
  w_.CreateAndPlace(WorkloadJson("team-a", "chat", 2));
  // Someone else's Deployment in the same namespace stays.
  w_.aws->Seed(kinds::kDeployment, {{"apiVersion", "apps/v1"},
                                    {"kind", "Deployment"},
                                    {"metadata",
                                     {{"namespace", "team-a"},
                                      {"name", "other"},
                                      {"labels",
                                       {{kLabelManagedBy, kManagedByValue},
                                        {kLabelWorkload, "other"},
                                        {kLabelWorkloadNamespace, "team-a"}}}}}});
  ASSERT_TRUE(w_.hub.api->Delete(kinds::kAIWorkload, "team-a", "chat", {}).ok());
  ASSERT_TRUE(w_.hub.api->Peek(kinds::kAIWorkload, "team-a", "chat").has_value());

  auto res = w_.Step("team-a", "chat");
  ASSERT_TRUE(res.ok()) << res.error().ToString();
  EXPECT_FALSE(w_.aws->Peek(kinds::kDeployment, "team-a", "chat-aws-h100").has_value());
  EXPECT_TRUE(w_.aws->Peek(kinds::kDeployment, "team-a", "other").has_value());
  EXPECT_FALSE(w_.hub.api->Peek(kinds::kAIWorkload, "team-a", "chat").has_value());
  // Its accelerators are free again once the scheduler hears it is gone.
  ASSERT_TRUE(WaitUntil([&] { return !w_.hub.Caches().workloads->Get("team-a", "chat"); }));
  w_.scheduler.Enqueue("team-a/chat");
  w_.scheduler.RunCycle();
  EXPECT_FALSE(w_.scheduler.Decision("team-a/chat").has_value());
  EXPECT_EQ(w_.scheduler.Allocated("aws-h100"), 0);

  // The next event for the key finds nothing and does nothing.
  res = w_.Step("team-a", "chat");
  ASSERT_TRUE(res.ok());
}

TEST_F(AIWorkloadReconcilerTest, MemberThatFailsToListKeepsTheFinalizer) {
  w_.CreateAndPlace(WorkloadJson("team-a", "chat", 2));
  ASSERT_TRUE(w_.hub.api->Delete(kinds::kAIWorkload, "team-a", "chat", {}).ok());
  w_.aws->InjectError(Verb::List,
                      testing::MakeApiError(ApiError::Reason::ServiceUnavailable, "apiserver down"),
                      kinds::kDeployment);
  auto res = w_.Step("team-a", "chat");
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("member aws-eu"), std::string::npos) << res.error().message;
  const json hub_object = w_.hub.Object(kinds::kAIWorkload, "team-a", "chat");
  ASSERT_TRUE(hub_object.is_object());
  EXPECT_EQ(hub_object["metadata"]["finalizers"], json::array({kCleanupFinalizer}));
  EXPECT_TRUE(w_.aws->Peek(kinds::kDeployment, "team-a", "chat-aws-h100").has_value());

  // The retry (the member is back) finishes the job.
  res = w_.Step("team-a", "chat");
  ASSERT_TRUE(res.ok()) << res.error().ToString();
  EXPECT_FALSE(w_.aws->Peek(kinds::kDeployment, "team-a", "chat-aws-h100").has_value());
  EXPECT_FALSE(w_.hub.api->Peek(kinds::kAIWorkload, "team-a", "chat").has_value());
}

TEST_F(AIWorkloadReconcilerTest, MemberThatFailsToDeleteKeepsTheFinalizer) {
  w_.CreateAndPlace(WorkloadJson("team-a", "chat", 2));
  ASSERT_TRUE(w_.hub.api->Delete(kinds::kAIWorkload, "team-a", "chat", {}).ok());
  w_.aws->InjectError(Verb::Delete,
                      testing::MakeApiError(ApiError::Reason::Forbidden, "deployments forbidden"));
  auto res = w_.Step("team-a", "chat");
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().reason, ApiError::Reason::Forbidden);
  EXPECT_TRUE(w_.hub.api->Peek(kinds::kAIWorkload, "team-a", "chat").has_value());
}

TEST_F(AIWorkloadReconcilerTest, DisconnectedMemberThatStillExistsKeepsTheFinalizer) {
  w_.CreateAndPlace(WorkloadJson("team-a", "chat", 2));
  w_.members.Disconnect("aws-eu");  // its Secret broke, say; the MemberCluster is still there
  ASSERT_TRUE(w_.hub.api->Delete(kinds::kAIWorkload, "team-a", "chat", {}).ok());
  auto res = w_.Step("team-a", "chat");
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("aws-eu"), std::string::npos) << res.error().message;
  EXPECT_TRUE(w_.hub.api->Peek(kinds::kAIWorkload, "team-a", "chat").has_value());
  EXPECT_TRUE(w_.aws->Peek(kinds::kDeployment, "team-a", "chat-aws-h100").has_value());
}

TEST_F(AIWorkloadReconcilerTest, DisconnectedChosenMemberIsSkippedAndStatusStillWritten) {
  w_.Create(WorkloadJson("team-a", "chat", 2));
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  w_.members.Disconnect("aws-eu");
  auto res = w_.Step("team-a", "chat");
  ASSERT_TRUE(res.ok()) << res.error().ToString();
  EXPECT_TRUE(w_.Deployments("aws-eu").empty());
  const api::AIWorkload w = w_.Workload("team-a", "chat");
  ASSERT_EQ(w.status.placements.size(), 1u);
  EXPECT_EQ(w.status.placements[0].cluster, "aws-eu");
  EXPECT_EQ(w.status.phase, api::Phase::Placed);

  // Reconnected (its Ready wakes the workload): the Deployment is applied.
  w_.members.Connect("aws-eu", "aws-2", w_.aws);
  ASSERT_TRUE(WaitUntil([&] { return w_.members.Synced("aws-eu"); }));
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_EQ(w_.Deployments("aws-eu").size(), 1u);
}

TEST_F(AIWorkloadReconcilerTest, AFailingMemberNeverStopsTheStatusWrite) {
  w_.Create(WorkloadJson("team-a", "chat", 2));
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  w_.aws->InjectError(Verb::Patch,
                      testing::MakeApiError(ApiError::Reason::InternalError, "etcd timeout"));
  auto res = w_.Step("team-a", "chat");
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("member aws-eu"), std::string::npos) << res.error().message;
  const api::AIWorkload w = w_.Workload("team-a", "chat");
  ASSERT_EQ(w.status.placements.size(), 1u);
  EXPECT_EQ(Cond(w, "Placed").status, "True");
  // The retry applies it.
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_EQ(w_.Deployments("aws-eu").size(), 1u);
}

TEST_F(AIWorkloadReconcilerTest, UnschedulableIsPendingWithTheEnginesReasons) {
  json spec = WorkloadJson("team-a", "chat", 2);
  spec["spec"]["accelerators"]["vendors"] = json::array({"AMD"});
  w_.Create(spec);
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  auto res = w_.Step("team-a", "chat");
  ASSERT_TRUE(res.ok()) << res.error().ToString();
  // Pending accrues nothing: only the long resync brings it back unprompted.
  EXPECT_EQ(res.value().requeueAfter, std::chrono::hours(10));
  const api::AIWorkload w = w_.Workload("team-a", "chat");
  EXPECT_EQ(w.status.phase, api::Phase::Pending);
  EXPECT_TRUE(w.status.placements.empty());
  EXPECT_EQ(Cond(w, "Placed").status, "False");
  EXPECT_EQ(Cond(w, "Placed").reason, "Unschedulable");
  EXPECT_EQ(Cond(w, "Placed").message.rfind("0/2 pools fit: 2 accelerator vendor mismatch", 0), 0u)
      << Cond(w, "Placed").message;
  EXPECT_TRUE(w_.Deployments("aws-eu").empty());
  EXPECT_TRUE(w_.Deployments("dc-paris").empty());

  // Still unschedulable: nothing to write.
  const auto writes = w_.hub.api->StatusWrites();
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_EQ(w_.hub.api->StatusWrites(), writes);
}

// Marks a member Deployment as having `ready` ready replicas (what its kubelets would report).
void SetReady(World& world, const std::string& cluster, const std::string& name, int64_t ready) {
  json d = world.Member(cluster)->Peek(kinds::kDeployment, "team-a", name).value();
  d["status"] = {{"replicas", d["spec"].value("replicas", 1)}, {"readyReplicas", ready}};
  ASSERT_TRUE(world.Member(cluster)->UpdateStatus(kinds::kDeployment, "team-a", d).ok());
}

// Ready replicas across both members, as a user polling them would count.
int64_t ReadyAcrossMembers(World& world) {
  int64_t ready = 0;
  for (const char* cluster : {"aws-eu", "dc-paris"})
    for (const auto& d : world.Deployments(cluster))
      ready += d.value("status", json::object()).value("readyReplicas", int64_t{0});
  return ready;
}

TEST_F(AIWorkloadReconcilerTest, AMoveIsMadeBeforeItBreaks) {
  w_.CreateAndPlace(WorkloadJson("team-a", "chat", 4));
  SetReady(w_, "aws-eu", "chat-aws-h100", 4);
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  ASSERT_EQ(w_.Workload("team-a", "chat").status.readyReplicas, 4);

  // Only on-prem is allowed now: the placement moves to dc-paris.
  ASSERT_TRUE(w_.hub.api
                  ->Patch(kinds::kAIWorkload, "team-a", "chat", runtime::PatchType::Merge,
                          R"({"spec": {"placement": {"tiers": [{"locations": ["OnPrem"]}]}}})", {})
                  .ok());
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  // The new Deployment exists, the old one still serves.
  ASSERT_EQ(w_.Deployments("dc-paris").size(), 1u);
  ASSERT_EQ(w_.Deployments("aws-eu").size(), 1u);
  EXPECT_GE(ReadyAcrossMembers(w_), 4);
  api::AIWorkload w = w_.Workload("team-a", "chat");
  ASSERT_EQ(w.status.placements.size(), 1u);
  EXPECT_EQ(w.status.placements[0].pool, "dc-paris-h100");
  ASSERT_EQ(w.status.draining.size(), 1u);
  EXPECT_EQ(w.status.draining[0].pool, "aws-h100");
  EXPECT_EQ(w.status.draining[0].readyReplicas, 4);
  EXPECT_EQ(w.status.readyReplicas, 4) << "the old placement still serves";
  EXPECT_EQ(Cond(w, "Ready").status, "True");
  EXPECT_EQ(Cond(w, "Moving").status, "True");
  EXPECT_NE(Cond(w, "Moving").message.find("waiting for 0/4 ready replicas"), std::string::npos)
      << Cond(w, "Moving").message;

  // Half of the new replicas ready: still not enough to break the old.
  SetReady(w_, "dc-paris", "chat-dc-paris-h100", 2);
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_EQ(w_.Deployments("aws-eu").size(), 1u);
  EXPECT_GE(ReadyAcrossMembers(w_), 4);

  // All of them, says the cache; but the old is broken only once the member itself confirms it:
  // a member that cannot answer keeps the old serving.
  SetReady(w_, "dc-paris", "chat-dc-paris-h100", 4);
  ApiError down;
  down.reason = ApiError::Reason::Transport;
  down.message = "connection refused";
  w_.paris->InjectError(Verb::Get, down, kinds::kDeployment);
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_EQ(w_.Deployments("aws-eu").size(), 1u);
  EXPECT_EQ(Cond(w_.Workload("team-a", "chat"), "Moving").status, "True");
  // Confirmed: the old one goes.
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_TRUE(w_.Deployments("aws-eu").empty());
  w = w_.Workload("team-a", "chat");
  EXPECT_TRUE(w.status.draining.empty());
  EXPECT_EQ(w.status.readyReplicas, 4);
  EXPECT_EQ(Cond(w, "Moving").status, "False");
  EXPECT_EQ(Cond(w, "Moving").reason, "Settled");
}

TEST_F(AIWorkloadReconcilerTest, AnOldPlacementThatServesNothingGoesAtOnce) {
  w_.CreateAndPlace(WorkloadJson("team-a", "chat", 4));  // never ready
  ASSERT_TRUE(w_.hub.api
                  ->Patch(kinds::kAIWorkload, "team-a", "chat", runtime::PatchType::Merge,
                          R"({"spec": {"placement": {"tiers": [{"locations": ["OnPrem"]}]}}})", {})
                  .ok());
  ASSERT_TRUE(w_.Step("team-a", "chat").ok());
  EXPECT_TRUE(w_.Deployments("aws-eu").empty());
  EXPECT_EQ(w_.Deployments("dc-paris").size(), 1u);
  EXPECT_EQ(FindCondition(w_.Workload("team-a", "chat").status.conditions, "Moving"), nullptr);
}

TEST(AIWorkloadReconcilerMove, AScaleDownWaitsForTheReplicasThatReplaceIt) {
  World world;
  world.Start(/*aws_capacity=*/16, /*paris_capacity=*/2);
  json spec = WorkloadJson("team-a", "chat", 6);
  spec["spec"]["placement"]["tiers"] =
      json::array({{{"locations", {"OnPrem"}}}, {{"locations", {"Cloud"}}}});
  spec["spec"]["placement"]["failback"] = {{"mode", "WhenRoomReturns"}, {"afterSeconds", 0}};
  world.CreateAndPlace(spec);
  ASSERT_EQ(world.Deployments("dc-paris").size(), 1u);
  ASSERT_EQ(world.Deployments("aws-eu").size(), 1u);
  EXPECT_EQ(world.Deployments("aws-eu")[0]["spec"]["replicas"], 4);
  SetReady(world, "dc-paris", "chat-dc-paris-h100", 2);
  SetReady(world, "aws-eu", "chat-aws-h100", 4);

  // On-prem grows to 4: failback moves two replicas home; the cloud's scale-down waits.
  world.SetPoolStatus("dc-paris-h100",
                      {{"capacity", {{"accelerators", 4}}},
                       {"conditions", json::array({testing::ReadyCondition("True")})}});
  ASSERT_TRUE(world.Step("team-a", "chat").ok());
  EXPECT_EQ(world.Deployments("dc-paris")[0]["spec"]["replicas"], 4);
  EXPECT_EQ(world.Deployments("aws-eu")[0]["spec"]["replicas"], 4) << "held until home is ready";
  api::AIWorkload w = world.Workload("team-a", "chat");
  ASSERT_EQ(w.status.placements.size(), 2u);
  EXPECT_EQ(w.status.placements[0].cluster, "aws-eu");  // by cluster, then pool
  EXPECT_EQ(w.status.placements[0].replicas, 2);
  EXPECT_EQ(Cond(w, "Moving").status, "True");
  EXPECT_EQ(Cond(w, "Moving").reason, "Failback");
  EXPECT_GE(ReadyAcrossMembers(world), 6);

  SetReady(world, "dc-paris", "chat-dc-paris-h100", 4);
  ASSERT_TRUE(world.Step("team-a", "chat").ok());
  EXPECT_EQ(world.Deployments("aws-eu")[0]["spec"]["replicas"], 2);
  EXPECT_EQ(Cond(world.Workload("team-a", "chat"), "Moving").status, "False");
}

// Two workers reconcile two workloads that each want 3 of the last 4 accelerators. The
// scheduler decides them one after the other, so whatever the workers' interleaving, one is
// placed and the other waits.
void RaceForTheLastAccelerators(const std::string& ns_a, const std::string& ns_b) {
  World world;
  world.Start(/*aws_capacity=*/4, /*paris_capacity=*/0);
  world.Create(WorkloadJson(ns_a, "a", 3));
  world.Create(WorkloadJson(ns_b, "b", 3));
  ASSERT_TRUE(world.Step(ns_a, "a").ok());
  ASSERT_TRUE(world.Step(ns_b, "b").ok());
  ASSERT_TRUE(world.hub.WaitCached(kinds::kAIWorkload, ns_a, "a"));
  ASSERT_TRUE(world.hub.WaitCached(kinds::kAIWorkload, ns_b, "b"));

  std::latch start(2);
  auto worker = [&](std::string ns, std::string name) {
    start.arrive_and_wait();
    auto res = world.reconciler.Reconcile({ns, name});
    EXPECT_TRUE(res.ok()) << ns << "/" << name << ": " << res.error().ToString();
  };
  std::thread ta(worker, ns_a, "a");
  std::thread tb(worker, ns_b, "b");
  ta.join();
  tb.join();

  EXPECT_EQ(world.scheduler.Allocated("aws-h100"), 3);
  int placed = 0, pending = 0;
  for (const auto& [ns, name] : {std::pair{ns_a, "a"}, std::pair{ns_b, "b"}}) {
    const api::AIWorkload w = world.Workload(ns, name);
    if (w.status.phase == api::Phase::Placed) ++placed;
    if (w.status.phase == api::Phase::Pending) ++pending;
  }
  EXPECT_EQ(placed, 1);
  EXPECT_EQ(pending, 1);
  std::size_t deployments = world.aws->Objects(kinds::kDeployment).size();
  EXPECT_EQ(deployments, 1u);
  EXPECT_TRUE(world.paris->Objects(kinds::kDeployment).empty());
}

TEST(AIWorkloadReconcilerRace, TwoNamespacesNeverOverAllocate) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    RaceForTheLastAccelerators("team-a", "team-b");
  }
}

TEST(AIWorkloadReconcilerRace, OneNamespaceNeverOverAllocates) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    RaceForTheLastAccelerators("team-a", "team-a");
  }
}

}  // namespace
}  // namespace hybridai::controllers
