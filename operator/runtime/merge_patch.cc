#include "runtime/merge_patch.h"

namespace hybridai::runtime {

using nlohmann::json;

json CreateMergePatch(const json& from, const json& to) {
  if (!from.is_object() || !to.is_object()) return to;
  json patch = json::object();
  for (auto it = from.begin(); it != from.end(); ++it) {
    if (!to.contains(it.key())) patch[it.key()] = nullptr;
  }
  for (auto it = to.begin(); it != to.end(); ++it) {
    auto was = from.find(it.key());
    if (was == from.end()) {
      patch[it.key()] = it.value();
    } else if (*was != it.value()) {
      // null in a merge patch means "remove": a value that became null cannot be sent as such.
      patch[it.key()] = CreateMergePatch(*was, it.value());
    }
  }
  return patch;
}

}  // namespace hybridai::runtime
