// Lenient reads of JSON objects that are reported on, not decoded: status and spec fields read
// for a table or a metric, where an absent, null or wrongly typed field is simply empty (zero,
// "") rather than an error. Decoding with diagnostics is the codecs' job (core/codec.h). Never
// throws. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/decimal.h"

namespace hybridai::lenient {

// The member `key` of an object; a null value when `o` is no object or has no such member.
inline const nlohmann::json& Field(const nlohmann::json& o, const char* key) {
  static const nlohmann::json kNull;
  if (!o.is_object()) return kNull;
  auto it = o.find(key);
  return it == o.end() ? kNull : *it;
}

// A string's value; "" for anything else.
inline std::string Str(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : std::string();
}

// An integer; 0 for anything else. One above INT64_MAX saturates.
inline int64_t Int(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    return u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
  }
  return v.is_number_integer() ? v.get<int64_t>() : 0;
}

// A decimal string ("4.10") or an integer, exactly; zero when absent or malformed.
inline Decimal Dec(const nlohmann::json& v) {
  if (v.is_string()) {
    if (auto d = Decimal::Parse(v.get_ref<const std::string&>())) return *d;
  }
  if (v.is_number_integer()) return Decimal::FromInt(Int(v));
  return Decimal();
}

// A decimal string or any number as a double (for metrics); 0 when absent or malformed.
inline double Number(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    if (auto d = Decimal::Parse(v.get_ref<const std::string&>())) return d->ToDouble();
  }
  return 0;
}

}  // namespace hybridai::lenient
