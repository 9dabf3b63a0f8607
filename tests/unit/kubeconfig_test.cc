// kubeconfig loading (good and bad files), in-cluster config, token files and exec plugins.
#include "runtime/kubeconfig.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "runtime/base64.h"
#include "runtime/credentials.h"
#include "runtime/exec_credential.h"
#include "support/simulated_clock.h"

namespace hybridai::runtime {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCa = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
constexpr const char* kCert = "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n";
constexpr const char* kKey = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hybridai-kubeconfig-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text, bool exec = false) {
    std::string path = dir_ + "/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
    if (exec) chmod(path.c_str(), 0755);
    return path;
  }

  std::string dir_;
};

std::string TwoContexts() {
  return std::string(R"(apiVersion: v1
kind: Config
current-context: hub
clusters:
- name: hub-cluster
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: )") +
         Base64Encode(kCa) + R"(
- name: edge-cluster
  cluster:
    server: https://127.0.0.1:7443
    certificate-authority: pki/ca.crt
contexts:
- name: hub
  context: {cluster: hub-cluster, user: admin, namespace: hybrid-system}
- name: edge
  context: {cluster: edge-cluster, user: edge-user}
users:
- name: admin
  user:
    client-certificate-data: )" +
         Base64Encode(kCert) + R"(
    client-key-data: )" +
         Base64Encode(kKey) + R"(
- name: edge-user
  user:
    client-certificate: pki/user.crt
    client-key: pki/user.key
)";
}

TEST_F(KubeconfigTest, CurrentContextWithEmbeddedData) {
  auto cfg = ParseKubeconfig(TwoContexts());
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg.value().context, "hub");
  EXPECT_EQ(cfg.value().cluster, "hub-cluster");
  EXPECT_EQ(cfg.value().user, "admin");
  EXPECT_EQ(cfg.value().namespace_, "hybrid-system");
  EXPECT_EQ(cfg.value().server, "https://127.0.0.1:6443");
  EXPECT_EQ(cfg.value().tls.caPem, kCa);
  EXPECT_EQ(cfg.value().tls.clientCertPem, kCert);
  EXPECT_EQ(cfg.value().tls.clientKeyPem, kKey);
  EXPECT_FALSE(cfg.value().tls.insecureSkipVerify);
}

TEST_F(KubeconfigTest, NamedContextWithFilesRelativeToKubeconfig) {
  Write("pki/ca.crt", kCa);
  Write("pki/user.crt", kCert);
  Write("pki/user.key", kKey);
  std::string path = Write("config", TwoContexts());
  auto cfg = LoadKubeconfigFile(path, "edge");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg.value().source, path);
  EXPECT_EQ(cfg.value().server, "https://127.0.0.1:7443");
  EXPECT_EQ(cfg.value().tls.caPem, kCa);
  EXPECT_EQ(cfg.value().tls.clientCertPem, kCert);
  EXPECT_EQ(cfg.value().tls.clientKeyPem, kKey);
  EXPECT_EQ(cfg.value().namespace_, "");
}

TEST_F(KubeconfigTest, MissingContextNamesFileAndContext) {
  std::string path = Write("config", TwoContexts());
  auto cfg = LoadKubeconfigFile(path, "foo");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message, "kubeconfig " + path + ": context \"foo\" not found");
}

TEST_F(KubeconfigTest, MissingFile) {
  auto cfg = LoadKubeconfigFile(dir_ + "/nope");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("kubeconfig " + dir_ + "/nope: cannot read"),
            std::string::npos)
      << cfg.error().message;
}

TEST_F(KubeconfigTest, MissingCertificateFileNamesField) {
  std::string path = Write("config", TwoContexts());
  auto cfg = LoadKubeconfigFile(path, "edge");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("clusters[1].cluster.certificate-authority: cannot read " +
                                     dir_ + "/pki/ca.crt"),
            std::string::npos)
      << cfg.error().message;
}

TEST_F(KubeconfigTest, BadBase64NamesField) {
  std::string text = TwoContexts();
  std::string good = "client-key-data: " + Base64Encode(kKey);
  text.replace(text.find(good), good.size(), "client-key-data: not*base64!");
  auto cfg = ParseKubeconfig(text, "", "/etc/kc");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message,
            "kubeconfig /etc/kc: users[0].user.client-key-data: invalid base64");
}

TEST_F(KubeconfigTest, StructuralErrors) {
  EXPECT_NE(ParseKubeconfig("key: [unclosed", "", "k").error().message.find("not valid YAML"),
            std::string::npos);
  EXPECT_NE(ParseKubeconfig("- a\n- b\n", "", "k").error().message.find("top level"),
            std::string::npos);
  EXPECT_NE(ParseKubeconfig("clusters: []\n", "", "k").error().message.find("current-context"),
            std::string::npos);
  auto noCluster = ParseKubeconfig(R"(current-context: c
contexts: [{name: c, context: {cluster: gone, user: u}}]
)",
                                   "", "k");
  EXPECT_EQ(noCluster.error().message,
            "kubeconfig k: cluster \"gone\" (of context \"c\") not found");
  auto noServer = ParseKubeconfig(R"(current-context: c
contexts: [{name: c, context: {cluster: x}}]
clusters: [{name: x, cluster: {insecure-skip-tls-verify: true}}]
)",
                                  "", "k");
  EXPECT_EQ(noServer.error().message, "kubeconfig k: clusters[0].cluster.server: required");
  auto badBool = ParseKubeconfig(R"(current-context: c
contexts: [{name: c, context: {cluster: x}}]
clusters: [{name: x, cluster: {server: "https://h", insecure-skip-tls-verify: maybe}}]
)",
                                 "", "k");
  EXPECT_EQ(badBool.error().message,
            "kubeconfig k: clusters[0].cluster.insecure-skip-tls-verify: must be true or false");
  auto halfCert = ParseKubeconfig(R"(current-context: c
contexts: [{name: c, context: {cluster: x, user: u}}]
clusters: [{name: x, cluster: {server: "https://h"}}]
users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]
)",
                                  "", "k");
  EXPECT_NE(halfCert.error().message.find("client-certificate and client-key"), std::string::npos);
  auto noUser = ParseKubeconfig(R"(current-context: c
contexts: [{name: c, context: {cluster: x, user: who}}]
clusters: [{name: x, cluster: {server: "https://h"}}]
)",
                                "", "k");
  EXPECT_EQ(noUser.error().message, "kubeconfig k: user \"who\" (of context \"c\") not found");
}

TEST_F(KubeconfigTest, InsecureAndBearerToken) {
  auto cfg = ParseKubeconfig(R"(current-context: c
contexts: [{name: c, context: {cluster: x, user: u}}]
clusters: [{name: x, cluster: {server: "https://h:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: s3cret}}]
)");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_TRUE(cfg.value().tls.insecureSkipVerify);
  EXPECT_EQ(cfg.value().bearerToken, "s3cret");
  RestCredentials creds(cfg.value());
  EXPECT_EQ(creds.Authorization().value(), "Bearer s3cret");
}

TEST_F(KubeconfigTest, TokenFileIsReReadAfterAMinuteOrOn401) {
  std::string tokenPath = Write("token", "first\n");
  std::string path = Write("config", R"(current-context: c
contexts: [{name: c, context: {cluster: x, user: u}}]
clusters: [{name: x, cluster: {server: "https://h:1"}}]
users: [{name: u, user: {tokenFile: token}}]
)");
  auto cfg = LoadKubeconfigFile(path);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg.value().tokenFile, tokenPath);
  testing::SimulatedClock clock;
  RestCredentials creds(cfg.value(), clock);
  EXPECT_EQ(creds.Authorization().value(), "Bearer first");
  Write("token", "second\n");
  EXPECT_EQ(creds.Authorization().value(), "Bearer first");  // cached
  clock.Advance(std::chrono::seconds(61));
  EXPECT_EQ(creds.Authorization().value(), "Bearer second");
  Write("token", "third");
  creds.Invalidate();
  EXPECT_EQ(creds.Authorization().value(), "Bearer third");
  // A file briefly missing during rotation keeps the last good token.
  fs::remove(tokenPath);
  creds.Invalidate();
  EXPECT_EQ(creds.Authorization().value(), "Bearer third");
}

TEST_F(KubeconfigTest, MissingTokenFileIsAnError) {
  auto cfg = ParseKubeconfig(R"(current-context: c
contexts: [{name: c, context: {cluster: x, user: u}}]
clusters: [{name: x, cluster: {server: "https://h:1"}}]
users: [{name: u, user: {tokenFile: /nonexistent/token}}]
)",
                             "", "k");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("users[0].user.tokenFile: cannot read /nonexistent/token"),
            std::string::npos)
      << cfg.error().message;
}

std::string ExecKubeconfig(const std::string& command, const std::string& extra = "") {
  return R"(current-context: c
contexts: [{name: c, context: {cluster: x, user: u}}]
clusters: [{name: x, cluster: {server: "https://h:1"}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: )" +
         command + R"(
      args: ["--cluster", "x"]
      env: [{name: PLUGIN_TOKEN, value: tok-from-env}]
)" + extra;
}

TEST_F(KubeconfigTest, ExecPluginTokenCachedUntilExpiry) {
  // The script counts its runs, checks its args/env and prints an ExecCredential.
  Write("bin/cred.sh", R"(#!/bin/sh
n=$(cat "$(dirname "$0")/runs" 2>/dev/null || echo 0)
n=$((n+1)); echo $n > "$(dirname "$0")/runs"
[ "$1" = "--cluster" ] && [ "$2" = "x" ] || { echo "bad args" >&2; exit 3; }
case "$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) echo "no exec info" >&2; exit 4;; esac
cat <<JSON
{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
 "status":{"token":"$PLUGIN_TOKEN-$n","expirationTimestamp":"2025-01-01T00:10:00Z"}}
JSON
)",
        true);
  std::string path = Write("config", ExecKubeconfig("./bin/cred.sh"));
  auto cfg = LoadKubeconfigFile(path);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ASSERT_TRUE(cfg.value().exec.has_value());
  EXPECT_EQ(cfg.value().exec->args.size(), 2u);
  testing::SimulatedClock clock;  // wall time starts at 2025-01-01T00:00:00Z
  RestCredentials creds(cfg.value(), clock);
  auto a = creds.Authorization();
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a.value(), "Bearer tok-from-env-1");
  clock.Advance(std::chrono::minutes(5));
  EXPECT_EQ(creds.Authorization().value(), "Bearer tok-from-env-1");
  clock.Advance(std::chrono::minutes(5));  // at expiry (minus skew): run again
  EXPECT_EQ(creds.Authorization().value(), "Bearer tok-from-env-2");
  creds.Invalidate();
  EXPECT_EQ(creds.Authorization().value(), "Bearer tok-from-env-3");
}

TEST_F(KubeconfigTest, ExecPluginFailuresNameTheCommand) {
  Write("fail.sh", "#!/bin/sh\necho 'please log in' >&2\nexit 2\n", true);
  auto cfg = ParseKubeconfig(ExecKubeconfig("./fail.sh"), "", "k", dir_);
  ASSERT_TRUE(cfg.ok());
  RestCredentials creds(cfg.value());
  auto r = creds.Authorization();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.Is(ApiError::Reason::Unauthorized));
  EXPECT_NE(
      r.error().message.find("exec credential plugin ./fail.sh: exit status 2: please log in"),
      std::string::npos)
      << r.error().message;

  Write("garbage.sh", "#!/bin/sh\necho '{\"kind\":\"Other\"}'\n", true);
  auto g = ParseKubeconfig(ExecKubeconfig("./garbage.sh"), "", "k", dir_);
  RestCredentials gc(g.value());
  EXPECT_NE(gc.Authorization().error().message.find("kind: want ExecCredential"),
            std::string::npos);

  auto missing = ParseKubeconfig(ExecKubeconfig("hybridai-no-such-plugin"), "", "k", dir_);
  RestCredentials mc(missing.value());
  EXPECT_NE(mc.Authorization().error().message.find("hybridai-no-such-plugin"), std::string::npos);

  auto badVersion = ParseKubeconfig(
      R"(current-context: c
contexts: [{name: c, context: {cluster: x, user: u}}]
clusters: [{name: x, cluster: {server: "https://h:1"}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}}]
)",
      "", "k");
  EXPECT_NE(badVersion.error().message.find("users[0].user.exec.apiVersion"), std::string::npos);
}

TEST(ExecCredentialTest, ParsesCertificateAndRejectsBadDocuments) {
  auto ok = ParseExecCredential(
      R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",
          "status":{"clientCertificateData":"C","clientKeyData":"K",
                    "expirationTimestamp":"2030-05-06T07:08:09.123+02:00"}})",
      "client.authentication.k8s.io/v1beta1");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok.value().clientCertificatePem, "C");
  ASSERT_TRUE(ok.value().expiration);
  EXPECT_EQ(*ok.value().expiration, *Rfc3339ToTimePoint("2030-05-06T05:08:09Z"));
  EXPECT_FALSE(ParseExecCredential("nope", "").ok());
  EXPECT_FALSE(ParseExecCredential(R"({"kind":"ExecCredential","status":{}})", "").ok());
  EXPECT_FALSE(
      ParseExecCredential(R"({"kind":"ExecCredential","apiVersion":"v9","status":{"token":"t"}})",
                          "client.authentication.k8s.io/v1")
          .ok());
  EXPECT_FALSE(
      ParseExecCredential(
          R"({"kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"x"}})", "")
          .ok());
  EXPECT_FALSE(Rfc3339ToTimePoint("2025-13-01T00:00:00Z"));
  EXPECT_FALSE(Rfc3339ToTimePoint("2025-01-01T00:00:00"));
}

TEST_F(KubeconfigTest, InClusterConfig) {
  Write("sa/token", "sa-token\n");
  Write("sa/ca.crt", kCa);
  Write("sa/namespace", "hybrid-system\n");
  setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto cfg = InClusterConfig(dir_ + "/sa");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg.value().server, "https://10.0.0.1:443");
  EXPECT_EQ(cfg.value().tls.caPem, kCa);
  EXPECT_EQ(cfg.value().namespace_, "hybrid-system");
  RestCredentials creds(cfg.value());
  EXPECT_EQ(creds.Authorization().value(), "Bearer sa-token");

  setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  EXPECT_EQ(InClusterConfig(dir_ + "/sa").value().server, "https://[fd00::1]:443");
  auto noToken = InClusterConfig(dir_ + "/missing");
  EXPECT_NE(noToken.error().message.find("in-cluster config: token: cannot read"),
            std::string::npos);
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  EXPECT_NE(InClusterConfig(dir_ + "/sa").error().message.find("KUBERNETES_SERVICE_HOST"),
            std::string::npos);
}

TEST(Base64Test, RoundTripAndStrictDecoding) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)), s);
  }
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(Base64Decode("aGVs\nbG8="), "hello");
  EXPECT_FALSE(Base64Decode("aGVsbG8"));
  EXPECT_FALSE(Base64Decode("aG=sbG8="));
  EXPECT_FALSE(Base64Decode("aGVs*G8="));
}

}  // namespace
}  // namespace hybridai::runtime
