// The real ApiClient: Kubernetes REST over an HttpTransport. Builds URLs and query strings for
// core and group kinds, sends the right patch content types, decodes metav1.Status failures
// into ApiError (reason, causes, Retry-After), parses watch streams one JSON event per line,
// and throttles itself with a token bucket. Thread-safe: one client serves all workers of a
// cluster; several clients (one per cluster) live side by side.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "runtime/api_client.h"
#include "runtime/client_rate_limiter.h"
#include "runtime/clock.h"
#include "runtime/credentials.h"
#include "runtime/forbidden_tracker.h"
#include "runtime/http_transport.h"
#include "runtime/kubeconfig.h"

namespace hybridai::runtime {

struct KubeClientOptions {
  double qps = 50;  // <= 0: no client-side throttling
  int burst = 100;
  std::string userAgent = "hybrid-operator/0.1.0";
  // Inactivity timeout of ordinary requests.
  std::chrono::milliseconds requestTimeout{30'000};
  // A watch's client-side timeout is its timeoutSeconds plus this, so the server always ends a
  // quiet watch first and a client timeout really means a dead connection.
  std::chrono::seconds watchTimeoutSlack{30};
  // Sent as fieldManager on create, update and non-apply patches when set.
  std::string fieldManager;
  // Told of every answer's status when set, so readiness can report looping 403s.
  std::shared_ptr<ForbiddenTracker> forbidden;
};

class KubeClient final : public ApiClient {
 public:
  // `credentials` may be null (client certificates only, or anonymous).
  KubeClient(std::shared_ptr<HttpTransport> transport, std::shared_ptr<Credentials> credentials,
             KubeClientOptions options = {}, Clock& clock = RealClock());

  Result<json> Get(const ResourceKind& kind, const std::string& ns,
                   const std::string& name) override;
  Result<ListResult> List(const ResourceKind& kind, const std::string& ns,
                          const ListOptions& opts) override;
  Result<std::unique_ptr<WatchStream>> Watch(const ResourceKind& kind, const std::string& ns,
                                             const WatchOptions& opts) override;
  Result<json> Create(const ResourceKind& kind, const std::string& ns, const json& object) override;
  Result<json> Update(const ResourceKind& kind, const std::string& ns, const json& object) override;
  Result<json> UpdateStatus(const ResourceKind& kind, const std::string& ns,
                            const json& object) override;
  Status Delete(const ResourceKind& kind, const std::string& ns, const std::string& name,
                const DeleteOptions& opts) override;
  Result<json> Patch(const ResourceKind& kind, const std::string& ns, const std::string& name,
                     PatchType type, const std::string& body, const PatchOptions& opts) override;
  Result<json> GetPath(const std::string& path) override;
  Result<json> Probe(const std::string& path, std::chrono::milliseconds timeout) override;

  // /api/v1/namespaces/{ns}/pods, /apis/{group}/{version}/{resource}; empty ns on a namespaced
  // kind means all namespaces.
  static std::string CollectionPath(const ResourceKind& kind, const std::string& ns);
  static std::string ObjectPath(const ResourceKind& kind, const std::string& ns,
                                const std::string& name, const std::string& subresource = "");

 private:
  Result<HttpResponse> Send(HttpRequest request);
  // Adds User-Agent and Accept; returns where the per-attempt headers start.
  size_t AddStandardHeaders(HttpRequest& request) const;
  // One attempt's preparation: the current Authorization header, then a rate-limiter token.
  Status Authorize(HttpRequest& request, size_t authIndex);
  Result<json> Write(const std::string& method, const ResourceKind& kind, const std::string& ns,
                     const json& object, const std::string& subresource);

  std::shared_ptr<HttpTransport> transport_;
  std::shared_ptr<Credentials> credentials_;
  const KubeClientOptions options_;
  ClientRateLimiter limiter_;
};

// A non-2xx response as an ApiError: the metav1.Status reason, message, causes and
// retryAfterSeconds when the body is one, else the HTTP status; a Retry-After header wins.
ApiError DecodeApiError(const HttpResponse& response, const std::string& request);

// The Content-Type of each patch type (apply: application/apply-patch+yaml).
const char* PatchContentType(PatchType type);

// The whole stack for one cluster: a CpprestTransport with the config's TLS, credentials from
// its token, token file or exec plugin, and a KubeClient.
Result<std::shared_ptr<KubeClient>> NewKubeClient(const RestConfig& config,
                                                  KubeClientOptions options = {},
                                                  Clock& clock = RealClock());

}  // namespace hybridai::runtime
