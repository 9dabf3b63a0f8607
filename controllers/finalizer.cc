#include "controllers/finalizer.h"

namespace hybridai::controllers {

using nlohmann::json;

namespace {

const json& Finalizers(const json& object) {
  static const json kNone = json::array();
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return kNone;
  const auto it = meta->find("finalizers");
  return it != meta->end() && it->is_array() ? *it : kNone;
}

}  // namespace

bool HasFinalizer(const json& object, std::string_view finalizer) {
  for (const auto& f : Finalizers(object))
    if (f.is_string() && f.get<std::string>() == finalizer) return true;
  return false;
}

json FinalizerPatch(const json& object, std::string_view finalizer, bool present) {
  json finalizers = json::array();
  for (const auto& f : Finalizers(object))
    if (!(f.is_string() && f.get<std::string>() == finalizer)) finalizers.push_back(f);
  if (present) finalizers.push_back(std::string(finalizer));
  std::string rv;
  if (const auto meta = object.find("metadata"); meta != object.end() && meta->is_object())
    rv = meta->value("resourceVersion", "");
  return {{"metadata", {{"finalizers", std::move(finalizers)}, {"resourceVersion", rv}}}};
}

}  // namespace hybridai::controllers
