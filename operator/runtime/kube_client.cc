// KubeClient: REST paths, query parameters, bodies and error decoding. Every failure comes back
// as an ApiError naming the request; nothing here throws past the boundary.
#include "runtime/kube_client.h"

#include "core/escape.h"
#include "core/json_parse.h"

#include <algorithm>
#include <charconv>

#include <spdlog/spdlog.h>

#include "runtime/cpprest_transport.h"
#include "runtime/kube_watch_stream.h"

namespace hybridai::runtime {

namespace {

ApiError LocalError(ApiError::Reason reason, std::string message) {
  ApiError e;
  e.reason = reason;
  e.message = std::move(message);
  return e;
}

std::string ObjectRef(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

ApiError::Reason ReasonFromStatusReason(const std::string& r) {
  using R = ApiError::Reason;
  if (r == "NotFound") return R::NotFound;
  if (r == "AlreadyExists") return R::AlreadyExists;
  if (r == "Conflict") return R::Conflict;
  if (r == "Invalid") return R::Invalid;
  if (r == "BadRequest") return R::BadRequest;
  if (r == "Unauthorized") return R::Unauthorized;
  if (r == "Forbidden") return R::Forbidden;
  if (r == "Gone" || r == "Expired") return R::Gone;
  if (r == "TooManyRequests") return R::TooManyRequests;
  if (r == "MethodNotAllowed") return R::MethodNotAllowed;
  if (r == "Timeout" || r == "ServerTimeout") return R::Timeout;
  if (r == "InternalError") return R::InternalError;
  if (r == "ServiceUnavailable") return R::ServiceUnavailable;
  return R::Unknown;
}

ApiError::Reason ReasonFromHttp(int code) {
  using R = ApiError::Reason;
  switch (code) {
    case 400:
      return R::BadRequest;
    case 401:
      return R::Unauthorized;
    case 403:
      return R::Forbidden;
    case 404:
      return R::NotFound;
    case 405:
      return R::MethodNotAllowed;
    case 409:
      return R::Conflict;
    case 410:
      return R::Gone;
    case 422:
      return R::Invalid;
    case 429:
      return R::TooManyRequests;
    case 500:
      return R::InternalError;
    case 503:
      return R::ServiceUnavailable;
    case 504:
      return R::Timeout;
    default:
      return code >= 500 ? R::InternalError : R::Unknown;
  }
}

bool IsSuccess(int status) {
  return status >= 200 && status < 300;
}

// Bounded and exception-free (core/json_parse.h). Errors give the position, never the body.
Result<json> ParseBody(const HttpResponse& resp, const std::string& what) {
  JsonParseError perr;
  std::optional<json> doc = ParseJsonBounded(resp.body, &perr);
  if (doc) return std::move(*doc);
  if (perr.byte == 0) {
    return LocalError(ApiError::Reason::Decode,
                      what + ": response is not usable JSON: " + perr.message);
  }
  return LocalError(ApiError::Reason::Decode,
                    what + ": response is not JSON (byte " + std::to_string(perr.byte) + ")");
}

}  // namespace

const char* PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::Merge:
      return "application/merge-patch+json";
    case PatchType::JsonPatch:
      return "application/json-patch+json";
    case PatchType::StrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::Apply:
      return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

// A server may ask for any pause; more than a day is treated as a day, so deadlines computed
// from it cannot overflow.
constexpr int64_t kMaxRetryAfter = 86400;

ApiError DecodeApiError(const HttpResponse& resp, const std::string& request) {
  ApiError e;
  e.httpStatus = resp.status;
  e.reason = ReasonFromHttp(resp.status);
  json status = ParseJsonBounded(resp.body, nullptr).value_or(json());
  auto kind = status.is_object() ? status.find("kind") : status.end();
  if (kind != status.end() && *kind == "Status") {
    try {
      if (auto r = ReasonFromStatusReason(status.value("reason", std::string()));
          r != ApiError::Reason::Unknown) {
        e.reason = r;
      }
      e.message = EscapeControl(status.value("message", std::string()));
      if (auto d = status.find("details"); d != status.end() && d->is_object()) {
        if (auto causes = d->find("causes"); causes != d->end() && causes->is_array()) {
          for (const auto& c : *causes) {
            if (!c.is_object()) continue;
            e.causes.push_back({EscapeControl(c.value("field", std::string())),
                                EscapeControl(c.value("reason", std::string())),
                                EscapeControl(c.value("message", std::string()))});
          }
        }
        if (auto ra = d->find("retryAfterSeconds"); ra != d->end() && ra->is_number_integer()) {
          e.retryAfter =
              std::chrono::seconds(std::clamp<int64_t>(ra->get<int64_t>(), 0, kMaxRetryAfter));
        }
      }
    } catch (const json::exception&) {
      // A Status with odd field types: keep what was read.
    }
  }
  if (e.message.empty()) {
    std::string body = resp.body.substr(0, 200);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    e.message = request + ": HTTP " + std::to_string(resp.status) +
                (body.empty() ? "" : ": " + EscapeControl(body));
  }
  if (auto ra = resp.Header("retry-after")) {
    int64_t secs = 0;
    auto [p, ec] = std::from_chars(ra->data(), ra->data() + ra->size(), secs);
    if (ec == std::errc() && p == ra->data() + ra->size() && secs >= 0) {
      secs = std::min<int64_t>(secs, kMaxRetryAfter);
      e.retryAfter = std::chrono::seconds(secs);
    }
  }
  return e;
}

std::string KubeClient::CollectionPath(const ResourceKind& kind, const std::string& ns) {
  std::string p =
      kind.group.empty() ? "/api/" + kind.version : "/apis/" + kind.group + "/" + kind.version;
  if (kind.namespaced && !ns.empty()) p += "/namespaces/" + PercentEncode(ns);
  return p + "/" + kind.resource;
}

std::string KubeClient::ObjectPath(const ResourceKind& kind, const std::string& ns,
                                   const std::string& name, const std::string& subresource) {
  std::string p = CollectionPath(kind, ns) + "/" + PercentEncode(name);
  if (!subresource.empty()) p += "/" + subresource;
  return p;
}

KubeClient::KubeClient(std::shared_ptr<HttpTransport> transport,
                       std::shared_ptr<Credentials> credentials, KubeClientOptions options,
                       Clock& clock)
    : transport_(std::move(transport)),
      credentials_(std::move(credentials)),
      options_(std::move(options)),
      limiter_(options_.qps, options_.burst, clock) {}

size_t KubeClient::AddStandardHeaders(HttpRequest& req) const {
  req.headers.emplace_back("User-Agent", options_.userAgent);
  req.headers.emplace_back("Accept", "application/json");
  return req.headers.size();
}

Status KubeClient::Authorize(HttpRequest& req, size_t authIndex) {
  req.headers.resize(authIndex);
  if (credentials_) {
    auto auth = credentials_->Authorization();
    if (!auth.ok()) return auth.error();
    if (!auth.value().empty()) req.headers.emplace_back("Authorization", auth.value());
  }
  limiter_.Acquire();
  return OkStatus();
}

Result<HttpResponse> KubeClient::Send(HttpRequest req) {
  const size_t authIndex = AddStandardHeaders(req);
  for (int attempt = 0;; ++attempt) {
    if (auto st = Authorize(req, authIndex); !st.ok()) return st.error();
    auto resp = transport_->Send(req);
    if (resp.ok() && options_.forbidden) options_.forbidden->Record(req, resp.value().status);
    // A 401 with a rotating token or an expiring exec credential: refresh once and retry.
    if (resp.ok() && resp.value().status == 401 && credentials_ && attempt == 0) {
      credentials_->Invalidate();
      continue;
    }
    return resp;
  }
}

Result<json> KubeClient::Get(const ResourceKind& kind, const std::string& ns,
                             const std::string& name) {
  const std::string what = "get " + kind.resource + " " + ObjectRef(ns, name);
  if (name.empty()) return LocalError(ApiError::Reason::Invalid, what + ": name: required");
  if (kind.namespaced && ns.empty()) {
    return LocalError(ApiError::Reason::Invalid, what + ": namespace: required");
  }
  HttpRequest req;
  req.path = ObjectPath(kind, ns, name);
  req.timeout = options_.requestTimeout;
  auto resp = Send(std::move(req));
  if (!resp.ok()) return resp.error();
  if (!IsSuccess(resp.value().status)) return DecodeApiError(resp.value(), what);
  return ParseBody(resp.value(), what);
}

Result<ListResult> KubeClient::List(const ResourceKind& kind, const std::string& ns,
                                    const ListOptions& opts) {
  const std::string what = "list " + kind.resource + (ns.empty() ? "" : " in " + ns);
  HttpRequest req;
  req.path = CollectionPath(kind, ns);
  req.timeout = options_.requestTimeout;
  if (!opts.labelSelector.empty()) req.query.emplace_back("labelSelector", opts.labelSelector);
  if (!opts.fieldSelector.empty()) req.query.emplace_back("fieldSelector", opts.fieldSelector);
  if (opts.limit > 0) req.query.emplace_back("limit", std::to_string(opts.limit));
  if (!opts.continueToken.empty()) req.query.emplace_back("continue", opts.continueToken);
  if (!opts.resourceVersion.empty()) {
    req.query.emplace_back("resourceVersion", opts.resourceVersion);
  }
  if (!opts.resourceVersionMatch.empty()) {
    req.query.emplace_back("resourceVersionMatch", opts.resourceVersionMatch);
  }
  auto resp = Send(std::move(req));
  if (!resp.ok()) return resp.error();
  if (!IsSuccess(resp.value().status)) return DecodeApiError(resp.value(), what);
  auto body = ParseBody(resp.value(), what);
  if (!body.ok()) return body.error();
  json& doc = body.value();
  if (!doc.is_object() ||
      (doc.contains("items") && !doc["items"].is_array() && !doc["items"].is_null())) {
    return LocalError(ApiError::Reason::Decode, what + ": response is not a list");
  }
  ListResult out;
  if (doc.contains("items") && doc["items"].is_array()) out.items = std::move(doc["items"]);
  // List items come without apiVersion/kind; fill them so cached objects are self-describing.
  for (auto& item : out.items) {
    if (!item.is_object()) continue;
    if (!item.contains("apiVersion")) item["apiVersion"] = kind.ApiVersion();
    if (!item.contains("kind")) item["kind"] = kind.kind;
  }
  if (auto meta = doc.find("metadata"); meta != doc.end() && meta->is_object()) {
    if (auto rv = meta->find("resourceVersion"); rv != meta->end() && rv->is_string()) {
      out.resourceVersion = rv->get<std::string>();
    }
    if (auto c = meta->find("continue"); c != meta->end() && c->is_string()) {
      out.continueToken = c->get<std::string>();
    }
  }
  return out;
}

Result<std::unique_ptr<WatchStream>> KubeClient::Watch(const ResourceKind& kind,
                                                       const std::string& ns,
                                                       const WatchOptions& opts) {
  const std::string what = "watch " + kind.resource + (ns.empty() ? "" : " in " + ns);
  HttpRequest req;
  req.path = CollectionPath(kind, ns);
  req.query.emplace_back("watch", "true");
  if (!opts.resourceVersion.empty()) {
    req.query.emplace_back("resourceVersion", opts.resourceVersion);
  }
  if (!opts.labelSelector.empty()) req.query.emplace_back("labelSelector", opts.labelSelector);
  if (!opts.fieldSelector.empty()) req.query.emplace_back("fieldSelector", opts.fieldSelector);
  if (opts.allowWatchBookmarks) req.query.emplace_back("allowWatchBookmarks", "true");
  if (opts.timeoutSeconds > 0) {
    req.query.emplace_back("timeoutSeconds", std::to_string(opts.timeoutSeconds));
    req.timeout = std::chrono::seconds(opts.timeoutSeconds) + options_.watchTimeoutSlack;
  } else {
    req.timeout = std::chrono::seconds(3600);
  }
  const size_t authIndex = AddStandardHeaders(req);
  for (int attempt = 0;; ++attempt) {
    if (auto st = Authorize(req, authIndex); !st.ok()) return st.error();
    auto stream = transport_->Open(req);
    if (!stream.ok()) {
      ApiError e = stream.error();
      e.message = what + ": " + e.message;
      return e;
    }
    std::unique_ptr<HttpStream> s = std::move(stream).value();
    const int status = s->Head().status;
    if (options_.forbidden) options_.forbidden->Record(req, status);
    if (IsSuccess(status)) {
      return std::unique_ptr<WatchStream>(std::make_unique<KubeWatchStream>(std::move(s), what));
    }
    // A failed watch answers with a plain Status body: read it whole to decode it.
    HttpResponse failed = s->Head();
    while (failed.body.size() < (1 << 20)) {
      auto line = s->ReadLine();
      if (!line.ok() || !line.value()) break;
      failed.body += *line.value() + "\n";
    }
    s->Cancel();
    if (status == 401 && credentials_ && attempt == 0) {
      credentials_->Invalidate();
      continue;
    }
    return DecodeApiError(failed, what);
  }
}

Result<json> KubeClient::Write(const std::string& method, const ResourceKind& kind,
                               const std::string& nsArg, const json& object,
                               const std::string& subresource) {
  const std::string ns = nsArg.empty() && kind.namespaced ? MetaString(object, "namespace") : nsArg;
  const std::string name = MetaString(object, "name");
  std::string verb = method == "POST" ? "create" : subresource.empty() ? "update" : "update status";
  const std::string what = verb + " " + kind.resource + " " + ObjectRef(ns, name);
  if (!object.is_object()) {
    return LocalError(ApiError::Reason::Invalid, what + ": object must be a JSON object");
  }
  if (kind.namespaced && ns.empty()) {
    return LocalError(ApiError::Reason::Invalid, what + ": namespace: required");
  }
  HttpRequest req;
  req.method = method;
  if (method == "POST") {
    if (name.empty() && MetaString(object, "generateName").empty()) {
      return LocalError(ApiError::Reason::Invalid, what + ": metadata.name: required");
    }
    req.path = CollectionPath(kind, ns);
  } else {
    if (name.empty()) {
      return LocalError(ApiError::Reason::Invalid, what + ": metadata.name: required");
    }
    req.path = ObjectPath(kind, ns, name, subresource);
  }
  if (!options_.fieldManager.empty()) req.query.emplace_back("fieldManager", options_.fieldManager);
  json body = object;
  if (!body.contains("apiVersion")) body["apiVersion"] = kind.ApiVersion();
  if (!body.contains("kind")) body["kind"] = kind.kind;
  req.body = body.dump();
  req.headers.emplace_back("Content-Type", "application/json");
  req.timeout = options_.requestTimeout;
  auto resp = Send(std::move(req));
  if (!resp.ok()) return resp.error();
  if (!IsSuccess(resp.value().status)) return DecodeApiError(resp.value(), what);
  return ParseBody(resp.value(), what);
}

Result<json> KubeClient::Create(const ResourceKind& kind, const std::string& ns,
                                const json& object) {
  return Write("POST", kind, ns, object, "");
}

Result<json> KubeClient::Update(const ResourceKind& kind, const std::string& ns,
                                const json& object) {
  return Write("PUT", kind, ns, object, "");
}

Result<json> KubeClient::UpdateStatus(const ResourceKind& kind, const std::string& ns,
                                      const json& object) {
  return Write("PUT", kind, ns, object, "status");
}

Status KubeClient::Delete(const ResourceKind& kind, const std::string& ns, const std::string& name,
                          const DeleteOptions& opts) {
  const std::string what = "delete " + kind.resource + " " + ObjectRef(ns, name);
  if (name.empty()) return LocalError(ApiError::Reason::Invalid, what + ": name: required");
  if (kind.namespaced && ns.empty()) {
    return LocalError(ApiError::Reason::Invalid, what + ": namespace: required");
  }
  HttpRequest req;
  req.method = "DELETE";
  req.path = ObjectPath(kind, ns, name);
  req.timeout = options_.requestTimeout;
  json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  switch (opts.propagation) {
    case PropagationPolicy::Default:
      break;
    case PropagationPolicy::Foreground:
      body["propagationPolicy"] = "Foreground";
      break;
    case PropagationPolicy::Background:
      body["propagationPolicy"] = "Background";
      break;
    case PropagationPolicy::Orphan:
      body["propagationPolicy"] = "Orphan";
      break;
  }
  if (opts.preconditionUid) body["preconditions"]["uid"] = *opts.preconditionUid;
  if (opts.preconditionResourceVersion) {
    body["preconditions"]["resourceVersion"] = *opts.preconditionResourceVersion;
  }
  if (opts.gracePeriodSeconds) body["gracePeriodSeconds"] = *opts.gracePeriodSeconds;
  if (body.size() > 2) {
    req.body = body.dump();
    req.headers.emplace_back("Content-Type", "application/json");
  }
  auto resp = Send(std::move(req));
  if (!resp.ok()) return resp.error();
  if (!IsSuccess(resp.value().status)) return DecodeApiError(resp.value(), what);
  return OkStatus();
}

Result<json> KubeClient::Patch(const ResourceKind& kind, const std::string& ns,
                               const std::string& name, PatchType type, const std::string& body,
                               const PatchOptions& opts) {
  const std::string what = std::string(type == PatchType::Apply ? "apply " : "patch ") +
                           kind.resource + " " + ObjectRef(ns, name) +
                           (opts.subresource.empty() ? "" : "/" + opts.subresource);
  if (name.empty()) return LocalError(ApiError::Reason::Invalid, what + ": name: required");
  if (kind.namespaced && ns.empty()) {
    return LocalError(ApiError::Reason::Invalid, what + ": namespace: required");
  }
  std::string manager = opts.fieldManager.empty() ? options_.fieldManager : opts.fieldManager;
  if (type == PatchType::Apply && manager.empty()) {
    return LocalError(ApiError::Reason::Invalid, what + ": fieldManager: required for apply");
  }
  HttpRequest req;
  req.method = "PATCH";
  req.path = ObjectPath(kind, ns, name, opts.subresource);
  req.timeout = options_.requestTimeout;
  if (!manager.empty()) req.query.emplace_back("fieldManager", manager);
  if (type == PatchType::Apply && opts.force) req.query.emplace_back("force", "true");
  req.headers.emplace_back("Content-Type", PatchContentType(type));
  req.body = body;
  auto resp = Send(std::move(req));
  if (!resp.ok()) return resp.error();
  if (!IsSuccess(resp.value().status)) return DecodeApiError(resp.value(), what);
  return ParseBody(resp.value(), what);
}

Result<json> KubeClient::GetPath(const std::string& path) {
  return Probe(path, options_.requestTimeout);
}

Result<json> KubeClient::Probe(const std::string& path, std::chrono::milliseconds timeout) {
  const std::string what = "get " + path;
  if (path.empty() || path[0] != '/') {
    return LocalError(ApiError::Reason::Invalid, what + ": path must start with /");
  }
  HttpRequest req;
  req.path = path;
  req.timeout = timeout;
  auto resp = Send(std::move(req));
  if (!resp.ok()) return resp.error();
  if (!IsSuccess(resp.value().status)) return DecodeApiError(resp.value(), what);
  // /healthz, /readyz and friends answer plain text ("ok"): hand it back as a JSON string.
  if (auto doc = ParseJsonBounded(resp.value().body, nullptr)) return std::move(*doc);
  return json(resp.value().body);
}

Result<std::shared_ptr<KubeClient>> NewKubeClient(const RestConfig& config,
                                                  KubeClientOptions options, Clock& clock) {
  auto credentials = std::make_shared<RestCredentials>(config, clock);
  CpprestTransportOptions topts;
  topts.server = config.server;
  topts.tls = config.tls;
  if (config.exec && topts.tls.clientCertPem.empty()) {
    // A plugin may hand out a client certificate instead of a token; it has to be known before
    // the first TLS handshake.
    auto cred = credentials->CurrentExecCredential();
    if (!cred.ok()) {
      ApiError e = cred.error();
      e.message = config.source + ": " + e.message;
      return e;
    }
    topts.tls.clientCertPem = cred.value().clientCertificatePem;
    topts.tls.clientKeyPem = cred.value().clientKeyPem;
  }
  auto transport = CpprestTransport::Create(std::move(topts));
  if (!transport.ok()) {
    ApiError e = transport.error();
    e.message = config.source + " (context " + config.context + "): " + e.message;
    return e;
  }
  spdlog::info("msg=\"API client ready\" source={} context={} server={} qps={} burst={}",
               config.source, config.context, config.server, options.qps, options.burst);
  return std::make_shared<KubeClient>(std::move(transport).value(), std::move(credentials),
                                      std::move(options), clock);
}

}  // namespace hybridai::runtime
