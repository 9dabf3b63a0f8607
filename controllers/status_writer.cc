#include "controllers/status_writer.h"

#include "runtime/merge_patch.h"

namespace hybridai::controllers {

using nlohmann::json;

runtime::Status PatchStatus(runtime::ApiClient& api, const runtime::ResourceKind& kind,
                            const json& object, const json& status) {
  const json current = object.is_object() ? object.value("status", json::object()) : json::object();
  if (current == status) return runtime::OkStatus();
  const json patch = {{"status", runtime::CreateMergePatch(current, status)}};
  runtime::PatchOptions opts;
  opts.subresource = "status";
  const auto& meta = object["metadata"];
  auto res = api.Patch(kind, kind.namespaced ? meta.value("namespace", "") : "",
                       meta.value("name", ""), runtime::PatchType::Merge, patch.dump(), opts);
  if (!res.ok() && !res.Is(runtime::ApiError::Reason::NotFound)) return res.error();
  return runtime::OkStatus();
}

}  // namespace hybridai::controllers
