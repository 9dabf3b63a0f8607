// Typed access: pagination through every page, decoding through the core codecs with errors
// naming the object, and the core-kind accessors.
#include "runtime/typed_client.h"

#include <gtest/gtest.h>

#include "runtime/base64.h"

namespace hybridai::runtime {
namespace {

// Serves scripted List pages and one Get answer; records the list options it saw.
class PagedApi final : public ApiClient {
 public:
  Result<json> Get(const ResourceKind&, const std::string&, const std::string&) override {
    return getAnswer;
  }
  Result<ListResult> List(const ResourceKind&, const std::string&,
                          const ListOptions& opts) override {
    seen.push_back(opts);
    if (pages.empty()) return ListResult{};
    auto p = pages.front();
    pages.erase(pages.begin());
    return p;
  }
  Result<std::unique_ptr<WatchStream>> Watch(const ResourceKind&, const std::string&,
                                             const WatchOptions&) override {
    return Unsupported();
  }
  Result<json> Create(const ResourceKind&, const std::string&, const json&) override {
    return Unsupported();
  }
  Result<json> Update(const ResourceKind&, const std::string&, const json&) override {
    return Unsupported();
  }
  Result<json> UpdateStatus(const ResourceKind&, const std::string&, const json&) override {
    return Unsupported();
  }
  Status Delete(const ResourceKind&, const std::string&, const std::string&,
                const DeleteOptions&) override {
    return Unsupported();
  }
  Result<json> Patch(const ResourceKind&, const std::string&, const std::string&, PatchType,
                     const std::string&, const PatchOptions&) override {
    return Unsupported();
  }
  Result<json> GetPath(const std::string&) override { return Unsupported(); }

  static ApiError Unsupported() {
    ApiError e;
    e.reason = ApiError::Reason::MethodNotAllowed;
    return e;
  }

  std::vector<Result<ListResult>> pages;
  std::vector<ListOptions> seen;
  Result<json> getAnswer = json::object();
};

ListResult Page(std::vector<std::string> names, std::string cont, std::string rv) {
  ListResult p;
  for (const auto& n : names) p.items.push_back({{"metadata", {{"name", n}}}});
  p.continueToken = std::move(cont);
  p.resourceVersion = std::move(rv);
  return p;
}

TEST(ListAllTest, FollowsContinueTokens) {
  PagedApi api;
  api.pages = {Page({"a", "b"}, "c1", "10"), Page({"c"}, "", "11")};
  ListOptions opts;
  opts.labelSelector = "x=y";
  opts.resourceVersion = "0";
  auto all = ListAll(api, kinds::kPod, "ns", opts, 2);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all.value().items.size(), 3u);
  EXPECT_EQ(all.value().resourceVersion, "11");
  ASSERT_EQ(api.seen.size(), 2u);
  EXPECT_EQ(api.seen[0].limit, 2);
  EXPECT_EQ(api.seen[0].resourceVersion, "0");
  EXPECT_EQ(api.seen[1].continueToken, "c1");
  EXPECT_EQ(api.seen[1].labelSelector, "x=y");
  EXPECT_EQ(api.seen[1].resourceVersion, "");
}

TEST(ListAllTest, ExpiredContinueTokenIsReturned) {
  PagedApi api;
  ApiError gone;
  gone.reason = ApiError::Reason::Gone;
  api.pages = {Page({"a"}, "c1", "10"), gone};
  EXPECT_TRUE(ListAll(api, kinds::kPod, "ns", {}).Is(ApiError::Reason::Gone));
}

TEST(TypedClientTest, DecodeFailureNamesObjectAndField) {
  PagedApi api;
  api.getAnswer = json{{"apiVersion", "hybridai.io/v1alpha1"},
                       {"kind", "GPUPool"},
                       {"metadata", {{"name", "p1"}}},
                       {"spec", {{"cluster", 42}}}};
  TypedClient<api::GPUPool> pools(api);
  auto r = pools.Get("", "p1");
  ASSERT_TRUE(r.Is(ApiError::Reason::Decode));
  EXPECT_NE(r.error().message.find("p1"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("spec.cluster"), std::string::npos) << r.error().message;
}

TEST(TypedClientTest, ApiErrorsPassThrough) {
  PagedApi api;
  ApiError nf;
  nf.reason = ApiError::Reason::NotFound;
  api.getAnswer = nf;
  TypedClient<api::AIWorkload> workloads(api);
  EXPECT_TRUE(workloads.Get("team-a", "x").Is(ApiError::Reason::NotFound));
  EXPECT_TRUE(workloads.Delete("team-a", "x").Is(ApiError::Reason::MethodNotAllowed));
}

TEST(AccessorsTest, CoreKinds) {
  json node = {{"metadata", {{"name", "n1"}, {"labels", {{"pool", "h100"}, {"odd", 3}}}}},
               {"status",
                {{"allocatable", {{"nvidia.com/gpu", "8"}, {"cpu", "96"}, {"bad", "1.5"}}},
                 {"conditions",
                  {{{"type", "MemoryPressure"}, {"status", "False"}},
                   {{"type", "Ready"}, {"status", "True"}}}}}}};
  EXPECT_EQ(NameOf(node), "n1");
  EXPECT_EQ(NamespaceOf(node), "");
  EXPECT_TRUE(NodeReady(node));
  EXPECT_EQ(NodeAllocatableCount(node, "nvidia.com/gpu"), 8);
  EXPECT_EQ(NodeAllocatableCount(node, "amd.com/gpu"), 0);
  EXPECT_EQ(NodeAllocatableCount(node, "bad"), 0);
  EXPECT_FALSE(NodeReady(json::object()));
  EXPECT_FALSE(NodeReady(json::array()));

  json secret = {{"data", {{"kubeconfig", Base64Encode("apiVersion: v1\n")}, {"bad", "%%%"}}}};
  EXPECT_EQ(SecretValue(secret, "kubeconfig"), "apiVersion: v1\n");
  EXPECT_FALSE(SecretValue(secret, "bad"));
  EXPECT_FALSE(SecretValue(secret, "missing"));

  EXPECT_EQ(DeploymentReadyReplicas({{"status", {{"readyReplicas", 3}}}}), 3);
  EXPECT_EQ(DeploymentReadyReplicas({{"status", json::object()}}), 0);
  EXPECT_EQ(ResourceVersionOf({{"metadata", {{"resourceVersion", "9"}}}}), "9");
  EXPECT_EQ(UidOf("not an object"), "");
}

}  // namespace
}  // namespace hybridai::runtime
