// MemberCluster reconciliation against an in-memory hub: the hub's own client when no Secret is
// named, the kubeconfig Secret's failure modes reported in Ready (SecretNotFound,
// KubeconfigMissing, KubeconfigInvalid naming the Secret), the member's /version probe, and no
// reconnect while the kubeconfig is unchanged; and the Secret policy: exec plugins only with the
// operator's flag, file paths never, Secrets only from allowed namespaces.
#include "controllers/membercluster_reconciler.h"

#include <gtest/gtest.h>

#include "controller_test_fixture.h"
#include "core/codec.h"
#include "core/conditions.h"
#include "runtime/base64.h"
#include "runtime/kubeconfig.h"

namespace hybridai::controllers {
namespace {

using nlohmann::json;
using runtime::ApiError;
namespace kinds = runtime::kinds;
using testing::ClusterJson;
using testing::FakeApiClient;
using testing::Hub;
using Verb = FakeApiClient::Verb;

constexpr const char* kKubeconfig = R"(apiVersion: v1
kind: Config
clusters:
- name: aws-eu
  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
users:
- name: operator
  user: {token: abc}
contexts:
- name: aws-eu
  context: {cluster: aws-eu, user: operator}
current-context: aws-eu
)";

json SecretJson(const std::string& ns, const std::string& name, json data) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"data", std::move(data)}};
}

class MemberClusterReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json hubself = ClusterJson("gcp-us", "gcp", "Cloud", /*ready=*/false);
    json aws = ClusterJson("aws-eu", "aws", "Cloud", /*ready=*/false);
    aws["spec"]["kubeconfigSecretRef"] = {{"name", "aws-eu"}, {"key", "kubeconfig"}};
    hub_.api->Seed(kinds::kMemberCluster, hubself);
    hub_.api->Seed(kinds::kMemberCluster, aws);
    hub_.Start();
  }

  // Parses the kubeconfig like the operator's factory does, then hands out the member fake.
  ClientFactory Factory() {
    return
        [this](const std::string& text,
               const std::string& source) -> runtime::Result<std::shared_ptr<runtime::ApiClient>> {
          ++factoryCalls_;
          lastSource_ = source;
          auto cfg = runtime::ParseKubeconfig(text, "", source);
          if (!cfg.ok()) return cfg.error();
          return std::shared_ptr<runtime::ApiClient>(member_);
        };
  }

  void PutSecret(json data) {
    json secret = SecretJson("hybrid-system", "aws-eu", std::move(data));
    if (hub_.api->Peek(kinds::kSecret, "hybrid-system", "aws-eu")) {
      ASSERT_TRUE(hub_.api->Update(kinds::kSecret, "hybrid-system", secret).ok());
    } else {
      hub_.api->Seed(kinds::kSecret, secret);
    }
  }

  runtime::Result<runtime::ReconcileResult> Reconcile(const std::string& name) {
    EXPECT_TRUE(hub_.WaitCached(kinds::kMemberCluster, "", name));
    return reconciler_.Reconcile({"", name});
  }

  api::MemberClusterStatus Status(const std::string& name) {
    auto mc = api::DecodeMemberCluster(hub_.Object(kinds::kMemberCluster, "", name), nullptr);
    EXPECT_TRUE(mc.has_value());
    return mc ? mc->status : api::MemberClusterStatus{};
  }

  api::Condition Ready(const std::string& name) {
    const auto st = Status(name);
    const api::Condition* c = FindCondition(st.conditions, "Ready");
    return c ? *c : api::Condition{"missing", "", 0, "", "", ""};
  }

  Hub hub_;
  std::shared_ptr<FakeApiClient> member_ = std::make_shared<FakeApiClient>(&hub_.clock);
  int factoryCalls_ = 0;
  std::string lastSource_;
  MemberRegistry members_{hub_.clock, nullptr};
  FleetSnapshot fleet_{hub_.Caches()};
  MemberClusterReconciler reconciler_{*hub_.api, hub_.api,  hub_.Caches(), fleet_,
                                      members_,  Factory(), hub_.clock};
};

TEST_F(MemberClusterReconcilerTest, NoSecretRefUsesTheHubItself) {
  hub_.api->SetPath("/version", {{"major", "1"}, {"minor", "31"}, {"gitVersion", "v1.31.4"}});
  auto res = Reconcile("gcp-us");
  ASSERT_TRUE(res.ok()) << res.error().ToString();
  EXPECT_EQ(res.value().requeueAfter, std::chrono::seconds(5));
  EXPECT_EQ(members_.Client("gcp-us"), hub_.api);
  EXPECT_EQ(factoryCalls_, 0);
  EXPECT_EQ(Ready("gcp-us").status, "True");
  EXPECT_EQ(Ready("gcp-us").reason, "Reachable");
  EXPECT_EQ(Ready("gcp-us").message, "API server v1.31.4 answered");
  EXPECT_EQ(Status("gcp-us").kubernetesVersion, "v1.31.4");
  EXPECT_EQ(Status("gcp-us").lastProbeTime, "2025-01-01T00:00:00Z");
}

TEST_F(MemberClusterReconcilerTest, SecretNotFound) {
  ASSERT_TRUE(Reconcile("aws-eu").ok());
  EXPECT_EQ(Ready("aws-eu").status, "False");
  EXPECT_EQ(Ready("aws-eu").reason, "SecretNotFound");
  EXPECT_EQ(Ready("aws-eu").message, "secret hybrid-system/aws-eu not found");
  EXPECT_EQ(members_.Client("aws-eu"), nullptr);
}

TEST_F(MemberClusterReconcilerTest, SecretWithoutTheKey) {
  PutSecret({{"other", runtime::Base64Encode(kKubeconfig)}});
  ASSERT_TRUE(Reconcile("aws-eu").ok());
  EXPECT_EQ(Ready("aws-eu").reason, "KubeconfigMissing");
  EXPECT_EQ(Ready("aws-eu").message, "secret hybrid-system/aws-eu has no key \"kubeconfig\"");
}

TEST_F(MemberClusterReconcilerTest, BadBase64IsKubeconfigInvalid) {
  PutSecret({{"kubeconfig", "not base64 at all!"}});
  ASSERT_TRUE(Reconcile("aws-eu").ok());
  EXPECT_EQ(Ready("aws-eu").status, "False");
  EXPECT_EQ(Ready("aws-eu").reason, "KubeconfigInvalid");
  EXPECT_EQ(Ready("aws-eu").message, "secret hybrid-system/aws-eu key kubeconfig: not base64");
  EXPECT_EQ(factoryCalls_, 0);
}

TEST_F(MemberClusterReconcilerTest, BadKubeconfigIsKubeconfigInvalidNamingTheSecret) {
  PutSecret({{"kubeconfig", runtime::Base64Encode("apiVersion: v1\nkind: Config\nclusters: [")}});
  ASSERT_TRUE(Reconcile("aws-eu").ok());
  EXPECT_EQ(Ready("aws-eu").status, "False");
  EXPECT_EQ(Ready("aws-eu").reason, "KubeconfigInvalid");
  EXPECT_EQ(lastSource_, "secret hybrid-system/aws-eu key kubeconfig");
  EXPECT_NE(Ready("aws-eu").message.find("secret hybrid-system/aws-eu key kubeconfig"),
            std::string::npos)
      << Ready("aws-eu").message;
  EXPECT_EQ(members_.Client("aws-eu"), nullptr);
}

TEST_F(MemberClusterReconcilerTest, ConnectsOnceWhileTheKubeconfigIsUnchanged) {
  PutSecret({{"kubeconfig", runtime::Base64Encode(kKubeconfig)}});
  member_->SetPath("/version", {{"gitVersion", "v1.30.2"}});
  ASSERT_TRUE(Reconcile("aws-eu").ok());
  EXPECT_EQ(factoryCalls_, 1);
  EXPECT_EQ(members_.Client("aws-eu"), member_);
  EXPECT_EQ(Ready("aws-eu").status, "True");
  EXPECT_EQ(Status("aws-eu").kubernetesVersion, "v1.30.2");

  for (int probe = 0; probe < 3; ++probe) {
    hub_.clock.Advance(std::chrono::seconds(30));
    auto res = Reconcile("aws-eu");
    ASSERT_TRUE(res.ok()) << res.error().ToString();
  }
  EXPECT_EQ(factoryCalls_, 1);
  EXPECT_EQ(member_->CallCount(Verb::GetPath), 4u);
  // Probes that change nothing record their time at most once a minute: 00:00:30 and 00:01:30
  // were not written.
  EXPECT_EQ(Status("aws-eu").lastProbeTime, "2025-01-01T00:01:00Z");
  EXPECT_EQ(hub_.api->StatusWrites(), 2u);
  // Ready stayed True: its transition time is the first probe's.
  EXPECT_EQ(Ready("aws-eu").lastTransitionTime, "2025-01-01T00:00:00Z");

  // A rotated kubeconfig reconnects.
  std::string rotated = kKubeconfig;
  rotated.replace(rotated.find("token: abc"), 10, "token: xyz");
  PutSecret({{"kubeconfig", runtime::Base64Encode(rotated)}});
  ASSERT_TRUE(Reconcile("aws-eu").ok());
  EXPECT_EQ(factoryCalls_, 2);
}

TEST_F(MemberClusterReconcilerTest, UnreachableMember) {
  PutSecret({{"kubeconfig", runtime::Base64Encode(kKubeconfig)}});
  member_->InjectError(Verb::GetPath,
                       testing::MakeApiError(ApiError::Reason::Transport, "connection refused"));
  ASSERT_TRUE(Reconcile("aws-eu").ok());
  EXPECT_EQ(Ready("aws-eu").status, "False");
  EXPECT_EQ(Ready("aws-eu").reason, "Unreachable");
  EXPECT_NE(Ready("aws-eu").message.find("connection refused"), std::string::npos);
  // Still connected: the next probe may succeed without a new client.
  EXPECT_EQ(members_.Client("aws-eu"), member_);
  hub_.clock.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(Reconcile("aws-eu").ok());
  EXPECT_EQ(Ready("aws-eu").status, "True");
  EXPECT_EQ(Ready("aws-eu").lastTransitionTime, "2025-01-01T00:00:30Z");
  EXPECT_EQ(factoryCalls_, 1);
}

TEST_F(MemberClusterReconcilerTest, LosingTheSecretDisconnects) {
  PutSecret({{"kubeconfig", runtime::Base64Encode(kKubeconfig)}});
  ASSERT_TRUE(Reconcile("aws-eu").ok());
  ASSERT_EQ(members_.Client("aws-eu"), member_);
  ASSERT_TRUE(hub_.api->Delete(kinds::kSecret, "hybrid-system", "aws-eu", {}).ok());
  ASSERT_TRUE(Reconcile("aws-eu").ok());
  EXPECT_EQ(Ready("aws-eu").reason, "SecretNotFound");
  EXPECT_EQ(members_.Client("aws-eu"), nullptr);
}

TEST_F(MemberClusterReconcilerTest, DeletedClusterDisconnects) {
  ASSERT_TRUE(Reconcile("gcp-us").ok());
  ASSERT_NE(members_.Client("gcp-us"), nullptr);
  ASSERT_TRUE(hub_.api->Delete(kinds::kMemberCluster, "", "gcp-us", {}).ok());
  auto res = Reconcile("gcp-us");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(members_.Client("gcp-us"), nullptr);
}

TEST_F(MemberClusterReconcilerTest, StatusWriteFailureIsAnError) {
  hub_.api->InjectError(Verb::Patch,
                        testing::MakeApiError(ApiError::Reason::ServiceUnavailable, "etcd down"));
  auto res = Reconcile("gcp-us");
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().reason, ApiError::Reason::ServiceUnavailable);
}

// ---- A kubeconfig in a Secret is data (DESIGN.md, "Security stance") ----

std::string KubeconfigWithUser(const std::string& user) {
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: aws-eu\n  cluster: {server: "
         "\"https://127.0.0.1:6443\", insecure-skip-tls-verify: true}\nusers:\n- name: operator\n"
         "  user: " +
         user +
         "\ncontexts:\n- name: aws-eu\n  context: {cluster: aws-eu, user: operator}\n"
         "current-context: aws-eu\n";
}

const std::string kExecUser =
    "{exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: [-c, id]}}";

class MemberSecretPolicyTest : public MemberClusterReconcilerTest {
 protected:
  runtime::Result<runtime::ReconcileResult> ReconcileWith(const MemberSecretPolicy& policy,
                                                          const std::string& name) {
    MemberClusterReconcilerOptions options;
    options.secrets = policy;
    MemberClusterReconciler reconciler{*hub_.api, hub_.api,  hub_.Caches(), fleet_,
                                       members_,  Factory(), hub_.clock,    options};
    EXPECT_TRUE(hub_.WaitCached(kinds::kMemberCluster, "", name));
    return reconciler.Reconcile({"", name});
  }
};

TEST_F(MemberSecretPolicyTest, AnExecPluginIsRefusedByDefault) {
  PutSecret({{"kubeconfig", runtime::Base64Encode(KubeconfigWithUser(kExecUser))}});
  ASSERT_TRUE(ReconcileWith({}, "aws-eu").ok());
  EXPECT_EQ(Ready("aws-eu").status, "False");
  EXPECT_EQ(Ready("aws-eu").reason, "KubeconfigNotAllowed");
  const std::string message = Ready("aws-eu").message;
  EXPECT_EQ(message.rfind("MemberCluster aws-eu: kubeconfig secret hybrid-system/aws-eu key "
                          "kubeconfig: users[0].user.exec: exec credential plugins are not allowed",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("--allow-member-exec-credentials"), std::string::npos) << message;
  EXPECT_EQ(factoryCalls_, 0);
  EXPECT_EQ(members_.Client("aws-eu"), nullptr);
}

TEST_F(MemberSecretPolicyTest, AnExecPluginIsAcceptedWithTheFlag) {
  PutSecret({{"kubeconfig", runtime::Base64Encode(KubeconfigWithUser(kExecUser))}});
  member_->SetPath("/version", {{"gitVersion", "v1.30.2"}});
  MemberSecretPolicy policy;
  policy.allowExecCredentials = true;
  ASSERT_TRUE(ReconcileWith(policy, "aws-eu").ok());
  EXPECT_EQ(Ready("aws-eu").status, "True") << Ready("aws-eu").message;
  EXPECT_EQ(factoryCalls_, 1);
  EXPECT_EQ(members_.Client("aws-eu"), member_);
}

TEST_F(MemberSecretPolicyTest, FilePathsAreRefusedEvenWithTheExecFlag) {
  MemberSecretPolicy policy;
  policy.allowExecCredentials = true;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token}",
       "users[0].user.tokenFile"},
      {"{client-certificate: /etc/tls/tls.crt, client-key: /etc/tls/tls.key}",
       "users[0].user.client-certificate"},
      {"{token: t, client-key: /etc/tls/tls.key}", "users[0].user.client-key"},
  };
  for (const auto& [user, field] : cases) {
    PutSecret({{"kubeconfig", runtime::Base64Encode(KubeconfigWithUser(user))}});
    ASSERT_TRUE(ReconcileWith(policy, "aws-eu").ok());
    EXPECT_EQ(Ready("aws-eu").reason, "KubeconfigNotAllowed") << user;
    EXPECT_NE(Ready("aws-eu").message.find(field + ": file paths are not allowed"),
              std::string::npos)
        << Ready("aws-eu").message;
  }
  std::string ca = KubeconfigWithUser("{token: t}");
  ca.replace(ca.find("insecure-skip-tls-verify: true"), 30,
             "certificate-authority: /etc/ssl/private/ca.pem");
  PutSecret({{"kubeconfig", runtime::Base64Encode(ca)}});
  ASSERT_TRUE(ReconcileWith(policy, "aws-eu").ok());
  EXPECT_EQ(Ready("aws-eu").reason, "KubeconfigNotAllowed");
  EXPECT_NE(Ready("aws-eu").message.find("clusters[0].cluster.certificate-authority: file paths"),
            std::string::npos)
      << Ready("aws-eu").message;
  EXPECT_EQ(factoryCalls_, 0);
}

TEST_F(MemberSecretPolicyTest, SecretsComeFromTheOperatorsNamespaceUnlessAllowed) {
  json other = ClusterJson("other", "aws", "Cloud", /*ready=*/false);
  other["spec"]["kubeconfigSecretRef"] = {
      {"namespace", "team-a"}, {"name", "stolen"}, {"key", "kubeconfig"}};
  ASSERT_TRUE(hub_.api->Create(kinds::kMemberCluster, "", other).ok());
  hub_.api->Seed(kinds::kSecret, SecretJson("team-a", "stolen",
                                            {{"kubeconfig", runtime::Base64Encode(kKubeconfig)}}));
  member_->SetPath("/version", {{"gitVersion", "v1.30.2"}});

  ASSERT_TRUE(ReconcileWith({}, "other").ok());
  EXPECT_EQ(Ready("other").status, "False");
  EXPECT_EQ(Ready("other").reason, "SecretNamespaceNotAllowed");
  EXPECT_EQ(Ready("other").message,
            "MemberCluster other: spec.kubeconfigSecretRef.namespace: team-a is not allowed; "
            "kubeconfig Secrets are read from the operator's namespace hybrid-system only (see "
            "--member-secret-namespaces)");
  EXPECT_EQ(factoryCalls_, 0);

  MemberSecretPolicy listed;
  listed.extraNamespaces = {"team-b", "team-a"};
  ASSERT_TRUE(ReconcileWith(listed, "other").ok());
  EXPECT_EQ(Ready("other").status, "True") << Ready("other").message;

  members_.Disconnect("other");
  MemberSecretPolicy any;
  any.extraNamespaces = {"*"};
  ASSERT_TRUE(ReconcileWith(any, "other").ok());
  EXPECT_EQ(Ready("other").status, "True") << Ready("other").message;
}

}  // namespace
}  // namespace hybridai::controllers
