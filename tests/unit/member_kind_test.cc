// The member-kind adapters (Deployment for Inference, Job for Training and Batch), the finalizer
// helper and the object key: the small shared pieces the reconcilers are built from.
#include "controllers/member_kind.h"

#include <gtest/gtest.h>

#include "controllers/finalizer.h"
#include "controllers/labels.h"
#include "controllers/object_key.h"

namespace hybridai::controllers {
namespace {

using nlohmann::json;

api::Placement P(int64_t replicas) {
  return {"aws-eu", "aws-h100", replicas, replicas, api::Role::Active, {}, 0, 0};
}

TEST(MemberKind, OneAdapterPerWorkloadType) {
  EXPECT_EQ(MemberKindFor(api::WorkloadType::Inference).Kind(), runtime::kinds::kDeployment);
  EXPECT_EQ(MemberKindFor(api::WorkloadType::Training).Kind(), runtime::kinds::kJob);
  EXPECT_EQ(MemberKindFor(api::WorkloadType::Batch).Kind(), runtime::kinds::kJob);
  ASSERT_EQ(AllMemberKinds().size(), 2u);
}

TEST(MemberKind, DeploymentReadinessAndScale) {
  const MemberKind& k = MemberKindFor(api::WorkloadType::Inference);
  EXPECT_EQ(k.Observe(nullptr, P(2)).ready, 0);
  const json d = {{"spec", {{"replicas", 2}}}, {"status", {{"readyReplicas", 2}}}};
  EXPECT_EQ(k.Observe(&d, P(2)).ready, 2);
  EXPECT_FALSE(k.Observe(&d, P(2)).succeeded);
  EXPECT_TRUE(k.ScaleMatches(d["spec"], json{{"replicas", 2}}));
  EXPECT_FALSE(k.ScaleMatches(d["spec"], json{{"replicas", 3}}));
  EXPECT_EQ(k.ScaleToZeroPatch(), (json{{"spec", {{"replicas", 0}}}}));
}

TEST(MemberKind, JobCompletionFailureAndSuspension) {
  const MemberKind& k = MemberKindFor(api::WorkloadType::Batch);
  const json running = {{"status", {{"active", 3}}}};
  EXPECT_EQ(k.Observe(&running, P(3)).ready, 3);
  const json done = {{"status", {{"succeeded", 3}}}};
  EXPECT_TRUE(k.Observe(&done, P(3)).succeeded);
  const json failed = {
      {"status", {{"conditions", json::array({{{"type", "Failed"}, {"status", "True"}}})}}}};
  EXPECT_TRUE(k.Observe(&failed, P(3)).failed);
  EXPECT_TRUE(k.ScaleMatches(json{{"suspend", false}, {"parallelism", 3}},
                             json{{"suspend", false}, {"parallelism", 3}}));
  EXPECT_FALSE(k.ScaleMatches(json{{"suspend", true}, {"parallelism", 3}},
                              json{{"suspend", false}, {"parallelism", 3}}));
  EXPECT_EQ(k.ScaleToZeroPatch(), (json{{"spec", {{"suspend", true}}}}));
}

TEST(Finalizer, AddsAndRemovesOnlyItsOwnKeepingTheOthersInOrder) {
  const json o = {{"metadata",
                   {{"name", "chat"},
                    {"resourceVersion", "42"},
                    {"finalizers", json::array({"other.io/a", "other.io/b"})}}}};
  EXPECT_FALSE(HasFinalizer(o, kCleanupFinalizer));
  const json add = FinalizerPatch(o, kCleanupFinalizer, true);
  EXPECT_EQ(add["metadata"]["finalizers"],
            json::array({"other.io/a", "other.io/b", kCleanupFinalizer}));
  EXPECT_EQ(add["metadata"]["resourceVersion"], "42");
  json with = o;
  with["metadata"]["finalizers"] = add["metadata"]["finalizers"];
  EXPECT_TRUE(HasFinalizer(with, kCleanupFinalizer));
  EXPECT_EQ(FinalizerPatch(with, kCleanupFinalizer, false)["metadata"]["finalizers"],
            json::array({"other.io/a", "other.io/b"}));
  EXPECT_FALSE(HasFinalizer(json::object(), kCleanupFinalizer));
  EXPECT_FALSE(HasFinalizer(json{{"metadata", {{"finalizers", "not-a-list"}}}}, kCleanupFinalizer));
}

TEST(ObjectKey, ParsesAndPrintsNamespacedAndClusterScoped) {
  EXPECT_EQ(ObjectKey::Parse("team-a/chat"), (ObjectKey{"team-a", "chat"}));
  EXPECT_EQ(ObjectKey::Parse("aws-h100"), (ObjectKey{"", "aws-h100"}));
  EXPECT_EQ((ObjectKey{"team-a", "chat"}).String(), "team-a/chat");
  EXPECT_EQ((ObjectKey{"", "aws-h100"}).String(), "aws-h100");
  EXPECT_EQ(ObjectKey::Of(json{{"metadata", {{"namespace", "n"}, {"name", "x"}}}}).String(), "n/x");
  EXPECT_EQ(ObjectKey::Of(json::object()).String(), "");
}

}  // namespace
}  // namespace hybridai::controllers
