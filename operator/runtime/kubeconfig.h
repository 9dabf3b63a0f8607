// Connection settings for one API server: from a kubeconfig (file or string; current or named
// context; embedded `*-data` or file certificates; token, tokenFile or exec plugin) or from the
// in-cluster service account. Pure loading; values are thread-compatible.
#pragma once

#include <optional>
#include <string>

#include "runtime/api_client.h"
#include "runtime/cpprest_transport.h"
#include "runtime/exec_credential.h"

namespace hybridai::runtime {

inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct RestConfig {
  std::string source;  // the kubeconfig path, "<inline>" or "in-cluster": for messages only
  std::string context;
  std::string cluster;
  std::string user;
  std::string server;      // https://host:port
  std::string namespace_;  // the context's namespace; empty = "default"
  TlsOptions tls;          // CA, client certificate and key as PEM; insecure flag
  std::string bearerToken;
  std::string tokenFile;  // re-read as it rotates (see runtime/credentials.h)
  std::optional<ExecConfig> exec;
};

// Where a kubeconfig came from decides what it may do. The operator's own (a file, the
// command line) is trusted. One read from a Secret (a MemberCluster's kubeconfigSecretRef) is
// data written by whoever may write that Secret: it may carry inline credentials only (token,
// client-certificate-data, client-key-data, certificate-authority-data), never file paths
// (they would read the operator's own files, e.g. its service account token, and send them to
// the kubeconfig's server), and an `exec` plugin (a command run inside the operator) only when
// the operator was started with an explicit flag.
struct KubeconfigPolicy {
  bool inlineCredentialsOnly = false;  // reject tokenFile, client-certificate, client-key,
                                       // certificate-authority (the file forms)
  bool allowExec = true;               // accept users[].user.exec

  static KubeconfigPolicy Trusted() { return {}; }
  static KubeconfigPolicy Untrusted(bool allowExec) { return {true, allowExec}; }
};

// Parses a kubeconfig document. `source` names it in errors; relative file references resolve
// against `baseDir`. Empty `context` means current-context. Errors read
// `kubeconfig /x/y: context "foo" not found`; what `policy` refuses is a Forbidden error naming
// the field (`kubeconfig secret ns/a key k: users[0].user.tokenFile: file paths are not
// allowed ...`). Never throws.
Result<RestConfig> ParseKubeconfig(const std::string& yaml, const std::string& context = "",
                                   const std::string& source = "<inline>",
                                   const std::string& baseDir = "",
                                   const KubeconfigPolicy& policy = KubeconfigPolicy::Trusted());

// Reads and parses a kubeconfig file.
Result<RestConfig> LoadKubeconfigFile(const std::string& path, const std::string& context = "");

// The pod's service account: KUBERNETES_SERVICE_HOST/PORT, `dir`/token (as a tokenFile, so
// rotation is picked up), `dir`/ca.crt, `dir`/namespace.
Result<RestConfig> InClusterConfig(const std::string& dir = kServiceAccountDir);

// What a command-line tool does with `--kubeconfig` and `--context`: that path if given, else
// the first path of $KUBECONFIG, else in-cluster when KUBERNETES_SERVICE_HOST is set, else
// ~/.kube/config.
Result<RestConfig> LoadClientConfig(const std::string& kubeconfigPath, const std::string& context);

}  // namespace hybridai::runtime
