// Status writes as the operator does them for every kind: a JSON merge patch of what changed on
// the /status subresource, without a resourceVersion. Each kind's status has one writer (its
// reconciler, one worker per key at a time), so no precondition is needed, and the write can
// never conflict with the operator's own metadata writes (finalizers) or a stale cache. Nothing
// is sent when nothing changed. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/api_client.h"

namespace hybridai::controllers {

// Brings `object`'s status to `status`. A NotFound (the object was deleted meanwhile) is no
// error.
runtime::Status PatchStatus(runtime::ApiClient& api, const runtime::ResourceKind& kind,
                            const nlohmann::json& object, const nlohmann::json& status);

}  // namespace hybridai::controllers
