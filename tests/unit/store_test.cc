// Store: keyed snapshots, indexes (namespace, label, custom) kept right across updates and
// removals, label-selector queries, and readers never seeing a half-applied object.
#include "runtime/store.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace hybridai::runtime {
namespace {

ObjectPtr Obj(const std::string& ns, const std::string& name,
              std::map<std::string, std::string> labels = {}, int replicas = 1) {
  json o{{"metadata", {{"name", name}}}, {"spec", {{"replicas", replicas}}}};
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  if (!labels.empty()) o["metadata"]["labels"] = labels;
  return std::make_shared<const json>(std::move(o));
}

std::vector<std::string> Names(std::vector<ObjectPtr> objs) {
  std::vector<std::string> out;
  for (auto& o : objs) out.push_back(ObjectKey(*o));
  std::sort(out.begin(), out.end());
  return out;
}

class StoreTest : public ::testing::TestWithParam<bool> {
 protected:
  static StoreOptions Options() { return StoreOptions{.compact = GetParam()}; }
};

TEST_P(StoreTest, UpsertGetRemoveByKey) {
  Store s{Options()};
  EXPECT_EQ(s.Upsert(Obj("a", "x")), nullptr);
  auto second = Obj("a", "x", {}, 2);
  ObjectPtr previous = s.Upsert(second);
  ASSERT_NE(previous, nullptr);
  EXPECT_EQ(previous->at("spec").at("replicas"), 1);
  ASSERT_NE(s.Get("a/x"), nullptr);
  EXPECT_EQ(*s.Get("a/x"), *second);
  EXPECT_EQ(*s.Get("a", "x"), *second);
  EXPECT_EQ(s.Size(), 1u);
  ObjectPtr removed = s.Remove("a/x");
  ASSERT_NE(removed, nullptr);
  EXPECT_EQ(*removed, *second);
  EXPECT_EQ(s.Remove("a/x"), nullptr);
  EXPECT_EQ(s.Get("a/x"), nullptr);
}

TEST_P(StoreTest, ClusterScopedKeysHaveNoNamespace) {
  Store s{Options()};
  s.Upsert(Obj("", "pool-1"));
  EXPECT_NE(s.Get("pool-1"), nullptr);
  EXPECT_EQ(s.Keys(), std::vector<std::string>{"pool-1"});
  EXPECT_TRUE(s.ByIndex(kNamespaceIndex, "").empty());
}

TEST_P(StoreTest, ObjectsWithoutNameAreRefused) {
  Store s{Options()};
  EXPECT_EQ(s.Upsert(std::make_shared<const json>(json{{"metadata", json::object()}})), nullptr);
  EXPECT_EQ(s.Upsert(nullptr), nullptr);
  EXPECT_EQ(s.Size(), 0u);
}

TEST_P(StoreTest, NamespaceIndexFollowsUpsertsAndRemovals) {
  Store s{Options()};
  s.Upsert(Obj("a", "x"));
  s.Upsert(Obj("a", "y"));
  s.Upsert(Obj("b", "z"));
  EXPECT_EQ(Names(s.ByIndex(kNamespaceIndex, "a")), (std::vector<std::string>{"a/x", "a/y"}));
  s.Remove("a/x");
  EXPECT_EQ(Names(s.ByIndex(kNamespaceIndex, "a")), std::vector<std::string>{"a/y"});
  EXPECT_TRUE(s.ByIndex("no-such-index", "a").empty());
}

TEST_P(StoreTest, LabelIndexMovesWhenTheLabelChanges) {
  Store s{Options()};
  s.AddIndex("workload", LabelIndexFunc("hybridai.io/workload"));
  s.Upsert(Obj("m", "d1", {{"hybridai.io/workload", "llama"}}));
  s.Upsert(Obj("m", "d2", {{"hybridai.io/workload", "llama"}}));
  s.Upsert(Obj("m", "d3"));
  EXPECT_EQ(Names(s.ByIndex("workload", "llama")), (std::vector<std::string>{"m/d1", "m/d2"}));
  s.Upsert(Obj("m", "d2", {{"hybridai.io/workload", "mistral"}}));
  EXPECT_EQ(Names(s.ByIndex("workload", "llama")), std::vector<std::string>{"m/d1"});
  EXPECT_EQ(Names(s.ByIndex("workload", "mistral")), std::vector<std::string>{"m/d2"});
}

TEST_P(StoreTest, IndexAddedLaterCoversExistingObjects) {
  Store s{Options()};
  s.Upsert(Obj("m", "d1", {{"team", "vision"}}));
  s.AddIndex("team", LabelIndexFunc("team"));
  EXPECT_EQ(Names(s.ByIndex("team", "vision")), std::vector<std::string>{"m/d1"});
}

TEST_P(StoreTest, CustomIndexWithSeveralValuesAndAThrowingFunction) {
  Store s{Options()};
  s.AddIndex("by-replicas", [](const json& o) -> std::vector<std::string> {
    int r = o.at("spec").at("replicas").get<int>();  // throws when spec is absent
    return {"r" + std::to_string(r), r > 1 ? "many" : "one"};
  });
  s.Upsert(Obj("a", "x", {}, 1));
  s.Upsert(Obj("a", "y", {}, 3));
  s.Upsert(std::make_shared<const json>(json{{"metadata", {{"name", "odd"}}}}));
  EXPECT_EQ(Names(s.ByIndex("by-replicas", "many")), std::vector<std::string>{"a/y"});
  EXPECT_EQ(Names(s.ByIndex("by-replicas", "r1")), std::vector<std::string>{"a/x"});
  EXPECT_EQ(s.Size(), 3u);  // the odd one is cached, just not indexed
}

TEST_P(StoreTest, ListBySelectorAndNamespace) {
  Store s{Options()};
  s.Upsert(Obj("a", "x", {{"team", "vision"}}));
  s.Upsert(Obj("a", "y", {{"team", "nlp"}}));
  s.Upsert(Obj("b", "z", {{"team", "vision"}}));
  auto vision = LabelSelector::Parse("team=vision").value();
  EXPECT_EQ(Names(s.List(vision)), (std::vector<std::string>{"a/x", "b/z"}));
  EXPECT_EQ(Names(s.List(vision, "b")), std::vector<std::string>{"b/z"});
  EXPECT_EQ(Names(s.List(LabelSelector::Parse("team notin (vision)").value())),
            std::vector<std::string>{"a/y"});
  EXPECT_EQ(s.List(LabelSelector()).size(), 3u);
}

TEST_P(StoreTest, SnapshotsSurviveLaterUpdates) {
  Store s{Options()};
  s.Upsert(Obj("a", "x", {}, 1));
  ObjectPtr held = s.Get("a/x");
  s.Upsert(Obj("a", "x", {}, 2));
  s.Remove("a/x");
  EXPECT_EQ(held->at("spec").at("replicas"), 1);  // the reader's copy is untouched
}

// Writers replace whole objects whose two fields always agree; readers must never see them
// disagree (a torn update).
TEST_P(StoreTest, ConcurrentReadersNeverSeeAHalfAppliedUpdate) {
  Store s{Options()};
  s.AddIndex("team", LabelIndexFunc("team"));
  auto make = [](int i) {
    return std::make_shared<const json>(
        json{{"metadata", {{"namespace", "n"}, {"name", "x"}, {"labels", {{"team", "t"}}}}},
             {"spec", {{"a", i}, {"b", i}}}});
  };
  s.Upsert(make(0));
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        for (const auto& o : s.ByIndex("team", "t")) {
          if (o->at("spec").at("a") != o->at("spec").at("b")) ++torn;
        }
        if (auto o = s.Get("n/x"); o && o->at("spec").at("a") != o->at("spec").at("b")) ++torn;
      }
    });
  }
  for (int i = 1; i < 3000; ++i) s.Upsert(make(i));
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(s.Get("n/x")->at("spec").at("a"), 2999);
}

TEST_P(StoreTest, ForEachGivesIdentitiesAndObjects) {
  Store s{Options()};
  json o{{"metadata", {{"namespace", "a"}, {"name", "x"}, {"uid", "u-1"}, {"resourceVersion", "7"}}},
         {"spec", {{"image", "registry.example/model:v1"}}}};
  s.Upsert(std::make_shared<const json>(o));
  s.Upsert(Obj("b", "y"));
  std::vector<std::string> seen;
  s.ForEach(kNamespaceIndex, "a", [&](const StoredObject& stored) {
    seen.push_back(stored.key());
    EXPECT_EQ(stored.uid(), "u-1");
    EXPECT_EQ(stored.resourceVersion(), "7");
    EXPECT_EQ(*stored.object(), o);
  });
  EXPECT_EQ(seen, std::vector<std::string>{"a/x"});
  std::size_t all = 0;
  s.ForEach("", "", [&](const StoredObject&) { ++all; });
  EXPECT_EQ(all, 2u);
  s.ForEach("no-such-index", "a", [&](const StoredObject&) { ADD_FAILURE() << "no such index"; });
}

INSTANTIATE_TEST_SUITE_P(Modes, StoreTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Compact" : "Plain"; });

// A plain store shares the cached pointer; a compact one packs it and hands out copies.
TEST(Store, PlainStoreSharesObjectsCompactStorePacksThem) {
  auto big = std::make_shared<const json>(json{
      {"metadata", {{"namespace", "a"}, {"name", "x"}}},
      {"spec", {{"args", std::vector<std::string>(50, "--model=meta-llama/Llama-3.1-8B")}}}});
  Store plain;
  plain.Upsert(big);
  EXPECT_EQ(plain.Get("a/x"), big);
  Store compact{StoreOptions{.compact = true}};
  EXPECT_TRUE(compact.compact());
  compact.Upsert(big);
  ObjectPtr copy = compact.Get("a/x");
  EXPECT_NE(copy, big);
  EXPECT_EQ(*copy, *big);
  std::size_t packed = 0;
  compact.ForEach("", "", [&](const StoredObject& so) { packed = so.packedBytes(); });
  EXPECT_GT(packed, 0u);
  EXPECT_LT(packed, big->dump().size());
}

}  // namespace
}  // namespace hybridai::runtime
