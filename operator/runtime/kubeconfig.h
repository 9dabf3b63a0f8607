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

// Parses a kubeconfig document. `source` names it in errors; relative file references resolve
// against `baseDir`. Empty `context` means current-context. Errors read
// `kubeconfig /x/y: context "foo" not found`.
Result<RestConfig> ParseKubeconfig(const std::string& yaml, const std::string& context = "",
                                   const std::string& source = "<inline>",
                                   const std::string& baseDir = "");

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
