// Integration tests of KubeClient, Watch and Informer against the hub
// kube-apiserver of a running fleet (HYBRIDAI_FLEET_DIR). Each test works in
// its own fresh namespace, deleted at the end, and bounds every wait so a
// broken server fails the test instead of hanging it.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "runtime/api_client.h"
#include "runtime/clock.h"
#include "runtime/informer.h"
#include "runtime/kube_client.h"
#include "runtime/kubeconfig.h"

namespace hybridai::runtime {
namespace {

using namespace std::chrono_literals;

const ResourceKind kConfigMap{"", "v1", "configmaps", "ConfigMap", true};
constexpr auto kWait = 20s;

std::string FleetDir() {
  const char* dir = std::getenv("HYBRIDAI_FLEET_DIR");
  return dir == nullptr ? "" : dir;
}

std::string RandomSuffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 6; ++i) s += kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
  return s;
}

json ConfigMap(const std::string& ns, const std::string& name, json data) {
  return json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"data", std::move(data)}};
}

// Polls `done` until it holds or kWait passes; the caller asserts on the
// result.
bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

std::string Field(const json& object, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return object.contains(p) && object.at(p).is_string() ? object.at(p).get<std::string>() : "";
}

class ApiserverClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FleetDir();
    ASSERT_FALSE(dir_.empty())
        << "HYBRIDAI_FLEET_DIR is not set: these tests need a running fleet "
           "(scripts/test.sh sets it; or e2e/fleet/up.sh --dir DIR and export "
           "it)";
    auto config = LoadKubeconfigFile(dir_ + "/hub.kubeconfig");
    ASSERT_TRUE(config.ok()) << config.error().ToString();
    auto client = NewKubeClient(config.value());
    ASSERT_TRUE(client.ok()) << client.error().ToString();
    client_ = client.value();

    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string base = std::string("kc-") + info->name();
    for (char& c : base) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    for (char& c : base) c = (std::isalnum(static_cast<unsigned char>(c)) ? c : '-');
    ns_ = base.substr(0, 40) + "-" + RandomSuffix();
    auto created = client_->Create(
        kinds::kNamespace, "",
        json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}});
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    nsCreated_ = true;
  }

  void TearDown() override {
    for (const auto& cleanup : cleanups_) cleanup();
    if (nsCreated_) {
      auto deleted = client_->Delete(kinds::kNamespace, "", ns_, {});
      EXPECT_TRUE(deleted.ok() || deleted.Is(ApiError::Reason::NotFound))
          << deleted.error().ToString();
    }
  }

  json MustCreate(const std::string& name, json data) {
    auto created = client_->Create(kConfigMap, ns_, ConfigMap(ns_, name, std::move(data)));
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    return created.ok() ? created.value() : json{};
  }

  std::string dir_;
  std::string ns_;
  bool nsCreated_ = false;
  std::shared_ptr<KubeClient> client_;
  std::vector<std::function<void()>> cleanups_;
};

TEST_F(ApiserverClientTest, CreateGetAndPaginatedList) {
  auto created = MustCreate("cm-0", {{"k", "v0"}});
  EXPECT_FALSE(Field(created, "/metadata/uid").empty());
  EXPECT_FALSE(Field(created, "/metadata/resourceVersion").empty());
  for (int i = 1; i < 5; ++i)
    MustCreate("cm-" + std::to_string(i), {{"k", "v" + std::to_string(i)}});

  auto got = client_->Get(kConfigMap, ns_, "cm-3");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(Field(got.value(), "/data/k"), "v3");
  EXPECT_EQ(Field(got.value(), "/metadata/namespace"), ns_);

  std::vector<std::string> names;
  ListOptions opts;
  opts.limit = 2;
  int pages = 0;
  do {
    auto page = client_->List(kConfigMap, ns_, opts);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    ++pages;
    EXPECT_LE(page.value().items.size(), 2u);
    EXPECT_FALSE(page.value().resourceVersion.empty());
    for (const auto& item : page.value().items) {
      const std::string name = Field(item, "/metadata/name");
      if (name.rfind("cm-", 0) == 0) names.push_back(name);
    }
    opts.continueToken = page.value().continueToken;
    ASSERT_LT(pages, 10) << "pagination does not end";
  } while (!opts.continueToken.empty());
  // 5 ConfigMaps plus kube-root-ca.crt, which the controller manager may have
  // added already.
  EXPECT_GE(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"cm-0", "cm-1", "cm-2", "cm-3", "cm-4"}));
}

TEST_F(ApiserverClientTest, UpdateWithStaleResourceVersionConflicts) {
  json original = MustCreate("cm", {{"k", "v1"}});
  ASSERT_FALSE(original.empty());

  json fresh = original;
  fresh["data"]["k"] = "v2";
  auto updated = client_->Update(kConfigMap, ns_, fresh);
  ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  EXPECT_NE(Field(updated.value(), "/metadata/resourceVersion"),
            Field(original, "/metadata/resourceVersion"));

  json stale = original;
  stale["data"]["k"] = "v3";
  auto conflict = client_->Update(kConfigMap, ns_, stale);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().reason, ApiError::Reason::Conflict) << conflict.error().ToString();
  EXPECT_EQ(conflict.error().httpStatus, 409);

  auto got = client_->Get(kConfigMap, ns_, "cm");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(Field(got.value(), "/data/k"), "v2");
}

TEST_F(ApiserverClientTest, DeleteWithWrongUidPreconditionConflicts) {
  json created = MustCreate("cm", {{"k", "v"}});
  ASSERT_FALSE(created.empty());

  DeleteOptions wrong;
  wrong.preconditionUid = "00000000-0000-0000-0000-000000000000";
  auto refused = client_->Delete(kConfigMap, ns_, "cm", wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, ApiError::Reason::Conflict) << refused.error().ToString();
  ASSERT_TRUE(client_->Get(kConfigMap, ns_, "cm").ok());

  DeleteOptions right;
  right.preconditionUid = Field(created, "/metadata/uid");
  auto deleted = client_->Delete(kConfigMap, ns_, "cm", right);
  ASSERT_TRUE(deleted.ok()) << deleted.error().ToString();
  EXPECT_TRUE(client_->Get(kConfigMap, ns_, "cm").Is(ApiError::Reason::NotFound));
}

TEST_F(ApiserverClientTest, MergePatch) {
  ASSERT_FALSE(MustCreate("cm", {{"keep", "1"}, {"drop", "2"}}).empty());
  auto patched =
      client_->Patch(kConfigMap, ns_, "cm", PatchType::Merge,
                     R"({"data":{"drop":null,"add":"3"},"metadata":{"labels":{"a":"b"}}})", {});
  ASSERT_TRUE(patched.ok()) << patched.error().ToString();
  EXPECT_EQ(patched.value()["data"], (json{{"keep", "1"}, {"add", "3"}}));
  EXPECT_EQ(Field(patched.value(), "/metadata/labels/a"), "b");
}

// Which managers own data.<key> according to metadata.managedFields.
std::vector<std::string> OwnersOf(const json& object, const std::string& key) {
  std::vector<std::string> owners;
  if (!object.contains("metadata") || !object["metadata"].contains("managedFields")) return owners;
  for (const auto& entry : object["metadata"]["managedFields"]) {
    const json::json_pointer p("/fieldsV1/f:data/f:" + key);
    if (entry.contains(p)) owners.push_back(entry.value("manager", ""));
  }
  return owners;
}

TEST_F(ApiserverClientTest, ServerSideApplyConflictsAndForce) {
  json intent{{"metadata", {{"name", "cm"}, {"namespace", ns_}}}, {"data", {{"k", "a"}}}};
  auto first = client_->Apply(kConfigMap, intent, "manager-a", /*force=*/false);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(Field(first.value(), "/data/k"), "a");
  EXPECT_EQ(OwnersOf(first.value(), "k"), std::vector<std::string>{"manager-a"});

  intent["data"]["k"] = "b";
  auto refused = client_->Apply(kConfigMap, intent, "manager-b", /*force=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, ApiError::Reason::Conflict) << refused.error().ToString();
  ASSERT_FALSE(refused.error().causes.empty());
  EXPECT_NE(refused.error().causes[0].field.find("data.k"), std::string::npos)
      << refused.error().causes[0].field;
  EXPECT_NE(refused.error().causes[0].message.find("manager-a"), std::string::npos)
      << refused.error().causes[0].message;

  auto forced = client_->Apply(kConfigMap, intent, "manager-b", /*force=*/true);
  ASSERT_TRUE(forced.ok()) << forced.error().ToString();
  EXPECT_EQ(Field(forced.value(), "/data/k"), "b");
  EXPECT_EQ(OwnersOf(forced.value(), "k"), std::vector<std::string>{"manager-b"});
}

class CrdInstalled {
 public:
  static bool Ensure(std::string* error) {
    static const std::string result = Install();
    *error = result;
    return result.empty();
  }

 private:
  static std::string Install() {
    const std::string root = HYBRIDAI_SOURCE_DIR;
    const std::string kubectl =
        "\"$(\"" + root + "/e2e/tools/install.sh\" --print-bin-dir)/kubectl\"";
    const std::string kubeconfig = FleetDir() + "/hub.kubeconfig";
    const std::string apply =
        kubectl + " --kubeconfig \"" + kubeconfig + "\" apply -f \"" + root + "/crds/\" >/dev/null";
    if (std::system(apply.c_str()) != 0) return "kubectl apply -f crds/ failed";
    // kubectl wait fails at once, not after its timeout, while a new CRD has no conditions yet.
    const std::string wait = "for i in $(seq 1 40); do " + kubectl + " --kubeconfig \"" +
                             kubeconfig +
                             "\" wait --for=condition=Established --timeout=5s "
                             "crd/gpupools.hybridai.io >/dev/null 2>&1 && exit 0; sleep 0.5; "
                             "done; exit 1";
    if (std::system(wait.c_str()) != 0) return "CRD gpupools.hybridai.io not established";
    return "";
  }
};

TEST_F(ApiserverClientTest, UpdateStatusWithStaleResourceVersionConflicts) {
  std::string error;
  ASSERT_TRUE(CrdInstalled::Ensure(&error)) << error;
  const std::string name = ns_ + "-pool";
  json pool{{"apiVersion", "hybridai.io/v1alpha1"},
            {"kind", "GPUPool"},
            {"metadata", {{"name", name}}},
            {"spec",
             {{"cluster", "cloud"},
              {"accelerator",
               {{"vendor", "NVIDIA"},
                {"model", "H100"},
                {"memoryGiB", 80},
                {"resourceName", "nvidia.com/gpu"}}},
              {"pricing", {{"acceleratorHour", "4.10"}}},
              {"power", {{"acceleratorWatts", 700}}}}}};
  auto created = client_->Create(kinds::kGPUPool, "", pool);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  cleanups_.push_back([this, name] { client_->Delete(kinds::kGPUPool, "", name, {}); });

  json withStatus = created.value();
  withStatus["status"] = {{"readyNodes", 2}};
  auto fresh = client_->UpdateStatus(kinds::kGPUPool, "", withStatus);
  ASSERT_TRUE(fresh.ok()) << fresh.error().ToString();
  EXPECT_EQ(fresh.value()["status"].value("readyNodes", -1), 2);

  json stale = created.value();
  stale["status"] = {{"readyNodes", 3}};
  auto conflict = client_->UpdateStatus(kinds::kGPUPool, "", stale);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().reason, ApiError::Reason::Conflict) << conflict.error().ToString();

  auto got = client_->Get(kinds::kGPUPool, "", name);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got.value()["status"].value("readyNodes", -1), 2);
}

TEST_F(ApiserverClientTest, GetMissingIsNotFound) {
  auto missing = client_->Get(kConfigMap, ns_, "does-not-exist");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().reason, ApiError::Reason::NotFound) << missing.error().ToString();
  EXPECT_EQ(missing.error().httpStatus, 404);
}

TEST_F(ApiserverClientTest, CreateDuplicateIsAlreadyExists) {
  ASSERT_FALSE(MustCreate("cm", {{"k", "v"}}).empty());
  auto duplicate = client_->Create(kConfigMap, ns_, ConfigMap(ns_, "cm", {{"k", "other"}}));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().reason, ApiError::Reason::AlreadyExists)
      << duplicate.error().ToString();
  EXPECT_EQ(duplicate.error().httpStatus, 409);
}

TEST_F(ApiserverClientTest, InvalidObjectNamesTheField) {
  auto invalid = client_->Create(kConfigMap, ns_, ConfigMap(ns_, "Not_A_Valid_Name", {}));
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().reason, ApiError::Reason::Invalid) << invalid.error().ToString();
  EXPECT_EQ(invalid.error().httpStatus, 422);
  ASSERT_FALSE(invalid.error().causes.empty());
  bool namesField = false;
  for (const auto& cause : invalid.error().causes) namesField |= cause.field == "metadata.name";
  EXPECT_TRUE(namesField) << invalid.error().ToString();
}

TEST_F(ApiserverClientTest, WatchFromListSeesChangesInOrder) {
  auto listed = client_->List(kConfigMap, ns_, {});
  ASSERT_TRUE(listed.ok()) << listed.error().ToString();
  WatchOptions opts;
  opts.resourceVersion = listed.value().resourceVersion;
  opts.timeoutSeconds = 20;  // the server ends the watch if events never come
  auto watch = client_->Watch(kConfigMap, ns_, opts);
  ASSERT_TRUE(watch.ok()) << watch.error().ToString();
  auto& stream = *watch.value();

  ASSERT_FALSE(MustCreate("watched", {{"k", "1"}}).empty());
  auto patched =
      client_->Patch(kConfigMap, ns_, "watched", PatchType::Merge, R"({"data":{"k":"2"}})", {});
  ASSERT_TRUE(patched.ok()) << patched.error().ToString();
  ASSERT_TRUE(client_->Delete(kConfigMap, ns_, "watched", {}).ok());

  std::vector<std::pair<WatchEvent::Type, std::string>> seen;
  while (seen.empty() || seen.back().first != WatchEvent::Type::Deleted) {
    auto next = stream.Next();
    ASSERT_TRUE(next.ok()) << next.error().ToString();
    ASSERT_TRUE(next.value().has_value()) << "watch ended before the DELETED event";
    const WatchEvent& event = *next.value();
    ASSERT_NE(event.type, WatchEvent::Type::Error) << event.object.dump();
    if (event.type == WatchEvent::Type::Bookmark) continue;
    if (Field(event.object, "/metadata/name") != "watched") continue;
    seen.emplace_back(event.type, Field(event.object, "/data/k"));
  }
  stream.Cancel();
  using T = WatchEvent::Type;
  EXPECT_EQ(seen, (std::vector<std::pair<T, std::string>>{
                      {T::Added, "1"}, {T::Modified, "2"}, {T::Deleted, "2"}}));
}

TEST_F(ApiserverClientTest, InformerSyncsAndReflectsChanges) {
  ASSERT_FALSE(MustCreate("before", {{"k", "0"}}).empty());
  InformerOptions opts;
  opts.ns = ns_;
  opts.timeoutSeconds = 20;
  Informer informer(*client_, kConfigMap, RealClock(), opts);
  std::mutex mu;
  std::vector<std::string> log;
  informer.AddEventHandler(
      ResourceEventHandler{[&](const ObjectPtr& o) {
                             std::lock_guard lock(mu);
                             log.push_back("add " + Field(*o, "/metadata/name"));
                           },
                           [&](const ObjectPtr&, const ObjectPtr& o) {
                             std::lock_guard lock(mu);
                             log.push_back("update " + Field(*o, "/metadata/name"));
                           },
                           [&](const ObjectPtr& o, bool) {
                             std::lock_guard lock(mu);
                             log.push_back("delete " + Field(*o, "/metadata/name"));
                           }});
  informer.Start();
  ASSERT_TRUE(WaitFor([&] { return informer.HasSynced(); })) << "informer never synced";
  ASSERT_NE(informer.store().Get(ns_, "before"), nullptr);

  ASSERT_FALSE(MustCreate("during", {{"k", "1"}}).empty());
  EXPECT_TRUE(WaitFor([&] { return informer.store().Get(ns_, "during") != nullptr; }));
  ASSERT_TRUE(
      client_->Patch(kConfigMap, ns_, "during", PatchType::Merge, R"({"data":{"k":"2"}})", {})
          .ok());
  EXPECT_TRUE(WaitFor([&] {
    auto o = informer.store().Get(ns_, "during");
    return o != nullptr && Field(*o, "/data/k") == "2";
  }));
  ASSERT_TRUE(client_->Delete(kConfigMap, ns_, "during", {}).ok());
  EXPECT_TRUE(WaitFor([&] { return informer.store().Get(ns_, "during") == nullptr; }));
  informer.Stop();

  std::lock_guard lock(mu);
  auto has = [&](const std::string& entry) {
    return std::find(log.begin(), log.end(), entry) != log.end();
  };
  EXPECT_TRUE(has("add before"));
  EXPECT_TRUE(has("add during"));
  EXPECT_TRUE(has("update during"));
  EXPECT_TRUE(has("delete during"));
  auto at = [&](const std::string& entry) { return std::find(log.begin(), log.end(), entry); };
  EXPECT_LT(at("add during"), at("update during"));
  EXPECT_LT(at("update during"), at("delete during"));
}

TEST_F(ApiserverClientTest, IdentityWithoutRbacIsForbidden) {
  auto config = LoadKubeconfigFile(dir_ + "/operator/hub.kubeconfig");
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  auto client = NewKubeClient(config.value());
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  auto listed = client.value()->List(kConfigMap, ns_, {});
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().reason, ApiError::Reason::Forbidden) << listed.error().ToString();
  EXPECT_EQ(listed.error().httpStatus, 403);
  auto created = client.value()->Create(kConfigMap, ns_, ConfigMap(ns_, "cm", {}));
  EXPECT_TRUE(created.Is(ApiError::Reason::Forbidden))
      << (created.ok() ? "created" : created.error().ToString());
}

}  // namespace
}  // namespace hybridai::runtime
