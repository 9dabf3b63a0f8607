// The kinds table, ApiError helpers and the server-side-apply convenience shared by every
// ApiClient implementation (the HTTPS client and the in-memory fake alike).
// Everything here is immutable after static initialisation; thread-safe.
#include "runtime/api_client.h"

#include "core/escape.h"

namespace hybridai::runtime {

namespace kinds {
const ResourceKind kNamespace{"", "v1", "namespaces", "Namespace", false};
const ResourceKind kNode{"", "v1", "nodes", "Node", false};
const ResourceKind kPod{"", "v1", "pods", "Pod", true};
const ResourceKind kSecret{"", "v1", "secrets", "Secret", true};
// core/v1 Events: what `kubectl describe` and `kubectl get events` show by default.
const ResourceKind kEvent{"", "v1", "events", "Event", true};
const ResourceKind kDeployment{"apps", "v1", "deployments", "Deployment", true};
const ResourceKind kJob{"batch", "v1", "jobs", "Job", true};
const ResourceKind kLease{"coordination.k8s.io", "v1", "leases", "Lease", true};
const ResourceKind kMemberCluster{"hybridai.io", "v1alpha1", "memberclusters", "MemberCluster",
                                  false};
const ResourceKind kGPUPool{"hybridai.io", "v1alpha1", "gpupools", "GPUPool", false};
const ResourceKind kAIWorkload{"hybridai.io", "v1alpha1", "aiworkloads", "AIWorkload", true};
const ResourceKind kBudget{"hybridai.io", "v1alpha1", "budgets", "Budget", true};
}  // namespace kinds

const char* ReasonName(ApiError::Reason r) {
  using R = ApiError::Reason;
  switch (r) {
    case R::NotFound:
      return "NotFound";
    case R::AlreadyExists:
      return "AlreadyExists";
    case R::Conflict:
      return "Conflict";
    case R::Invalid:
      return "Invalid";
    case R::BadRequest:
      return "BadRequest";
    case R::Unauthorized:
      return "Unauthorized";
    case R::Forbidden:
      return "Forbidden";
    case R::Gone:
      return "Gone";
    case R::TooManyRequests:
      return "TooManyRequests";
    case R::MethodNotAllowed:
      return "MethodNotAllowed";
    case R::Timeout:
      return "Timeout";
    case R::InternalError:
      return "InternalError";
    case R::ServiceUnavailable:
      return "ServiceUnavailable";
    case R::Transport:
      return "Transport";
    case R::Decode:
      return "Decode";
    case R::Unknown:
      return "Unknown";
  }
  return "Unknown";
}

std::string ApiError::ToString() const {
  std::string out = ReasonName(reason);
  if (httpStatus != 0) out += " (" + std::to_string(httpStatus) + ")";
  if (!message.empty()) out += ": " + message;
  // The server's message for Invalid usually lists the causes already; only add them when it
  // does not, so the text stays one readable line.
  for (const auto& c : causes) {
    std::string piece = c.field.empty() ? c.message : c.field + ": " + c.message;
    if (piece.empty() || message.find(piece) != std::string::npos) continue;
    out += "; " + piece;
  }
  if (retryAfter) out += " (retry after " + std::to_string(retryAfter->count()) + "s)";
  // Messages carry names and text from API servers and kubeconfigs: one line, no escapes.
  return EscapeControl(out);
}

bool ApiError::Retryable() const {
  switch (reason) {
    case Reason::Transport:
    case Reason::Timeout:
    case Reason::TooManyRequests:
    case Reason::InternalError:
    case Reason::ServiceUnavailable:
      return true;
    default:
      return httpStatus >= 500;
  }
}

Result<json> ApiClient::Apply(const ResourceKind& kind, const json& object,
                              const std::string& fieldManager, bool force,
                              const std::string& subresource) {
  auto invalid = [&](const std::string& what) {
    ApiError e;
    e.reason = ApiError::Reason::Invalid;
    e.message = "apply " + kind.kind + ": " + what;
    return e;
  };
  if (!object.is_object()) return invalid("object must be a JSON object");
  const json* meta = object.contains("metadata") ? &object["metadata"] : nullptr;
  if (meta == nullptr || !meta->is_object() || !meta->contains("name") ||
      !(*meta)["name"].is_string() || (*meta)["name"].get<std::string>().empty()) {
    return invalid("metadata.name: required");
  }
  if (fieldManager.empty()) return invalid("fieldManager: required for server-side apply");
  std::string ns;
  if (kind.namespaced) {
    if (!meta->contains("namespace") || !(*meta)["namespace"].is_string() ||
        (*meta)["namespace"].get<std::string>().empty()) {
      return invalid("metadata.namespace: required for namespaced kind " + kind.kind);
    }
    ns = (*meta)["namespace"].get<std::string>();
  }
  // The API server needs apiVersion and kind in an apply body; fill them when the caller left
  // them out, so a partial object built from scratch is enough.
  json body = object;
  if (!body.contains("apiVersion")) body["apiVersion"] = kind.ApiVersion();
  if (!body.contains("kind")) body["kind"] = kind.kind;
  PatchOptions opts;
  opts.fieldManager = fieldManager;
  opts.force = force;
  opts.subresource = subresource;
  return Patch(kind, ns, (*meta)["name"].get<std::string>(), PatchType::Apply, body.dump(), opts);
}

std::string MetaString(const json& object, const char* field) {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto f = meta->find(field);
  return f != meta->end() && f->is_string() ? f->get<std::string>() : "";
}

}  // namespace hybridai::runtime
