// Pagination, decode-failure messages and core-kind accessors for typed_client.h.
#include "runtime/typed_client.h"

#include <charconv>

#include "runtime/base64.h"

namespace hybridai::runtime {

namespace {
const json* Path(const json& object, std::initializer_list<const char*> keys) {
  const json* cur = &object;
  for (const char* k : keys) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string StringAt(const json& object, std::initializer_list<const char*> keys) {
  const json* v = Path(object, keys);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}
}  // namespace

Result<ListResult> ListAll(ApiClient& api, const ResourceKind& kind, const std::string& ns,
                           ListOptions opts, int64_t pageSize) {
  if (opts.limit <= 0) opts.limit = pageSize;
  ListResult all;
  while (true) {
    auto page = api.List(kind, ns, opts);
    if (!page.ok()) return page.error();
    for (auto& item : page.value().items) all.items.push_back(std::move(item));
    all.resourceVersion = page.value().resourceVersion;
    if (page.value().continueToken.empty()) break;
    opts.continueToken = page.value().continueToken;
    // A continue token pins the snapshot; a resourceVersion with it is rejected.
    opts.resourceVersion.clear();
    opts.resourceVersionMatch.clear();
  }
  return all;
}

ApiError DecodeFailure(const std::string& kind, const std::vector<Diagnostic>& diags) {
  ApiError e;
  e.reason = ApiError::Reason::Decode;
  e.message = "decode " + kind;
  for (const auto& d : diags) {
    if (d.severity != Severity::Error) continue;
    e.message += "; " + d.ToString();
  }
  return e;
}

std::string NameOf(const json& o) {
  return StringAt(o, {"metadata", "name"});
}
std::string NamespaceOf(const json& o) {
  return StringAt(o, {"metadata", "namespace"});
}
std::string ResourceVersionOf(const json& o) {
  return StringAt(o, {"metadata", "resourceVersion"});
}
std::string UidOf(const json& o) {
  return StringAt(o, {"metadata", "uid"});
}

std::optional<std::string> SecretValue(const json& secret, const std::string& key) {
  const json* data = Path(secret, {"data"});
  if (data == nullptr || !data->is_object()) return std::nullopt;
  auto it = data->find(key);
  if (it == data->end() || !it->is_string()) return std::nullopt;
  return Base64Decode(it->get<std::string>());
}

bool NodeReady(const json& node) {
  const json* conds = Path(node, {"status", "conditions"});
  if (conds == nullptr || !conds->is_array()) return false;
  for (const auto& c : *conds) {
    if (c.is_object() && c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

int64_t NodeAllocatableCount(const json& node, const std::string& resource) {
  const json* alloc = Path(node, {"status", "allocatable"});
  if (alloc == nullptr || !alloc->is_object()) return 0;
  auto it = alloc->find(resource);
  if (it == alloc->end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return 0;
  const std::string& s = it->get_ref<const std::string&>();
  int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  return ec == std::errc() && p == s.data() + s.size() && n >= 0 ? n : 0;
}

int64_t DeploymentReadyReplicas(const json& deployment) {
  const json* v = Path(deployment, {"status", "readyReplicas"});
  return v != nullptr && v->is_number_integer() ? v->get<int64_t>() : 0;
}

}  // namespace hybridai::runtime
