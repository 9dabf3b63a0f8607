// Failback in the fleet scheduler, on the simulated clock: a tiered workload that overflowed to
// the cloud (or failed over there) moves back to its first tier only once that tier has had
// room for failback.afterSeconds without a break (hysteresis), never with mode Never, and the
// deadline is a timer, not a resync.
#include <gtest/gtest.h>

#include "controllers/fleet_scheduler.h"
#include "scheduler_test_fleet.h"

namespace hybridai::controllers {
namespace {

using nlohmann::json;
using testing::WaitUntil;

// dc-paris (OnPrem, 4 accelerators, dearer) and aws-eu (Cloud, 8, cheaper).
struct TierFleet : testing::SchedulerFleet {
  TierFleet() : SchedulerFleet(/*aws=*/8, /*paris=*/4) {}

  void Create(const std::string& name, int64_t replicas, const std::function<void(json&)>& edit) {
    CreateWorkload("team-a", name, replicas, edit);
  }
  // A workload pinned on-prem that takes `replicas` of its room.
  void Filler(const std::string& name, int64_t replicas) {
    Create(name, replicas, [](json& w) {
      w["spec"]["placement"]["locations"] = json::array({"OnPrem"});
      w["spec"]["priority"] = 100;
    });
  }
  void Tiered(const std::string& name, int64_t replicas,
              const std::string& mode = "WhenRoomReturns", int64_t after = 60) {
    Create(name, replicas, [&](json& w) {
      w["spec"]["placement"]["tiers"] =
          json::array({{{"locations", {"OnPrem"}}}, {{"locations", {"Cloud"}}}});
      w["spec"]["placement"]["failback"] = {{"mode", mode}, {"afterSeconds", after}};
      w["spec"]["redundancy"] = {{"mode", "None"}, {"failoverAfterSeconds", 10}};
    });
  }
  void Delete(const std::string& name) { SchedulerFleet::Delete("team-a", name); }
  void Advance(int64_t seconds) { hub.clock.Advance(std::chrono::seconds(seconds)); }
  // Cycles until nothing is left to decide (what the scheduler thread does on its own): room
  // freed in one cycle has the overflowed workloads looked at in the next.
  void Settle() {
    for (int i = 0; i < 10 && scheduler->RunCycle() > 0; ++i) {
    }
  }
  // Decides `key` again now (what its timer or a room event would do).
  void Look(const std::string& key = "team-a/chat") {
    scheduler->Enqueue(key);
    Settle();
  }
  // "pool:replicas" of the Active placements.
  std::string Shape(const std::string& key = "team-a/chat") {
    auto d = scheduler->Decision(key);
    if (!d || !d->decision.placed) return "unplaced";
    std::string s;
    for (const auto& p : d->decision.placements) {
      s += (s.empty() ? "" : " ") + p.pool + ":" + std::to_string(p.replicas);
    }
    return s;
  }
};

TEST(FleetFailback, OverflowComesHomeAfterTheRoomHasLastedAfterSeconds) {
  TierFleet f;
  f.Filler("filler", 2);
  f.Settle();
  f.Tiered("chat", 6);
  f.Settle();
  ASSERT_EQ(f.Shape(), "aws-h100:4 dc-paris-h100:2");
  const auto d = f.scheduler->Decision("team-a/chat");
  EXPECT_EQ(d->decision.placements[0].tier, 1);  // listed by cluster, then pool
  EXPECT_EQ(d->decision.placements[1].tier, 0);

  f.Delete("filler");  // room for 2 more at home
  f.Settle();
  EXPECT_EQ(f.Shape(), "aws-h100:4 dc-paris-h100:2") << "room must last afterSeconds first";
  f.Advance(59);
  f.Look();
  EXPECT_EQ(f.Shape(), "aws-h100:4 dc-paris-h100:2");
  f.Advance(1);
  f.Look();
  EXPECT_EQ(f.Shape(), "aws-h100:2 dc-paris-h100:4");
  const auto moved = f.scheduler->Decision("team-a/chat");
  EXPECT_EQ(moved->moveReason, "Failback");
  EXPECT_NE(moved->moveMessage.find(
                "from aws-eu/aws-h100 x4 (tier 1), dc-paris/dc-paris-h100 x2 (tier 0) to "
                "aws-eu/aws-h100 x2 (tier 1), dc-paris/dc-paris-h100 x4 (tier 0)"),
            std::string::npos)
      << moved->moveMessage;
  EXPECT_EQ(f.scheduler->Allocated("dc-paris-h100"), 4);
  EXPECT_EQ(f.scheduler->Allocated("aws-h100"), 2);
  // Nothing more to gain: later looks keep it exactly.
  f.Advance(600);
  f.Look();
  EXPECT_EQ(f.Shape(), "aws-h100:2 dc-paris-h100:4");
  EXPECT_TRUE(f.scheduler->Decision("team-a/chat")->decision.kept);
}

TEST(FleetFailback, RoomThatComesAndGoesRestartsTheWait) {
  TierFleet f;
  f.Filler("filler", 2);
  f.Settle();
  f.Tiered("chat", 4);
  f.Settle();
  ASSERT_EQ(f.Shape(), "aws-h100:2 dc-paris-h100:2");

  f.Delete("filler");
  f.Settle();  // room since t0
  f.Advance(30);
  f.Filler("filler2", 2);  // the room is taken again at t0+30
  f.Settle();              // chat is looked at again: no room
  f.Advance(10);
  f.Delete("filler2");  // room again since t0+40
  f.Settle();
  f.Advance(25);  // t0+65: 65 s since the first room, but only 25 s without a break
  f.Look();
  EXPECT_EQ(f.Shape(), "aws-h100:2 dc-paris-h100:2");
  f.Advance(35);  // t0+100: 60 s without a break
  f.Look();
  EXPECT_EQ(f.Shape(), "dc-paris-h100:4");
}

TEST(FleetFailback, ModeNeverStaysWhereItIs) {
  TierFleet f;
  f.Filler("filler", 2);
  f.Settle();
  f.Tiered("chat", 4, "Never");
  f.Settle();
  ASSERT_EQ(f.Shape(), "aws-h100:2 dc-paris-h100:2");
  f.Delete("filler");
  f.Settle();
  f.Advance(3600);
  f.Look();
  EXPECT_EQ(f.Shape(), "aws-h100:2 dc-paris-h100:2");
}

TEST(FleetFailback, AfterAFailoverTheReturnIsATimerOnTheClock) {
  TierFleet f;
  f.Tiered("chat", 4, "WhenRoomReturns", 30);
  f.Settle();
  ASSERT_EQ(f.Shape(), "dc-paris-h100:4");
  f.scheduler->Start();

  // The on-prem member goes dark: after failoverAfterSeconds (10) everything is in the cloud.
  f.SetClusterReady("dc-paris", "False");
  ASSERT_TRUE(WaitUntil([&] { return f.scheduler->Queued() == 0 && f.hub.clock.Sleepers() > 0; }));
  f.Advance(11);
  ASSERT_TRUE(WaitUntil([&] { return f.Shape() == "aws-h100:4"; })) << f.Shape();

  // It returns: the failback timer is armed for +30 s; nothing moves before.
  const size_t sleepers = f.hub.clock.Sleepers();
  f.SetClusterReady("dc-paris", "True");
  ASSERT_TRUE(WaitUntil([&] { return f.hub.clock.Sleepers() > sleepers; }));
  f.Advance(29);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(f.Shape(), "aws-h100:4");
  f.Advance(2);
  ASSERT_TRUE(WaitUntil([&] { return f.Shape() == "dc-paris-h100:4"; })) << f.Shape();
  EXPECT_EQ(f.scheduler->Decision("team-a/chat")->moveReason, "Failback");
  f.scheduler->Stop();
}

}  // namespace
}  // namespace hybridai::controllers
