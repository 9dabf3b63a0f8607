// Typed access on top of any ApiClient: the project's four kinds as core/types.h values through
// the core codecs, plus small accessors for the core kinds it reads as JSON (Node, Secret,
// Deployment, ...) and a paginating list. No state beyond the ApiClient reference; thread-safe
// when the ApiClient is.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/codec.h"
#include "core/types.h"
#include "runtime/api_client.h"

namespace hybridai::runtime {

template <class T>
struct KindOf;
template <>
struct KindOf<api::MemberCluster> {
  static const ResourceKind& Get() { return kinds::kMemberCluster; }
};
template <>
struct KindOf<api::GPUPool> {
  static const ResourceKind& Get() { return kinds::kGPUPool; }
};
template <>
struct KindOf<api::AIWorkload> {
  static const ResourceKind& Get() { return kinds::kAIWorkload; }
};
template <>
struct KindOf<api::Budget> {
  static const ResourceKind& Get() { return kinds::kBudget; }
};

// Every page of a list (limit/continue), items concatenated; the result carries the
// resourceVersion of the last page. A 410 mid-way (continue token expired) is returned as is.
Result<ListResult> ListAll(ApiClient& api, const ResourceKind& kind, const std::string& ns,
                           ListOptions opts, int64_t pageSize = 500);

// A decode failure of an object read from the server as ApiError::Decode, naming the object.
ApiError DecodeFailure(const std::string& kind, const std::vector<Diagnostic>& diags);

template <class T>
class TypedClient {
 public:
  explicit TypedClient(ApiClient& api) : api_(api) {}

  Result<T> Get(const std::string& ns, const std::string& name) {
    return Decoded(api_.Get(Kind(), ns, name));
  }
  // All pages; objects that fail to decode make the whole call fail (the CRD schema should
  // make that impossible).
  Result<std::vector<T>> List(const std::string& ns, const ListOptions& opts = {}) {
    auto list = ListAll(api_, Kind(), ns, opts);
    if (!list.ok()) return list.error();
    std::vector<T> out;
    out.reserve(list.value().items.size());
    for (const auto& item : list.value().items) {
      auto one = Decode(item);
      if (!one.ok()) return one.error();
      out.push_back(std::move(one).value());
    }
    return out;
  }
  Result<T> Create(const T& object) {
    return Decoded(api_.Create(Kind(), object.metadata.namespace_, api::ToJson(object)));
  }
  Result<T> Update(const T& object) {
    return Decoded(api_.Update(Kind(), object.metadata.namespace_, api::ToJson(object)));
  }
  // PUT /status with the object's resourceVersion: 409 when someone wrote in between.
  Result<T> UpdateStatus(const T& object) {
    return Decoded(api_.UpdateStatus(Kind(), object.metadata.namespace_, api::ToJson(object)));
  }
  Status Delete(const std::string& ns, const std::string& name, const DeleteOptions& opts = {}) {
    return api_.Delete(Kind(), ns, name, opts);
  }
  // Server-side apply of the status alone, owned by `fieldManager`.
  Result<T> ApplyStatus(const T& object, const std::string& fieldManager) {
    json body = {{"apiVersion", Kind().ApiVersion()},
                 {"kind", Kind().kind},
                 {"metadata", {{"name", object.metadata.name}}},
                 {"status", api::StatusToJson(object.status)}};
    if (Kind().namespaced) body["metadata"]["namespace"] = object.metadata.namespace_;
    return Decoded(api_.Apply(Kind(), body, fieldManager, true, "status"));
  }

  static Result<T> Decode(const json& object) {
    std::vector<Diagnostic> diags;
    auto v = api::Decode<T>(object, &diags);
    if (!v) return DecodeFailure(Kind().kind, diags);
    return std::move(*v);
  }

 private:
  static const ResourceKind& Kind() { return KindOf<T>::Get(); }
  static Result<T> Decoded(Result<json> r) {
    if (!r.ok()) return r.error();
    return Decode(r.value());
  }

  ApiClient& api_;
};

// ---- small accessors for core kinds read as JSON; all tolerate missing fields ----
// (labels: LabelsOf in runtime/label_selector.h)
std::string NameOf(const json& object);
std::string NamespaceOf(const json& object);
std::string ResourceVersionOf(const json& object);
std::string UidOf(const json& object);
// Secret data[key], base64-decoded; nullopt when absent or not valid base64.
std::optional<std::string> SecretValue(const json& secret, const std::string& key);
// Node: the Ready condition is True.
bool NodeReady(const json& node);
// Node: status.allocatable[resource] as an integer count (GPUs: "8"); 0 when absent/odd.
int64_t NodeAllocatableCount(const json& node, const std::string& resource);
// Deployment: status.readyReplicas (0 when absent).
int64_t DeploymentReadyReplicas(const json& deployment);

}  // namespace hybridai::runtime
