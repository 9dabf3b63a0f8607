// The fleet scheduler's test fleet: an in-memory hub (real informers, the simulated clock) with
// aws-eu (Cloud, pool aws-h100 at 2.20) and dc-paris (OnPrem, pool dc-paris-h100 at 4.10), and
// a scheduler over it that is told of changes as the informer handlers would tell it. Shared by
// the scheduler's and failback's unit tests. One per test; not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "controller_test_fixture.h"
#include "controllers/fleet_scheduler.h"
#include "core/rfc3339.h"

namespace hybridai::testing {

struct SchedulerFleet {
  Hub hub;
  controllers::FleetSnapshot fleet{hub.Caches()};
  std::unique_ptr<controllers::FleetScheduler> scheduler;
  std::set<std::string> decided;  // keys whose decision changed

  SchedulerFleet(int64_t aws, int64_t paris, controllers::FleetSchedulerOptions options = {}) {
    hub.api->Seed(kinds::kMemberCluster, ClusterJson("aws-eu", "aws"));
    hub.api->Seed(kinds::kMemberCluster, ClusterJson("dc-paris", "dc-paris", "OnPrem"));
    hub.api->Seed(kinds::kGPUPool, PoolJson("aws-h100", "aws-eu", aws, "2.20"));
    hub.api->Seed(kinds::kGPUPool, PoolJson("dc-paris-h100", "dc-paris", paris, "4.10"));
    hub.Start();
    scheduler = std::make_unique<controllers::FleetScheduler>(hub.Caches(), fleet, hub.clock,
                                                              nullptr, options);
    scheduler->SetCallbacks([this](const std::string& k) { decided.insert(k); }, nullptr);
    scheduler->Seed();
  }

  // Creates a workload (one accelerator per replica), edited by `edit`, and tells the scheduler.
  void CreateWorkload(const std::string& ns, const std::string& name, int64_t replicas,
                      const std::function<void(json&)>& edit) {
    json w = WorkloadJson(ns, name, replicas);
    if (edit) edit(w);
    auto res = hub.api->Create(kinds::kAIWorkload, ns, w);
    ASSERT_TRUE(res.ok()) << res.error().ToString();
    ASSERT_TRUE(hub.WaitCached(kinds::kAIWorkload, ns, name));
    scheduler->WorkloadChanged(hub.Caches().workloads->Get(ns, name));
  }

  void Delete(const std::string& ns, const std::string& name) {
    runtime::ObjectPtr o = hub.Caches().workloads->Get(ns, name);
    ASSERT_TRUE(hub.api->Delete(kinds::kAIWorkload, ns, name, {}).ok());
    ASSERT_TRUE(hub.WaitCached(kinds::kAIWorkload, ns, name));
    scheduler->WorkloadDeleted(o);
  }

  void Patch(const runtime::ResourceKind& kind, const std::string& ns, const std::string& name,
             const json& patch, bool status = false) {
    runtime::PatchOptions opts;
    if (status) opts.subresource = "status";
    auto res = hub.api->Patch(kind, ns, name, runtime::PatchType::Merge, patch.dump(), opts);
    ASSERT_TRUE(res.ok()) << res.error().ToString();
    ASSERT_TRUE(hub.WaitCached(kind, ns, name));
  }

  // The cluster's Ready condition becomes `status` now, and the scheduler is told.
  void SetClusterReady(const std::string& cluster, const std::string& status) {
    const std::string now = FormatRfc3339(
        std::chrono::duration_cast<std::chrono::seconds>(hub.clock.WallNow().time_since_epoch())
            .count());
    Patch(kinds::kMemberCluster, "", cluster,
          {{"status", {{"conditions", json::array({ReadyCondition(status, now)})}}}},
          /*status=*/true);
    scheduler->ClusterChanged(cluster);
  }

  controllers::ScheduledDecision D(const std::string& key) {
    auto d = scheduler->Decision(key);
    EXPECT_TRUE(d.has_value()) << key;
    return d.value_or(controllers::ScheduledDecision{});
  }
};

}  // namespace hybridai::testing
