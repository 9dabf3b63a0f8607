// One way to name an object: namespace and name, written "namespace/name" (or "name" for a
// cluster-scoped object), as the work queues, the scheduler's ledger and the logs key them.
// A plain value; thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/types.h"

namespace hybridai::controllers {

struct ObjectKey {
  std::string ns;  // empty for cluster-scoped objects
  std::string name;

  static ObjectKey Parse(std::string_view key) {
    const auto slash = key.find('/');
    if (slash == std::string_view::npos) return {"", std::string(key)};
    return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
  }
  static ObjectKey Of(const api::ObjectMeta& meta) { return {meta.namespace_, meta.name}; }
  static ObjectKey Of(const nlohmann::json& object) {
    const auto meta = object.find("metadata");
    if (meta == object.end() || !meta->is_object()) return {};
    return {meta->value("namespace", ""), meta->value("name", "")};
  }

  std::string String() const { return ns.empty() ? name : ns + "/" + name; }
  bool operator==(const ObjectKey&) const = default;
};

// "namespace/name" or "name".
inline std::string KeyOf(const api::ObjectMeta& meta) {
  return ObjectKey::Of(meta).String();
}

}  // namespace hybridai::controllers
