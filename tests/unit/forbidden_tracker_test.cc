// ForbiddenTracker: RBAC keys derived from request paths, and what counts as looping on 403
// (readiness of the operator, operator/cmd), on a simulated clock.
#include "runtime/forbidden_tracker.h"

#include <gtest/gtest.h>

#include "support/simulated_clock.h"

namespace hybridai::runtime {
namespace {

HttpRequest Req(std::string method, std::string path, bool watch = false) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  if (watch) r.query.emplace_back("watch", "true");
  return r;
}

TEST(RbacKeyOf, NamesVerbAndResource) {
  EXPECT_EQ(RbacKeyOf(Req("GET", "/apis/hybridai.io/v1alpha1/aiworkloads")),
            "list hybridai.io/aiworkloads");
  EXPECT_EQ(RbacKeyOf(Req("GET", "/apis/hybridai.io/v1alpha1/aiworkloads", true)),
            "watch hybridai.io/aiworkloads");
  EXPECT_EQ(RbacKeyOf(Req("PATCH", "/apis/hybridai.io/v1alpha1/namespaces/a/aiworkloads/w/status")),
            "patch hybridai.io/aiworkloads/status");
  EXPECT_EQ(RbacKeyOf(Req("PUT", "/apis/hybridai.io/v1alpha1/memberclusters/x/status")),
            "update hybridai.io/memberclusters/status");
  EXPECT_EQ(RbacKeyOf(Req("GET", "/api/v1/namespaces/hybrid-system/secrets/aws-eu")),
            "get secrets");
  EXPECT_EQ(RbacKeyOf(Req("GET", "/api/v1/namespaces/hybrid-system")), "get namespaces");
  EXPECT_EQ(RbacKeyOf(Req("POST", "/api/v1/namespaces")), "create namespaces");
  EXPECT_EQ(RbacKeyOf(Req("DELETE", "/apis/apps/v1/namespaces/a/deployments/d")),
            "delete apps/deployments");
  EXPECT_EQ(RbacKeyOf(Req("GET", "/version")), "");
  EXPECT_EQ(RbacKeyOf(Req("GET", "/apis/hybridai.io/v1alpha1")), "");
}

TEST(ForbiddenTracker, PersistentAfterThresholdWithinWindow) {
  hybridai::testing::SimulatedClock clock;
  ForbiddenTracker t(clock, 2, std::chrono::seconds(120));
  const auto list = Req("GET", "/apis/hybridai.io/v1alpha1/budgets");
  t.Record(list, 403);
  EXPECT_TRUE(t.Persistent().empty()) << "one 403 is not a loop";
  clock.Advance(std::chrono::seconds(30));
  t.Record(list, 403);
  EXPECT_EQ(t.Persistent(), std::vector<std::string>{"list hybridai.io/budgets"});
  clock.Advance(std::chrono::seconds(121));
  EXPECT_TRUE(t.Persistent().empty()) << "a streak that stopped retrying fades";
}

TEST(ForbiddenTracker, SuccessEndsTheStreak) {
  hybridai::testing::SimulatedClock clock;
  ForbiddenTracker t(clock);
  const auto get = Req("GET", "/api/v1/namespaces/hybrid-system/secrets/s");
  t.Record(get, 403);
  t.Record(get, 403);
  ASSERT_EQ(t.Persistent().size(), 1u);
  t.Record(get, 200);
  EXPECT_TRUE(t.Persistent().empty());
  t.Record(get, 404);  // not found is an answer, not a missing permission
  t.Record(get, 403);
  EXPECT_TRUE(t.Persistent().empty());
}

}  // namespace
}  // namespace hybridai::runtime
