// The finalizer helper: whether an object carries a finalizer, and the merge patch that adds or
// removes it. The patch carries the object's resourceVersion, so it applies only to the version
// read (a concurrent change gives 409 and the caller reads again). Pure; thread-safe.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace hybridai::controllers {

bool HasFinalizer(const nlohmann::json& object, std::string_view finalizer);

// The merge patch body that leaves `object` with (`present`) or without the finalizer, every
// other finalizer kept in order.
nlohmann::json FinalizerPatch(const nlohmann::json& object, std::string_view finalizer,
                              bool present);

}  // namespace hybridai::controllers
