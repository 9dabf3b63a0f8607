// Make-before-break, the pure rule: old member objects keep serving and scale-downs wait until
// the decision's placements have spec.replicas ready replicas between them; dark members and
// objects that serve nothing are never waited for.
#include "controllers/make_before_break.h"

#include <gtest/gtest.h>

namespace hybridai::controllers {
namespace {

api::Placement At(const std::string& cluster, const std::string& pool, int64_t replicas) {
  api::Placement p;
  p.cluster = cluster;
  p.pool = pool;
  p.replicas = replicas;
  p.accelerators = replicas;
  return p;
}

ObservedMember Obj(const std::string& cluster, const std::string& pool, int64_t replicas,
                   int64_t ready, bool wanted, bool reachable = true) {
  return {cluster, pool, "chat-" + pool, replicas, ready, wanted, reachable};
}

TEST(MakeBeforeBreak, OldObjectsServeUntilTheNewOnesAreReady) {
  const std::vector<api::Placement> decision = {At("dc", "home", 6)};
  Handover h =
      PlanHandover(6, decision, {Obj("dc", "home", 6, 0, true), Obj("aws", "cloud", 6, 6, false)});
  EXPECT_FALSE(h.complete);
  EXPECT_EQ(h.keep, (std::set<std::string>{"aws/chat-cloud"}));
  ASSERT_EQ(h.draining.size(), 1u);
  EXPECT_EQ(h.draining[0].readyReplicas, 6);
  EXPECT_EQ(h.serving, 6);
  EXPECT_EQ(DescribeHandover(6, h),
            "waiting for 0/6 ready replicas in the new placements; still serving: aws/cloud x6 (6 "
            "ready)");

  h = PlanHandover(6, decision, {Obj("dc", "home", 6, 5, true), Obj("aws", "cloud", 6, 6, false)});
  EXPECT_FALSE(h.complete);
  EXPECT_EQ(h.serving, 11);

  h = PlanHandover(6, decision, {Obj("dc", "home", 6, 6, true), Obj("aws", "cloud", 6, 6, false)});
  EXPECT_TRUE(h.complete);
  EXPECT_TRUE(h.keep.empty());
  EXPECT_TRUE(h.draining.empty());
}

TEST(MakeBeforeBreak, AScaleDownIsHeldWhileItsReplacementComesUp) {
  // 2 home + 4 cloud becomes 4 home + 2 cloud.
  const std::vector<api::Placement> decision = {At("dc", "home", 4), At("aws", "cloud", 2)};
  Handover h =
      PlanHandover(6, decision, {Obj("dc", "home", 4, 2, true), Obj("aws", "cloud", 4, 4, true)});
  EXPECT_FALSE(h.complete);
  EXPECT_EQ(h.holdScale, (std::set<std::string>{"aws/cloud"}));
  EXPECT_EQ(h.newReady, 4);  // 2 home + 2 of the cloud's, as decided
  EXPECT_EQ(h.serving, 6);   // the cloud's 2 extra still serve
  h = PlanHandover(6, decision, {Obj("dc", "home", 4, 4, true), Obj("aws", "cloud", 4, 4, true)});
  EXPECT_TRUE(h.complete);
  EXPECT_TRUE(h.holdScale.empty());
}

TEST(MakeBeforeBreak, DarkMembersAndIdleObjectsAreNotWaitedFor) {
  const std::vector<api::Placement> decision = {At("aws", "cloud", 4)};
  // The old member is dark: its object can neither serve nor be deleted; nothing is kept.
  Handover h = PlanHandover(
      4, decision,
      {Obj("aws", "cloud", 4, 0, true), Obj("dc", "home", 4, 4, false, /*reachable=*/false)});
  EXPECT_TRUE(h.complete);
  EXPECT_TRUE(h.keep.empty());
  // An old object with nothing ready serves nothing: it goes at once.
  h = PlanHandover(4, decision, {Obj("aws", "cloud", 4, 0, true), Obj("dc", "home", 4, 0, false)});
  EXPECT_TRUE(h.complete);
  // Ready replicas in a dark member of the decision do not count as new capacity.
  h = PlanHandover(
      4, decision,
      {Obj("aws", "cloud", 4, 4, true, /*reachable=*/false), Obj("dc", "home", 4, 4, false)});
  EXPECT_FALSE(h.complete);
  EXPECT_EQ(h.newReady, 0);
}

TEST(MakeBeforeBreak, ScaleUpAndScaleDownInPlaceNeedNoWait) {
  const std::vector<api::Placement> up = {At("aws", "cloud", 6)};
  EXPECT_TRUE(PlanHandover(6, up, {Obj("aws", "cloud", 4, 4, true)}).holdScale.empty());
  const std::vector<api::Placement> down = {At("aws", "cloud", 2)};
  Handover h = PlanHandover(2, down, {Obj("aws", "cloud", 4, 4, true)});
  EXPECT_TRUE(h.complete);
  EXPECT_TRUE(h.holdScale.empty());
}

}  // namespace
}  // namespace hybridai::controllers
