// The narrow interface to one Kubernetes API server. Everything above it (watcher, informer,
// leader election, reconcilers) takes an ApiClient&, so unit tests swap in the in-memory fake
// (tests/support/fake_api_client.h) and integration tests use the real HTTPS client.
// Objects travel as nlohmann::json; typed views are in runtime/typed_client.h.
// Implementations are thread-safe: one client is shared by every worker of a cluster.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace hybridai::runtime {

using nlohmann::json;

// Where a kind lives in the REST API. `resource` is the plural (pods, aiworkloads).
struct ResourceKind {
  std::string group;  // "" for core
  std::string version;
  std::string resource;
  std::string kind;
  bool namespaced = true;

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  bool operator==(const ResourceKind&) const = default;
};

namespace kinds {
extern const ResourceKind kNamespace, kNode, kPod, kSecret, kEvent, kDeployment, kJob, kLease,
    kMemberCluster, kGPUPool, kAIWorkload, kBudget;
}  // namespace kinds

// An API failure as a value: the Kubernetes reason, the HTTP status and the server's message.
struct ApiError {
  enum class Reason {
    NotFound,
    AlreadyExists,
    Conflict,
    Invalid,
    BadRequest,
    Unauthorized,
    Forbidden,
    Gone,  // 410: resourceVersion too old; relist
    TooManyRequests,
    MethodNotAllowed,
    Timeout,  // server-side timeout (504, reason Timeout) or client read timeout
    InternalError,
    ServiceUnavailable,
    Transport,  // connection refused, TLS failure, broken stream
    Decode,     // the response was not the JSON we expected
    Unknown,
  };
  struct Cause {
    std::string field;
    std::string reason;
    std::string message;
  };

  Reason reason = Reason::Unknown;
  int httpStatus = 0;  // 0 when no response arrived
  std::string message;
  std::vector<Cause> causes;                       // for Invalid
  std::optional<std::chrono::seconds> retryAfter;  // for TooManyRequests / 503

  // "Conflict (409): Operation cannot be fulfilled on ..."
  std::string ToString() const;
  // Errors worth retrying with backoff (transport, timeout, 429, 5xx).
  bool Retryable() const;
};

const char* ReasonName(ApiError::Reason r);

// metadata.<field> of an object when it is a string, else "" (never throws).
std::string MetaString(const json& object, const char* field);

// A value or an ApiError. Callers must look: value() on an error throws std::logic_error.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(ApiError error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    Check();
    return std::get<0>(v_);
  }
  const T& value() const& {
    Check();
    return std::get<0>(v_);
  }
  T&& value() && {
    Check();
    return std::get<0>(std::move(v_));
  }
  const ApiError& error() const { return std::get<1>(v_); }
  bool Is(ApiError::Reason r) const { return !ok() && error().reason == r; }

 private:
  void Check() const;
  std::variant<T, ApiError> v_;
};

struct Empty {};
using Status = Result<Empty>;
inline Status OkStatus() {
  return Empty{};
}

template <typename T>
void Result<T>::Check() const {
  if (!ok()) throw std::logic_error("Result::value() on error: " + error().ToString());
}

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int64_t limit = 0;  // 0 = server default (all)
  std::string continueToken;
  std::string resourceVersion;
  std::string resourceVersionMatch;
};

struct ListResult {
  json items = json::array();
  std::string resourceVersion;
  std::string continueToken;
};

struct WatchOptions {
  std::string resourceVersion;
  std::string labelSelector;
  std::string fieldSelector;
  int64_t timeoutSeconds = 300;
  bool allowWatchBookmarks = true;
};

struct WatchEvent {
  enum class Type { Added, Modified, Deleted, Bookmark, Error };
  Type type = Type::Added;
  json object;  // for Error: the metav1.Status
};

// One open watch. Next() blocks for the next event; an empty optional means the stream ended
// normally (server timeout or close): re-watch from the last resourceVersion.
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  virtual Result<std::optional<WatchEvent>> Next() = 0;
  // Unblocks a pending Next() from another thread; Next() then returns an ended stream.
  virtual void Cancel() = 0;
};

enum class PropagationPolicy { Default, Foreground, Background, Orphan };

struct DeleteOptions {
  PropagationPolicy propagation = PropagationPolicy::Default;
  std::optional<std::string> preconditionUid;
  std::optional<std::string> preconditionResourceVersion;
  std::optional<int64_t> gracePeriodSeconds;
};

enum class PatchType { Merge, JsonPatch, StrategicMerge, Apply };

struct PatchOptions {
  std::string fieldManager;  // required for Apply
  bool force = false;        // Apply only
  std::string subresource;   // "" or "status"
};

class ApiClient {
 public:
  virtual ~ApiClient() = default;

  virtual Result<json> Get(const ResourceKind& kind, const std::string& ns,
                           const std::string& name) = 0;
  virtual Result<ListResult> List(const ResourceKind& kind, const std::string& ns,
                                  const ListOptions& opts) = 0;
  virtual Result<std::unique_ptr<WatchStream>> Watch(const ResourceKind& kind,
                                                     const std::string& ns,
                                                     const WatchOptions& opts) = 0;
  virtual Result<json> Create(const ResourceKind& kind, const std::string& ns,
                              const json& object) = 0;
  // PUT; object carries metadata.resourceVersion for optimistic concurrency.
  virtual Result<json> Update(const ResourceKind& kind, const std::string& ns,
                              const json& object) = 0;
  // PUT to the /status subresource.
  virtual Result<json> UpdateStatus(const ResourceKind& kind, const std::string& ns,
                                    const json& object) = 0;
  virtual Status Delete(const ResourceKind& kind, const std::string& ns, const std::string& name,
                        const DeleteOptions& opts) = 0;
  virtual Result<json> Patch(const ResourceKind& kind, const std::string& ns,
                             const std::string& name, PatchType type, const std::string& body,
                             const PatchOptions& opts) = 0;
  // GET of a non-resource path (/version, /readyz).
  virtual Result<json> GetPath(const std::string& path) = 0;
  // GetPath with its own, usually shorter, timeout: a health probe must not wait as long as an
  // ordinary request on a server that stopped answering. Clients without timeouts just GetPath.
  virtual Result<json> Probe(const std::string& path, std::chrono::milliseconds timeout) {
    (void)timeout;
    return GetPath(path);
  }

  // Server-side apply of a full object (apiVersion, kind, metadata.name required).
  Result<json> Apply(const ResourceKind& kind, const json& object, const std::string& fieldManager,
                     bool force = true, const std::string& subresource = "");
};

}  // namespace hybridai::runtime
