// kubeconfig `exec` credential plugins (client.authentication.k8s.io ExecCredential): run the
// configured command and parse the token or client certificate it prints, with its expiry.
// Free functions with no shared state; thread-safe (each call spawns its own process).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/api_client.h"

namespace hybridai::runtime {

struct ExecConfig {
  std::string apiVersion = "client.authentication.k8s.io/v1";
  std::string command;  // a name searched in PATH, or a path (relative to baseDir)
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to the inherited environment
  std::string baseDir;                                   // the kubeconfig's directory
};

struct ExecCredential {
  std::string token;
  std::string clientCertificatePem;
  std::string clientKeyPem;
  // Absent: valid until the server rejects it (401).
  std::optional<std::chrono::system_clock::time_point> expiration;
};

// Runs the plugin with KUBERNETES_EXEC_INFO set and parses its stdout. Errors (the command
// failed, timed out, printed something else) name the command, never the output's secrets.
Result<ExecCredential> RunExecPlugin(const ExecConfig& exec,
                                     std::chrono::seconds timeout = std::chrono::seconds(60));

// Parses an ExecCredential document; `apiVersion` is the one the kubeconfig asked for.
Result<ExecCredential> ParseExecCredential(const std::string& text, const std::string& apiVersion);

// RFC 3339 ("2025-01-01T00:00:00Z", fractional seconds and offsets allowed) through the core's
// one parser (core/rfc3339.h). Instants past what system_clock holds (before 1678 or after
// 2262 with nanosecond ticks) saturate to its min/max: "9999-12-31T23:59:59Z", the usual
// "never expires", stays in the future.
std::optional<std::chrono::system_clock::time_point> Rfc3339ToTimePoint(std::string_view s);

}  // namespace hybridai::runtime
