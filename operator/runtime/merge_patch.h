// JSON merge patches (RFC 7386) computed from two versions of a document, so a controller can
// send only what it changed: keys that disappeared become null, objects recurse, anything else
// (arrays included) is replaced whole. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

namespace hybridai::runtime {

// The merge patch that turns `from` into `to`; an empty object when they are equal.
nlohmann::json CreateMergePatch(const nlohmann::json& from, const nlohmann::json& to);

}  // namespace hybridai::runtime
