// KubeconfigPolicy (runtime/kubeconfig.h): a kubeconfig from a Secret carries inline
// credentials only; exec plugins need the operator's explicit flag; file paths never load.
// The operator's own kubeconfig (trusted) keeps every form.
#include <gtest/gtest.h>

#include "runtime/kubeconfig.h"

namespace hybridai::runtime {
namespace {

std::string Config(const std::string& cluster_extra, const std::string& user) {
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
         "    server: https://127.0.0.1:6443\n" +
         cluster_extra + "users:\n- name: u\n  user: " + user +
         "\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n";
}

const std::string kExec =
    "{exec: {apiVersion: client.authentication.k8s.io/v1, command: aws-iam-authenticator, "
    "args: [token, -i, fleet]}}";

Result<RestConfig> Untrusted(const std::string& text, bool allow_exec = false) {
  return ParseKubeconfig(text, "", "secret ns/s key k", "",
                         KubeconfigPolicy::Untrusted(allow_exec));
}

TEST(KubeconfigPolicy, InlineCredentialsAreAccepted) {
  const std::string text =
      Config("    certificate-authority-data: Y2E=\n",
             "{token: abc, client-certificate-data: Y2VydA==, client-key-data: a2V5}");
  auto cfg = Untrusted(text);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg.value().bearerToken, "abc");
  EXPECT_EQ(cfg.value().tls.caPem, "ca");
  EXPECT_EQ(cfg.value().tls.clientCertPem, "cert");
}

TEST(KubeconfigPolicy, ExecNeedsTheFlag) {
  auto refused = Untrusted(Config("", kExec));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason, ApiError::Reason::Forbidden);
  EXPECT_EQ(refused.error().message,
            "kubeconfig secret ns/s key k: users[0].user.exec: exec credential plugins are not "
            "allowed in a kubeconfig read from a Secret unless the operator runs with "
            "--allow-member-exec-credentials");
  auto allowed = Untrusted(Config("", kExec), /*allow_exec=*/true);
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  ASSERT_TRUE(allowed.value().exec);
  EXPECT_EQ(allowed.value().exec->command, "aws-iam-authenticator");
}

TEST(KubeconfigPolicy, FilePathsAreNeverAccepted) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Config("", "{tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token}"),
       "users[0].user.tokenFile: file paths are not allowed in a kubeconfig read from a Secret; "
       "use token (inline) instead"},
      {Config("", "{client-certificate: /c.pem, client-key-data: a2V5}"),
       "users[0].user.client-certificate: file paths are not allowed in a kubeconfig read from a "
       "Secret; use client-certificate-data (inline) instead"},
      {Config("", "{client-certificate-data: Y2VydA==, client-key: /k.pem}"),
       "users[0].user.client-key: file paths"},
      {Config("    certificate-authority: /etc/ssl/ca.pem\n", "{token: t}"),
       "clusters[0].cluster.certificate-authority: file paths"},
  };
  for (const auto& [text, want] : cases) {
    for (bool allow_exec : {false, true}) {
      auto cfg = Untrusted(text, allow_exec);
      ASSERT_FALSE(cfg.ok()) << text;
      EXPECT_EQ(cfg.error().reason, ApiError::Reason::Forbidden);
      EXPECT_NE(cfg.error().message.find(want), std::string::npos) << cfg.error().message;
    }
  }
}

TEST(KubeconfigPolicy, TheOperatorsOwnKubeconfigKeepsEveryForm) {
  auto exec = ParseKubeconfig(Config("", kExec));
  ASSERT_TRUE(exec.ok()) << exec.error().message;
  EXPECT_TRUE(exec.value().exec);
  // A tokenFile is read when trusted (and fails here only because the file does not exist).
  auto file = ParseKubeconfig(Config("", "{tokenFile: /nonexistent/token}"));
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().reason, ApiError::Reason::Invalid);
}

TEST(KubeconfigPolicy, HostileYamlIsAnErrorNotAnException) {
  for (const std::string& text :
       {std::string(5000, '['), std::string("a: &a [*a]"), std::string("\xff\xfe: 1"),
        std::string("users: [{name: u, user: {exec: {command: [x]}}}]")}) {
    auto cfg = Untrusted(text);
    EXPECT_FALSE(cfg.ok());
  }
}

}  // namespace
}  // namespace hybridai::runtime
