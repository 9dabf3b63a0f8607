// RFC 3339 timestamps as the Kubernetes API writes them ("2026-11-21T22:40:39Z"), to and from
// Unix seconds. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hybridai {

// "YYYY-MM-DDTHH:MM:SSZ" in UTC; instants outside years 0000..9999 are clamped to them.
std::string FormatRfc3339(int64_t unix_seconds);

// Accepts "Z" or a numeric offset and optional fractional seconds (dropped). Years have
// exactly four digits (0000..9999); the result is exact over that whole range. The one RFC 3339
// parser of the project (the runtime's expiry times go through it too).
std::optional<int64_t> ParseRfc3339(std::string_view text);

}  // namespace hybridai
