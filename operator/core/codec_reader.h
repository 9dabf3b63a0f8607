// FieldReader: typed, error-collecting access to the fields of one JSON object being decoded.
// Internal to the codecs (core/codec_*.cc). Each read records a Diagnostic naming the field
// path on a wrong type and leaves the output untouched; absent and null fields are "not set".
// One reader per decode call; not thread-safe.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/decimal.h"
#include "core/diagnostic.h"
#include "core/enums.h"

namespace hybridai::api::detail {

using nlohmann::json;

std::string JoinPath(std::string_view parent, std::string_view key);
// "path[i]".
std::string IndexPath(std::string_view path, size_t i);

class FieldReader {
 public:
  FieldReader(std::vector<Diagnostic>* diags, std::string object_ref)
      : diags_(diags), object_ref_(std::move(object_ref)) {}

  void Error(std::string path, std::string message);
  void Warning(std::string path, std::string message);
  int errors() const { return errors_; }

  // The field's value, or nullptr when absent or null. `required` records "required" when so.
  const json* Field(const json& parent, std::string_view key, std::string_view path,
                    bool required = false);
  // An object/array field; nullptr when absent, null or of another type (error recorded).
  const json* Object(const json& parent, std::string_view key, std::string_view path,
                     bool required = false);
  const json* Array(const json& parent, std::string_view key, std::string_view path,
                    bool required = false);

  // Scalars. Return true when the field was present and well-typed (output written).
  bool String(const json& parent, std::string_view key, std::string_view path, std::string* out,
              bool required = false);
  bool Int(const json& parent, std::string_view key, std::string_view path, int64_t* out,
           bool required = false);
  bool Int(const json& parent, std::string_view key, std::string_view path,
           std::optional<int64_t>* out);
  bool Bool(const json& parent, std::string_view key, std::string_view path, bool* out);
  // Decimal strings only ("4.10"); numbers are rejected so that no float ever becomes money.
  bool Dec(const json& parent, std::string_view key, std::string_view path, Decimal* out,
           bool required = false);
  bool Dec(const json& parent, std::string_view key, std::string_view path,
           std::optional<Decimal>* out);
  bool StringMap(const json& parent, std::string_view key, std::string_view path,
                 std::map<std::string, std::string>* out);
  bool StringList(const json& parent, std::string_view key, std::string_view path,
                  std::vector<std::string>* out);

  template <ApiEnum E>
  bool Enum(const json& parent, std::string_view key, std::string_view path, E* out,
            bool required = false) {
    const json* v = Field(parent, key, path, required);
    return v != nullptr && EnumValue(*v, JoinPath(path, key), out);
  }
  template <ApiEnum E>
  bool EnumValue(const json& v, const std::string& full_path, E* out) {
    if (!v.is_string()) {
      Error(full_path, "must be one of " + AllowedValues<E>() + ", got " + Describe(v));
      return false;
    }
    auto parsed = Parse<E>(v.get_ref<const std::string&>());
    if (!parsed) {
      Error(full_path, "must be one of " + AllowedValues<E>() + ", got " + Describe(v));
      return false;
    }
    *out = *parsed;
    return true;
  }

  // Calls each(element, element_path) for every object element of the array field `key`; an
  // element that is not an object is an error at its own path ("path.key[i]") and is skipped.
  template <typename Each>
  void Objects(const json& parent, std::string_view key, std::string_view path, Each&& each) {
    const json* arr = Array(parent, key, path);
    if (arr == nullptr) return;
    const std::string base = JoinPath(path, key);
    for (size_t i = 0; i < arr->size(); ++i) {
      const json& e = (*arr)[i];
      const std::string ep = IndexPath(base, i);
      if (!e.is_object()) {
        Error(ep, "must be an object, got " + Describe(e));
        continue;
      }
      each(e, ep);
    }
  }

  // Warn about fields of `object` not in `known` (typos such as "replica:"). Spec only: the
  // API server adds metadata and status fields this project has no reason to model.
  void UnknownFields(const json& object, std::string_view path,
                     std::initializer_list<std::string_view> known);

  static std::string Describe(const json& v);

 private:
  bool IntValue(const json& v, const std::string& full_path, int64_t* out);
  bool DecValue(const json& v, const std::string& full_path, Decimal* out);

  std::vector<Diagnostic>* diags_;
  std::string object_ref_;
  int errors_ = 0;
};

}  // namespace hybridai::api::detail
