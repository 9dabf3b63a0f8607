// Bounded JSON parsing for untrusted text (manifests, API server bodies, plugin output): never
// throws, limits nesting depth (nlohmann's DOM copies and destroys recursively, so an unbounded
// depth overflows the stack), and optionally rejects duplicate keys. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hybridai {

// The nesting limit shared by the YAML and JSON manifest paths and the runtime's parsers.
// Kubernetes objects are far shallower; the API server's own limit is 10,000.
inline constexpr int kMaxNestingDepth = 128;

struct JsonParseOptions {
  int maxDepth = kMaxNestingDepth;
  bool rejectDuplicateKeys = false;  // manifests: as YAML does; API servers never send them
};

struct JsonParseError {
  std::string message;  // "number overflow parsing '1e999'", "duplicate key \"a\"", ...
  std::string path;     // field path of a duplicate key ("spec.replicas"); may be empty
  size_t byte = 0;      // 1-based offset of the problem; 0 when unknown
};

// The document, or nullopt with `error` set (when given). Messages never quote the text
// beyond a short token, so secrets in a body stay out of logs.
std::optional<nlohmann::json> ParseJsonBounded(std::string_view text, JsonParseError* error,
                                               const JsonParseOptions& options = {});

}  // namespace hybridai
