// KubeClient against a scripted HttpTransport: paths, query strings, verbs, content types,
// error decoding and watch line parsing, without a server.
#include "runtime/kube_client.h"

#include <deque>
#include <mutex>

#include <gtest/gtest.h>

#include "runtime/kube_watch_stream.h"

namespace hybridai::runtime {
namespace {

HttpResponse Resp(int status, std::string body,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string StatusBody(int code, const std::string& reason, const std::string& message,
                       json details = nullptr) {
  json s = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
            {"code", code},     {"reason", reason},   {"message", message}};
  if (!details.is_null()) s["details"] = details;
  return s.dump();
}

class ScriptedStream final : public HttpStream {
 public:
  ScriptedStream(HttpResponse head, std::deque<Result<std::optional<std::string>>> lines)
      : head_(std::move(head)), lines_(std::move(lines)) {}
  const HttpResponse& Head() const override { return head_; }
  Result<std::optional<std::string>> ReadLine() override {
    if (cancelled_ || lines_.empty()) return std::optional<std::string>();
    auto l = lines_.front();
    lines_.pop_front();
    return l;
  }
  void Cancel() override { cancelled_ = true; }

 private:
  HttpResponse head_;
  std::deque<Result<std::optional<std::string>>> lines_;
  bool cancelled_ = false;
};

class FakeTransport final : public HttpTransport {
 public:
  Result<HttpResponse> Send(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back(request);
    if (responses.empty()) return Resp(200, "{}");
    auto r = responses.front();
    responses.pop_front();
    return r;
  }
  Result<std::unique_ptr<HttpStream>> Open(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back(request);
    if (!openError.empty()) {
      ApiError e;
      e.reason = ApiError::Reason::Transport;
      e.message = openError;
      return e;
    }
    return std::unique_ptr<HttpStream>(
        std::make_unique<ScriptedStream>(streamHead, std::move(streamLines)));
  }

  std::string Query(size_t i, const std::string& key) const {
    for (const auto& [k, v] : requests.at(i).query)
      if (k == key) return v;
    return "<absent>";
  }
  std::string HeaderOf(size_t i, const std::string& key) const {
    for (const auto& [k, v] : requests.at(i).headers)
      if (k == key) return v;
    return "<absent>";
  }

  std::mutex mu_;
  std::vector<HttpRequest> requests;
  std::deque<Result<HttpResponse>> responses;
  HttpResponse streamHead = Resp(200, "");
  std::deque<Result<std::optional<std::string>>> streamLines;
  std::string openError;
};

class StaticToken final : public Credentials {
 public:
  Result<std::string> Authorization() override { return "Bearer " + tokens.at(index); }
  void Invalidate() override {
    ++invalidations;
    if (index + 1 < tokens.size()) ++index;
  }
  std::vector<std::string> tokens{"t0"};
  size_t index = 0;
  int invalidations = 0;
};

class KubeClientTest : public ::testing::Test {
 protected:
  KubeClientTest() {
    transport = std::make_shared<FakeTransport>();
    creds = std::make_shared<StaticToken>();
    KubeClientOptions opts;
    opts.qps = 0;  // no throttling in these tests
    opts.userAgent = "hybrid-test/1";
    client = std::make_unique<KubeClient>(transport, creds, opts);
  }
  std::shared_ptr<FakeTransport> transport;
  std::shared_ptr<StaticToken> creds;
  std::unique_ptr<KubeClient> client;
};

TEST(KubeClientPaths, CoreAndGroupKinds) {
  EXPECT_EQ(KubeClient::CollectionPath(kinds::kPod, "team-a"), "/api/v1/namespaces/team-a/pods");
  EXPECT_EQ(KubeClient::CollectionPath(kinds::kPod, ""), "/api/v1/pods");
  EXPECT_EQ(KubeClient::CollectionPath(kinds::kNode, "ignored"), "/api/v1/nodes");
  EXPECT_EQ(KubeClient::ObjectPath(kinds::kDeployment, "a", "web"),
            "/apis/apps/v1/namespaces/a/deployments/web");
  EXPECT_EQ(KubeClient::ObjectPath(kinds::kAIWorkload, "team-a", "llama", "status"),
            "/apis/hybridai.io/v1alpha1/namespaces/team-a/aiworkloads/llama/status");
  EXPECT_EQ(KubeClient::ObjectPath(kinds::kMemberCluster, "", "aws-eu"),
            "/apis/hybridai.io/v1alpha1/memberclusters/aws-eu");
  EXPECT_EQ(KubeClient::ObjectPath(kinds::kLease, "hybrid-system", "hybrid-operator"),
            "/apis/coordination.k8s.io/v1/namespaces/hybrid-system/leases/hybrid-operator");
  EXPECT_EQ(KubeClient::CollectionPath(kinds::kJob, "x"), "/apis/batch/v1/namespaces/x/jobs");
}

TEST(KubeClientPaths, PercentEncoding) {
  EXPECT_EQ(PercentEncode("a b/c=d,e"), "a%20b%2Fc%3Dd%2Ce");
  EXPECT_EQ(PercentEncode("app.kubernetes.io~x-y_z"), "app.kubernetes.io~x-y_z");
}

TEST_F(KubeClientTest, GetSendsHeadersAndParsesObject) {
  transport->responses.push_back(Resp(200, R"({"kind":"Pod","metadata":{"name":"p"}})"));
  auto r = client->Get(kinds::kPod, "ns1", "p");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r.value()["metadata"]["name"], "p");
  ASSERT_EQ(transport->requests.size(), 1u);
  EXPECT_EQ(transport->requests[0].method, "GET");
  EXPECT_EQ(transport->requests[0].path, "/api/v1/namespaces/ns1/pods/p");
  EXPECT_EQ(transport->HeaderOf(0, "User-Agent"), "hybrid-test/1");
  EXPECT_EQ(transport->HeaderOf(0, "Authorization"), "Bearer t0");
  EXPECT_EQ(transport->HeaderOf(0, "Accept"), "application/json");
}

TEST_F(KubeClientTest, GetRejectsMissingNameOrNamespaceLocally) {
  EXPECT_TRUE(client->Get(kinds::kPod, "", "p").Is(ApiError::Reason::Invalid));
  EXPECT_TRUE(client->Get(kinds::kPod, "a", "").Is(ApiError::Reason::Invalid));
  EXPECT_TRUE(transport->requests.empty());
  // Cluster-scoped kinds need no namespace.
  EXPECT_TRUE(client->Get(kinds::kNode, "", "n1").ok());
}

TEST_F(KubeClientTest, ListQueryAndContinue) {
  transport->responses.push_back(
      Resp(200, R"({"kind":"PodList","metadata":{"resourceVersion":"42","continue":"tok"},
               "items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})"));
  ListOptions opts;
  opts.labelSelector = "app=web,tier in (a,b)";
  opts.fieldSelector = "spec.nodeName=n1";
  opts.limit = 2;
  opts.continueToken = "prev";
  opts.resourceVersion = "0";
  opts.resourceVersionMatch = "NotOlderThan";
  auto r = client->List(kinds::kPod, "", opts);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(transport->requests[0].path, "/api/v1/pods");
  EXPECT_EQ(transport->Query(0, "labelSelector"), "app=web,tier in (a,b)");
  EXPECT_EQ(transport->Query(0, "fieldSelector"), "spec.nodeName=n1");
  EXPECT_EQ(transport->Query(0, "limit"), "2");
  EXPECT_EQ(transport->Query(0, "continue"), "prev");
  EXPECT_EQ(transport->Query(0, "resourceVersion"), "0");
  EXPECT_EQ(transport->Query(0, "resourceVersionMatch"), "NotOlderThan");
  EXPECT_EQ(r.value().resourceVersion, "42");
  EXPECT_EQ(r.value().continueToken, "tok");
  ASSERT_EQ(r.value().items.size(), 2u);
  // Items are made self-describing.
  EXPECT_EQ(r.value().items[1]["kind"], "Pod");
  EXPECT_EQ(r.value().items[1]["apiVersion"], "v1");
}

TEST_F(KubeClientTest, ListOmitsUnsetQueryAndRejectsNonList) {
  transport->responses.push_back(Resp(200, R"({"items":null,"metadata":{}})"));
  auto r = client->List(kinds::kAIWorkload, "team-a", {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(transport->requests[0].query.empty());
  EXPECT_TRUE(r.value().items.empty());
  transport->responses.push_back(Resp(200, R"({"items":"nope"})"));
  EXPECT_TRUE(client->List(kinds::kAIWorkload, "team-a", {}).Is(ApiError::Reason::Decode));
  transport->responses.push_back(Resp(200, "not json"));
  EXPECT_TRUE(client->List(kinds::kAIWorkload, "team-a", {}).Is(ApiError::Reason::Decode));
}

TEST_F(KubeClientTest, CreateUpdateAndStatus) {
  json obj = {{"metadata", {{"name", "llama"}, {"namespace", "team-a"}}}, {"spec", {}}};
  ASSERT_TRUE(client->Create(kinds::kAIWorkload, "", obj).ok());
  EXPECT_EQ(transport->requests[0].method, "POST");
  EXPECT_EQ(transport->requests[0].path,
            "/apis/hybridai.io/v1alpha1/namespaces/team-a/aiworkloads");
  json sent = json::parse(transport->requests[0].body);
  EXPECT_EQ(sent["apiVersion"], "hybridai.io/v1alpha1");
  EXPECT_EQ(sent["kind"], "AIWorkload");
  EXPECT_EQ(transport->HeaderOf(0, "Content-Type"), "application/json");

  ASSERT_TRUE(client->Update(kinds::kAIWorkload, "team-a", obj).ok());
  EXPECT_EQ(transport->requests[1].method, "PUT");
  EXPECT_EQ(transport->requests[1].path,
            "/apis/hybridai.io/v1alpha1/namespaces/team-a/aiworkloads/llama");
  ASSERT_TRUE(client->UpdateStatus(kinds::kAIWorkload, "team-a", obj).ok());
  EXPECT_EQ(transport->requests[2].path,
            "/apis/hybridai.io/v1alpha1/namespaces/team-a/aiworkloads/llama/status");

  json noName = {{"metadata", {{"namespace", "team-a"}}}};
  EXPECT_TRUE(client->Update(kinds::kAIWorkload, "team-a", noName).Is(ApiError::Reason::Invalid));
  EXPECT_TRUE(client->Create(kinds::kAIWorkload, "", json::array()).Is(ApiError::Reason::Invalid));
  EXPECT_EQ(transport->requests.size(), 3u);
}

TEST_F(KubeClientTest, DeleteOptionsBody) {
  DeleteOptions opts;
  opts.propagation = PropagationPolicy::Foreground;
  opts.preconditionUid = "uid-1";
  opts.preconditionResourceVersion = "7";
  opts.gracePeriodSeconds = 0;
  ASSERT_TRUE(client->Delete(kinds::kDeployment, "a", "web", opts).ok());
  const auto& req = transport->requests[0];
  EXPECT_EQ(req.method, "DELETE");
  EXPECT_EQ(req.path, "/apis/apps/v1/namespaces/a/deployments/web");
  json body = json::parse(req.body);
  EXPECT_EQ(body["kind"], "DeleteOptions");
  EXPECT_EQ(body["propagationPolicy"], "Foreground");
  EXPECT_EQ(body["preconditions"]["uid"], "uid-1");
  EXPECT_EQ(body["preconditions"]["resourceVersion"], "7");
  EXPECT_EQ(body["gracePeriodSeconds"], 0);

  ASSERT_TRUE(client->Delete(kinds::kNamespace, "", "ns", {}).ok());
  EXPECT_TRUE(transport->requests[1].body.empty());
  EXPECT_EQ(transport->requests[1].path, "/api/v1/namespaces/ns");
}

TEST_F(KubeClientTest, PatchContentTypesAndApplyQuery) {
  PatchOptions po;
  ASSERT_TRUE(client->Patch(kinds::kPod, "a", "p", PatchType::Merge, "{}", po).ok());
  EXPECT_EQ(transport->HeaderOf(0, "Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(transport->Query(0, "force"), "<absent>");
  ASSERT_TRUE(client->Patch(kinds::kPod, "a", "p", PatchType::JsonPatch, "[]", po).ok());
  EXPECT_EQ(transport->HeaderOf(1, "Content-Type"), "application/json-patch+json");
  ASSERT_TRUE(client->Patch(kinds::kPod, "a", "p", PatchType::StrategicMerge, "{}", po).ok());
  EXPECT_EQ(transport->HeaderOf(2, "Content-Type"), "application/strategic-merge-patch+json");

  // Apply without a field manager never reaches the server.
  EXPECT_TRUE(client->Patch(kinds::kPod, "a", "p", PatchType::Apply, "{}", po)
                  .Is(ApiError::Reason::Invalid));
  EXPECT_EQ(transport->requests.size(), 3u);

  json dep = {{"metadata", {{"name", "web"}, {"namespace", "a"}}}, {"spec", {{"replicas", 2}}}};
  ASSERT_TRUE(client->Apply(kinds::kDeployment, dep, "hybrid-operator", true, "").ok());
  const auto& req = transport->requests[3];
  EXPECT_EQ(req.method, "PATCH");
  EXPECT_EQ(req.path, "/apis/apps/v1/namespaces/a/deployments/web");
  EXPECT_EQ(transport->HeaderOf(3, "Content-Type"), "application/apply-patch+yaml");
  EXPECT_EQ(transport->Query(3, "fieldManager"), "hybrid-operator");
  EXPECT_EQ(transport->Query(3, "force"), "true");
  json body = json::parse(req.body);
  EXPECT_EQ(body["apiVersion"], "apps/v1");
  EXPECT_EQ(body["kind"], "Deployment");

  ASSERT_TRUE(client
                  ->Apply(kinds::kAIWorkload,
                          {{"metadata", {{"name", "w"}, {"namespace", "t"}}}, {"status", {}}},
                          "hybrid-operator", false, "status")
                  .ok());
  EXPECT_EQ(transport->requests[4].path,
            "/apis/hybridai.io/v1alpha1/namespaces/t/aiworkloads/w/status");
  EXPECT_EQ(transport->Query(4, "force"), "<absent>");
  // Apply checks the object before sending.
  EXPECT_TRUE(client->Apply(kinds::kDeployment, {{"metadata", {{"name", "x"}}}}, "m")
                  .Is(ApiError::Reason::Invalid));
  EXPECT_TRUE(client->Apply(kinds::kDeployment, {{"spec", {}}}, "m").Is(ApiError::Reason::Invalid));
}

TEST_F(KubeClientTest, DecodesNotFoundAlreadyExistsConflictForbidden) {
  transport->responses.push_back(
      Resp(404, StatusBody(404, "NotFound", R"(aiworkloads.hybridai.io "llama" not found)")));
  auto nf = client->Get(kinds::kAIWorkload, "team-a", "llama");
  ASSERT_TRUE(nf.Is(ApiError::Reason::NotFound));
  EXPECT_EQ(nf.error().httpStatus, 404);
  EXPECT_EQ(nf.error().ToString(), R"(NotFound (404): aiworkloads.hybridai.io "llama" not found)");
  EXPECT_FALSE(nf.error().Retryable());

  transport->responses.push_back(Resp(409, StatusBody(409, "AlreadyExists", "exists")));
  EXPECT_TRUE(client->Create(kinds::kNamespace, "", {{"metadata", {{"name", "x"}}}})
                  .Is(ApiError::Reason::AlreadyExists));
  transport->responses.push_back(
      Resp(409, StatusBody(409, "Conflict", "the object has been modified")));
  EXPECT_TRUE(client->Update(kinds::kNamespace, "", {{"metadata", {{"name", "x"}}}})
                  .Is(ApiError::Reason::Conflict));
  transport->responses.push_back(Resp(403, StatusBody(403, "Forbidden", "cannot get secrets")));
  auto fb = client->Get(kinds::kSecret, "a", "s");
  EXPECT_TRUE(fb.Is(ApiError::Reason::Forbidden));
  EXPECT_NE(fb.error().message.find("cannot get secrets"), std::string::npos);
}

TEST_F(KubeClientTest, DecodesInvalidWithCauses) {
  json details = {{"name", "llama"},
                  {"kind", "AIWorkload"},
                  {"causes",
                   {{{"reason", "FieldValueInvalid"},
                     {"message", "Invalid value: 0: must be >= 1"},
                     {"field", "spec.accelerators.count"}},
                    {{"reason", "FieldValueRequired"},
                     {"message", "Required value"},
                     {"field", "spec.type"}}}}};
  transport->responses.push_back(Resp(
      422, StatusBody(422, "Invalid", "AIWorkload.hybridai.io \"llama\" is invalid", details)));
  auto r = client->Create(kinds::kAIWorkload, "t", {{"metadata", {{"name", "llama"}}}});
  ASSERT_TRUE(r.Is(ApiError::Reason::Invalid));
  ASSERT_EQ(r.error().causes.size(), 2u);
  EXPECT_EQ(r.error().causes[0].field, "spec.accelerators.count");
  EXPECT_EQ(r.error().causes[0].reason, "FieldValueInvalid");
  EXPECT_EQ(r.error().causes[1].message, "Required value");
  EXPECT_NE(r.error().ToString().find("spec.type: Required value"), std::string::npos);
}

TEST_F(KubeClientTest, DecodesGoneTooManyRequestsAndPlainBodies) {
  transport->responses.push_back(
      Resp(410, StatusBody(410, "Expired", "too old resource version: 1 (5)")));
  EXPECT_TRUE(client->List(kinds::kPod, "a", {}).Is(ApiError::Reason::Gone));

  transport->responses.push_back(
      Resp(429, StatusBody(429, "TooManyRequests", "slow down", {{"retryAfterSeconds", 3}}),
           {{"retry-after", "7"}}));
  auto tm = client->Get(kinds::kPod, "a", "p");
  ASSERT_TRUE(tm.Is(ApiError::Reason::TooManyRequests));
  ASSERT_TRUE(tm.error().retryAfter.has_value());
  EXPECT_EQ(tm.error().retryAfter->count(), 7);  // the header wins over details
  EXPECT_TRUE(tm.error().Retryable());

  transport->responses.push_back(
      Resp(429, StatusBody(429, "TooManyRequests", "slow down", {{"retryAfterSeconds", 3}})));
  auto tm2 = client->Get(kinds::kPod, "a", "p");
  ASSERT_TRUE(tm2.error().retryAfter.has_value());
  EXPECT_EQ(tm2.error().retryAfter->count(), 3);

  // No Status body (an aggregator or a proxy): the HTTP code decides.
  transport->responses.push_back(Resp(404, "404 page not found\n"));
  auto plain = client->Get(kinds::kAIWorkload, "a", "x");
  ASSERT_TRUE(plain.Is(ApiError::Reason::NotFound));
  EXPECT_NE(plain.error().message.find("404 page not found"), std::string::npos);
  transport->responses.push_back(Resp(503, ""));
  auto unavailable = client->GetPath("/version");
  EXPECT_TRUE(unavailable.Is(ApiError::Reason::ServiceUnavailable));
  EXPECT_TRUE(unavailable.error().Retryable());
  transport->responses.push_back(Resp(504, StatusBody(504, "Timeout", "timed out")));
  EXPECT_TRUE(client->Get(kinds::kPod, "a", "p").Is(ApiError::Reason::Timeout));
}

TEST_F(KubeClientTest, TransportErrorsPassThrough) {
  ApiError e;
  e.reason = ApiError::Reason::Transport;
  e.message = "connection refused";
  transport->responses.push_back(e);
  auto r = client->Get(kinds::kPod, "a", "p");
  ASSERT_TRUE(r.Is(ApiError::Reason::Transport));
  EXPECT_TRUE(r.error().Retryable());
  EXPECT_EQ(r.error().httpStatus, 0);
}

TEST_F(KubeClientTest, UnauthorizedRefreshesCredentialsOnce) {
  creds->tokens = {"old", "new"};
  transport->responses.push_back(Resp(401, StatusBody(401, "Unauthorized", "Unauthorized")));
  transport->responses.push_back(Resp(200, R"({"major":"1","minor":"31"})"));
  auto r = client->GetPath("/version");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r.value()["minor"], "31");
  ASSERT_EQ(transport->requests.size(), 2u);
  EXPECT_EQ(transport->HeaderOf(0, "Authorization"), "Bearer old");
  EXPECT_EQ(transport->HeaderOf(1, "Authorization"), "Bearer new");
  // A second 401 in a row is the answer.
  transport->responses.push_back(Resp(401, StatusBody(401, "Unauthorized", "Unauthorized")));
  transport->responses.push_back(Resp(401, StatusBody(401, "Unauthorized", "Unauthorized")));
  EXPECT_TRUE(client->GetPath("/version").Is(ApiError::Reason::Unauthorized));
  EXPECT_EQ(creds->invalidations, 2);
}

TEST_F(KubeClientTest, GetPathReturnsPlainTextAsString) {
  transport->responses.push_back(Resp(200, "ok"));
  auto r = client->GetPath("/readyz");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "ok");
  EXPECT_TRUE(client->GetPath("readyz").Is(ApiError::Reason::Invalid));
}

TEST_F(KubeClientTest, WatchQueryAndTimeout) {
  WatchOptions opts;
  opts.resourceVersion = "100";
  opts.labelSelector = "hybridai.io/workload=llama";
  opts.timeoutSeconds = 300;
  auto w = client->Watch(kinds::kDeployment, "", opts);
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  const auto& req = transport->requests[0];
  EXPECT_EQ(req.path, "/apis/apps/v1/deployments");
  EXPECT_EQ(transport->Query(0, "watch"), "true");
  EXPECT_EQ(transport->Query(0, "resourceVersion"), "100");
  EXPECT_EQ(transport->Query(0, "allowWatchBookmarks"), "true");
  EXPECT_EQ(transport->Query(0, "timeoutSeconds"), "300");
  EXPECT_EQ(transport->Query(0, "labelSelector"), "hybridai.io/workload=llama");
  EXPECT_GT(req.timeout, std::chrono::seconds(300));
  EXPECT_EQ(transport->HeaderOf(0, "Authorization"), "Bearer t0");
}

TEST_F(KubeClientTest, WatchParsesEventsBlankLinesAndEnd) {
  transport->streamLines = {
      std::optional<std::string>(R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})"),
      std::optional<std::string>(""),
      std::optional<std::string>(R"({"type":"MODIFIED","object":{"metadata":{"name":"a"}}})"),
      std::optional<std::string>(
          R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}})"),
      std::optional<std::string>(R"({"type":"DELETED","object":{"metadata":{"name":"a"}}})"),
  };
  auto w = client->Watch(kinds::kPod, "a", {});
  ASSERT_TRUE(w.ok());
  auto& s = *w.value();
  std::vector<WatchEvent::Type> types;
  while (true) {
    auto ev = s.Next();
    ASSERT_TRUE(ev.ok()) << ev.error().ToString();
    if (!ev.value()) break;
    types.push_back(ev.value()->type);
  }
  EXPECT_EQ(types,
            (std::vector<WatchEvent::Type>{WatchEvent::Type::Added, WatchEvent::Type::Modified,
                                           WatchEvent::Type::Bookmark, WatchEvent::Type::Deleted}));
}

TEST_F(KubeClientTest, WatchErrorEventAndMalformedLines) {
  transport->streamLines = {
      std::optional<std::string>(
          R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})"),
      std::optional<std::string>(R"({"type":"ADDED","object":{"meta)"),
      std::optional<std::string>(R"({"type":"RENAMED","object":{}})"),
      std::optional<std::string>(R"({"type":"ADDED"})"),
      std::optional<std::string>(R"([1,2])"),
  };
  auto w = client->Watch(kinds::kPod, "a", {});
  ASSERT_TRUE(w.ok());
  auto& s = *w.value();
  auto err = s.Next();
  ASSERT_TRUE(err.ok());
  ASSERT_TRUE(err.value());
  EXPECT_EQ(err.value()->type, WatchEvent::Type::Error);
  EXPECT_EQ(err.value()->object["code"], 410);
  for (int i = 0; i < 4; ++i) {
    auto bad = s.Next();
    ASSERT_TRUE(bad.Is(ApiError::Reason::Decode)) << i;
    EXPECT_NE(bad.error().message.find("watch pods in a"), std::string::npos);
  }
  auto end = s.Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end.value().has_value());
}

TEST_F(KubeClientTest, WatchBrokenStreamIsTransportError) {
  ApiError broken;
  broken.reason = ApiError::Reason::Transport;
  broken.message = "connection reset";
  transport->streamLines = {
      std::optional<std::string>(R"({"type":"ADDED","object":{}})"),
      broken,
  };
  auto w = client->Watch(kinds::kPod, "a", {});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.value()->Next().ok());
  EXPECT_TRUE(w.value()->Next().Is(ApiError::Reason::Transport));
}

TEST_F(KubeClientTest, WatchFailureStatusIsDecoded) {
  transport->streamHead = Resp(403, "");
  transport->streamLines = {
      std::optional<std::string>(StatusBody(403, "Forbidden", "cannot watch resource \"pods\""))};
  auto w = client->Watch(kinds::kPod, "a", {});
  ASSERT_TRUE(w.Is(ApiError::Reason::Forbidden));
  EXPECT_EQ(w.error().httpStatus, 403);

  transport->openError = "connection refused";
  auto refused = client->Watch(kinds::kPod, "a", {});
  ASSERT_TRUE(refused.Is(ApiError::Reason::Transport));
  EXPECT_NE(refused.error().message.find("connection refused"), std::string::npos);
}

TEST_F(KubeClientTest, WatchCancelEndsStream) {
  transport->streamLines = {std::optional<std::string>(R"({"type":"ADDED","object":{}})")};
  auto w = client->Watch(kinds::kPod, "a", {});
  ASSERT_TRUE(w.ok());
  w.value()->Cancel();
  auto ev = w.value()->Next();
  ASSERT_TRUE(ev.ok());
  EXPECT_FALSE(ev.value().has_value());
}

TEST(ApiErrorTest, ToStringAndRetryable) {
  ApiError e;
  e.reason = ApiError::Reason::Conflict;
  e.httpStatus = 409;
  e.message = "modified";
  EXPECT_EQ(e.ToString(), "Conflict (409): modified");
  EXPECT_FALSE(e.Retryable());
  e.reason = ApiError::Reason::Unknown;
  e.httpStatus = 502;
  EXPECT_TRUE(e.Retryable());
  ApiError t;
  t.reason = ApiError::Reason::Timeout;
  t.message = "read";
  EXPECT_EQ(t.ToString(), "Timeout: read");
  EXPECT_TRUE(t.Retryable());
  EXPECT_STREQ(ReasonName(ApiError::Reason::TooManyRequests), "TooManyRequests");
  Result<int> bad(e);
  EXPECT_THROW((void)bad.value(), std::logic_error);
}

TEST(KindsTest, Table) {
  EXPECT_EQ(kinds::kDeployment.ApiVersion(), "apps/v1");
  EXPECT_EQ(kinds::kPod.ApiVersion(), "v1");
  EXPECT_EQ(kinds::kAIWorkload.ApiVersion(), "hybridai.io/v1alpha1");
  EXPECT_FALSE(kinds::kGPUPool.namespaced);
  EXPECT_TRUE(kinds::kBudget.namespaced);
  EXPECT_EQ(kinds::kLease.group, "coordination.k8s.io");
  EXPECT_EQ(kinds::kEvent.resource, "events");
}

}  // namespace
}  // namespace hybridai::runtime
