// GPUPool reconciliation against an in-memory hub and member: capacity measured from the
// member's Ready, schedulable nodes that match the pool's selector, the declared capacity when
// no node matches, allocation from the scheduler's ledger, and ClusterNotConnected.
#include "controllers/gpupool_reconciler.h"

#include <gtest/gtest.h>

#include "controller_test_fixture.h"
#include "core/codec.h"
#include "core/conditions.h"

namespace hybridai::controllers {
namespace {

using nlohmann::json;
using runtime::ApiError;
namespace kinds = runtime::kinds;
using testing::FakeApiClient;
using testing::Hub;
using testing::NodeJson;
using testing::PoolJson;
using Verb = FakeApiClient::Verb;

class GPUPoolReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json pool = PoolJson("aws-h100", "aws-eu", 32);
    pool["spec"]["nodeSelector"] = {{"node.kubernetes.io/instance-type", "p5.48xlarge"}};
    pool.erase("status");  // not measured yet
    hub_.api->Seed(kinds::kGPUPool, pool);
    hub_.Start();
  }

  void Connect() { members_.Connect("aws-eu", "fp", member_); }

  runtime::Result<runtime::ReconcileResult> Reconcile() {
    EXPECT_TRUE(hub_.WaitCached(kinds::kGPUPool, "", "aws-h100"));
    return reconciler_.Reconcile({"", "aws-h100"});
  }

  api::GPUPoolStatus Status() {
    auto pool = api::DecodeGPUPool(hub_.Object(kinds::kGPUPool, "", "aws-h100"), nullptr);
    EXPECT_TRUE(pool && pool->status) << hub_.Object(kinds::kGPUPool, "", "aws-h100").dump();
    return pool && pool->status ? *pool->status : api::GPUPoolStatus{};
  }

  const api::Condition& Ready() {
    status_ = Status();
    static const api::Condition missing{"missing", "", 0, "", "", ""};
    const api::Condition* c = FindCondition(status_.conditions, "Ready");
    return c ? *c : missing;
  }

  Hub hub_;
  std::shared_ptr<FakeApiClient> member_ = std::make_shared<FakeApiClient>(&hub_.clock);
  MemberRegistry members_{hub_.clock, nullptr};
  FleetSnapshot fleet_{hub_.Caches()};
  FleetScheduler scheduler_{hub_.Caches(), fleet_, hub_.clock, nullptr};
  GPUPoolReconciler reconciler_{*hub_.api, hub_.Caches(), fleet_, scheduler_, members_, hub_.clock};
  api::GPUPoolStatus status_;
};

TEST_F(GPUPoolReconcilerTest, CapacityFromReadySchedulableMatchingNodes) {
  member_->Seed(kinds::kNode, NodeJson("p5-a", "p5.48xlarge", "8"));
  member_->Seed(kinds::kNode, NodeJson("p5-b", "p5.48xlarge", 8));  // an integer is fine too
  member_->Seed(kinds::kNode, NodeJson("p5-notready", "p5.48xlarge", "8", /*ready=*/false));
  member_->Seed(kinds::kNode,
                NodeJson("p5-cordoned", "p5.48xlarge", "8", true, /*unschedulable=*/true));
  member_->Seed(kinds::kNode, NodeJson("g5-a", "g5.12xlarge", "4"));  // another pool's node
  Connect();

  auto res = Reconcile();
  ASSERT_TRUE(res.ok()) << res.error().ToString();
  EXPECT_EQ(res.value().requeueAfter, std::chrono::seconds(30));
  const auto st = Status();
  EXPECT_EQ(st.capacityAccelerators, 16);
  EXPECT_EQ(st.readyNodes, 2);
  EXPECT_EQ(Ready().status, "True");
  EXPECT_EQ(Ready().reason, "NodesReady");
  EXPECT_EQ(Ready().message, "2/4 nodes ready with 16 nvidia.com/gpu");

  // The member was asked only for the pool's nodes.
  bool listed = false;
  for (const auto& c : member_->Calls())
    if (c.verb == Verb::List && c.kind == kinds::kNode) {
      listed = true;
      EXPECT_EQ(c.labelSelector, "node.kubernetes.io/instance-type=p5.48xlarge");
    }
  EXPECT_TRUE(listed);
}

TEST_F(GPUPoolReconcilerTest, NoReadyNodeIsNotReady) {
  member_->Seed(kinds::kNode, NodeJson("p5-a", "p5.48xlarge", "8", /*ready=*/false));
  member_->Seed(kinds::kNode, NodeJson("p5-b", "p5.48xlarge", "8", true, /*unschedulable=*/true));
  Connect();
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Status().capacityAccelerators, 0);
  EXPECT_EQ(Ready().status, "False");
  EXPECT_EQ(Ready().reason, "NoReadyNodes");
}

TEST_F(GPUPoolReconcilerTest, NoMatchingNodesFallsBackToTheDeclaredCapacity) {
  member_->Seed(kinds::kNode, NodeJson("g5-a", "g5.12xlarge", "4"));
  Connect();
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Status().capacityAccelerators, 32);
  EXPECT_EQ(Status().readyNodes, 0);
  EXPECT_EQ(Ready().status, "True");
  EXPECT_EQ(Ready().reason, "NoMatchingNodes");
}

TEST_F(GPUPoolReconcilerTest, MemberNotConnected) {
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Ready().status, "False");
  EXPECT_EQ(Ready().reason, "ClusterNotConnected");
  EXPECT_EQ(Ready().message, "member cluster aws-eu is not connected");
}

TEST_F(GPUPoolReconcilerTest, NodesUnreadable) {
  Connect();
  member_->InjectError(Verb::List,
                       testing::MakeApiError(ApiError::Reason::Forbidden, "nodes is forbidden"),
                       kinds::kNode);
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Ready().status, "False");
  EXPECT_EQ(Ready().reason, "NodesUnreadable");
  EXPECT_NE(Ready().message.find("member aws-eu: "), std::string::npos) << Ready().message;
  EXPECT_NE(Ready().message.find("forbidden"), std::string::npos) << Ready().message;
}

TEST_F(GPUPoolReconcilerTest, AllocatedCountsEveryPlacementInThePool) {
  member_->Seed(kinds::kNode, NodeJson("p5-a", "p5.48xlarge", "8"));
  Connect();
  // The scheduler's ledger starts from the placements in the workloads' status.
  auto placed = [](json w, json placements) {
    w["status"] = {{"phase", "Placed"}, {"placements", std::move(placements)}};
    return w;
  };
  const json active = {{"cluster", "aws-eu"},
                       {"pool", "aws-h100"},
                       {"replicas", 2},
                       {"accelerators", 4},
                       {"role", "Active"}};
  const json standby = {{"cluster", "aws-eu"},
                        {"pool", "aws-h100"},
                        {"replicas", 0},
                        {"accelerators", 2},
                        {"role", "Standby"}};
  const json elsewhere = {{"cluster", "dc-paris"},
                          {"pool", "dc-h100"},
                          {"replicas", 3},
                          {"accelerators", 3},
                          {"role", "Active"}};
  hub_.api->Seed(kinds::kAIWorkload,
                 placed(testing::WorkloadJson("team-a", "chat", 2, 2), json::array({active})));
  hub_.api->Seed(kinds::kAIWorkload, placed(testing::WorkloadJson("team-b", "train", 3),
                                            json::array({elsewhere, standby})));
  ASSERT_TRUE(hub_.WaitCached(kinds::kAIWorkload, "team-a", "chat"));
  ASSERT_TRUE(hub_.WaitCached(kinds::kAIWorkload, "team-b", "train"));
  scheduler_.Seed();
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(Status().allocatedAccelerators, 6);
}

TEST_F(GPUPoolReconcilerTest, UnchangedMeasurementWritesNothing) {
  member_->Seed(kinds::kNode, NodeJson("p5-a", "p5.48xlarge", "8"));
  Connect();
  ASSERT_TRUE(Reconcile().ok());
  ASSERT_EQ(hub_.api->StatusWrites(), 1u);
  hub_.clock.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(hub_.api->StatusWrites(), 1u);

  // A new node is written; lastTransitionTime stays while Ready stays True.
  const std::string since = Ready().lastTransitionTime;
  member_->Seed(kinds::kNode, NodeJson("p5-b", "p5.48xlarge", "8"));
  hub_.clock.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(Reconcile().ok());
  EXPECT_EQ(hub_.api->StatusWrites(), 2u);
  EXPECT_EQ(Status().capacityAccelerators, 16);
  EXPECT_EQ(Ready().lastTransitionTime, since);
}

TEST_F(GPUPoolReconcilerTest, GonePoolIsNotAnError) {
  ASSERT_TRUE(hub_.api->Delete(kinds::kGPUPool, "", "aws-h100", {}).ok());
  ASSERT_TRUE(hub_.WaitCached(kinds::kGPUPool, "", "aws-h100"));
  auto res = reconciler_.Reconcile({"", "aws-h100"});
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res.value().requeueAfter, runtime::Clock::Duration::zero());
}

TEST(NodeAccelerators, CountsOnlyWholeDevicesOfReadySchedulableNodes) {
  EXPECT_EQ(NodeAccelerators(NodeJson("n", "t", "8"), "nvidia.com/gpu"), 8);
  EXPECT_EQ(NodeAccelerators(NodeJson("n", "t", 4), "nvidia.com/gpu"), 4);
  EXPECT_EQ(NodeAccelerators(NodeJson("n", "t", "8"), "amd.com/gpu"), 0);
  EXPECT_EQ(NodeAccelerators(NodeJson("n", "t", "500m"), "nvidia.com/gpu"), 0);
  EXPECT_EQ(NodeAccelerators(NodeJson("n", "t", "-2"), "nvidia.com/gpu"), 0);
  EXPECT_EQ(NodeAccelerators(NodeJson("n", "t", "lots"), "nvidia.com/gpu"), 0);
  EXPECT_EQ(NodeAccelerators(NodeJson("n", "t", true), "nvidia.com/gpu"), 0);
  EXPECT_EQ(NodeAccelerators(NodeJson("n", "t", "8", false), "nvidia.com/gpu"), 0);
  EXPECT_EQ(NodeAccelerators(NodeJson("n", "t", "8", true, true), "nvidia.com/gpu"), 0);
  EXPECT_EQ(NodeAccelerators(json::object(), "nvidia.com/gpu"), 0);
  json no_conditions = NodeJson("n", "t", "8");
  no_conditions["status"].erase("conditions");
  EXPECT_EQ(NodeAccelerators(no_conditions, "nvidia.com/gpu"), 0);
}

}  // namespace
}  // namespace hybridai::controllers
