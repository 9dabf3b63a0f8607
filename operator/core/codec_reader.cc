// FieldReader: the type checks and messages shared by every decoder.
#include "core/codec_reader.h"

#include <algorithm>
#include <cmath>

#include "core/codec.h"
#include "core/escape.h"

namespace hybridai::api::detail {

std::string JoinPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string IndexPath(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

std::string FieldReader::Describe(const json& v) {
  return DescribeJson(v);
}

// For type mismatches the type is the news: `got string "3"` where an integer was expected.
static std::string DescribeType(const json& v) {
  return v.is_string() ? "string " + DescribeJson(v) : DescribeJson(v);
}

void FieldReader::Error(std::string path, std::string message) {
  ++errors_;
  if (diags_ == nullptr) return;
  Diagnostic d = MakeError(object_ref_, std::move(path), std::move(message));
  diags_->push_back(std::move(d));
}

void FieldReader::Warning(std::string path, std::string message) {
  if (diags_ == nullptr) return;
  Diagnostic d = MakeError(object_ref_, std::move(path), std::move(message));
  d.severity = Severity::Warning;
  diags_->push_back(std::move(d));
}

const json* FieldReader::Field(const json& parent, std::string_view key, std::string_view path,
                               bool required) {
  const json* v = nullptr;
  if (parent.is_object()) {
    auto it = parent.find(key);
    if (it != parent.end() && !it->is_null()) v = &*it;
  }
  if (v == nullptr && required) Error(JoinPath(path, key), "required");
  return v;
}

const json* FieldReader::Object(const json& parent, std::string_view key, std::string_view path,
                                bool required) {
  const json* v = Field(parent, key, path, required);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    Error(JoinPath(path, key), "must be an object, got " + DescribeType(*v));
    return nullptr;
  }
  return v;
}

const json* FieldReader::Array(const json& parent, std::string_view key, std::string_view path,
                               bool required) {
  const json* v = Field(parent, key, path, required);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    Error(JoinPath(path, key), "must be a list, got " + DescribeType(*v));
    return nullptr;
  }
  return v;
}

bool FieldReader::String(const json& parent, std::string_view key, std::string_view path,
                         std::string* out, bool required) {
  const json* v = Field(parent, key, path, required);
  if (v == nullptr) return false;
  if (!v->is_string()) {
    Error(JoinPath(path, key), "must be a string, got " + Describe(*v));
    return false;
  }
  *out = v->get<std::string>();
  return true;
}

bool FieldReader::IntValue(const json& v, const std::string& full_path, int64_t* out) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      Error(full_path, "must be a 64-bit integer, got " + Describe(v));
      return false;
    }
    *out = static_cast<int64_t>(u);
    return true;
  }
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return true;
  }
  // Integers past 64 bits arrive as floats from the YAML and JSON parsers.
  if (v.is_number_float() && std::abs(v.get<double>()) >= 9.2e18) {
    Error(full_path, "must be a 64-bit integer, got " + Describe(v));
    return false;
  }
  Error(full_path, "must be an integer, got " + DescribeType(v));
  return false;
}

bool FieldReader::Int(const json& parent, std::string_view key, std::string_view path, int64_t* out,
                      bool required) {
  const json* v = Field(parent, key, path, required);
  return v != nullptr && IntValue(*v, JoinPath(path, key), out);
}

bool FieldReader::Int(const json& parent, std::string_view key, std::string_view path,
                      std::optional<int64_t>* out) {
  int64_t value = 0;
  if (!Int(parent, key, path, &value)) return false;
  *out = value;
  return true;
}

bool FieldReader::Bool(const json& parent, std::string_view key, std::string_view path, bool* out) {
  const json* v = Field(parent, key, path);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    Error(JoinPath(path, key), "must be true or false, got " + DescribeType(*v));
    return false;
  }
  *out = v->get<bool>();
  return true;
}

bool FieldReader::DecValue(const json& v, const std::string& full_path, Decimal* out) {
  if (!v.is_string()) {
    Error(full_path, "must be a decimal string like \"4.10\", got " + Describe(v));
    return false;
  }
  const auto& text = v.get_ref<const std::string&>();
  if (auto d = Decimal::Parse(text)) {
    *out = *d;
    return true;
  }
  // Say which rule was broken: sign, precision or syntax.
  if (auto signed_value = Decimal::Parse(text, /*allow_negative=*/true)) {
    // "-0" is not below zero: what it breaks is the unsigned syntax (the CRD's pattern).
    Error(full_path, (signed_value->units() == 0 ? "must be written without a sign, got "
                                                 : "must be >= 0, got ") +
                         Describe(v));
  } else if (auto dot = text.find('.'); dot != std::string::npos &&
                                        text.size() - dot - 1 > Decimal::kScaleDigits &&
                                        std::all_of(text.begin() + dot + 1, text.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; })) {
    Error(full_path, "must have at most 6 fraction digits, got " + Describe(v));
  } else {
    Error(full_path, "must be a decimal string like \"4.10\", got " + Describe(v));
  }
  return false;
}

bool FieldReader::Dec(const json& parent, std::string_view key, std::string_view path, Decimal* out,
                      bool required) {
  const json* v = Field(parent, key, path, required);
  return v != nullptr && DecValue(*v, JoinPath(path, key), out);
}

bool FieldReader::Dec(const json& parent, std::string_view key, std::string_view path,
                      std::optional<Decimal>* out) {
  Decimal value;
  if (!Dec(parent, key, path, &value)) return false;
  *out = value;
  return true;
}

bool FieldReader::StringMap(const json& parent, std::string_view key, std::string_view path,
                            std::map<std::string, std::string>* out) {
  const json* v = Object(parent, key, path);
  if (v == nullptr) return false;
  std::string base = JoinPath(path, key);
  bool ok = true;
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) {
      Error(base + "[" + it.key() + "]", "must be a string, got " + Describe(it.value()));
      ok = false;
      continue;
    }
    (*out)[it.key()] = it.value().get<std::string>();
  }
  return ok;
}

bool FieldReader::StringList(const json& parent, std::string_view key, std::string_view path,
                             std::vector<std::string>* out) {
  const json* v = Array(parent, key, path);
  if (v == nullptr) return false;
  std::string base = JoinPath(path, key);
  bool ok = true;
  for (size_t i = 0; i < v->size(); ++i) {
    const json& e = (*v)[i];
    if (!e.is_string()) {
      Error(base + "[" + std::to_string(i) + "]", "must be a string, got " + Describe(e));
      ok = false;
      continue;
    }
    out->push_back(e.get<std::string>());
  }
  return ok;
}

void FieldReader::UnknownFields(const json& object, std::string_view path,
                                std::initializer_list<std::string_view> known) {
  if (!object.is_object()) return;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
      Warning(JoinPath(path, it.key()), "unknown field (ignored)");
    }
  }
}

}  // namespace hybridai::api::detail

namespace hybridai {

std::string DescribeJson(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::string:
      return Quote(v.get_ref<const std::string&>());
    case nlohmann::json::value_t::boolean:
      return std::string("boolean ") + (v.get<bool>() ? "true" : "false");
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      // A float past double's range has no JSON spelling (dump() says "null").
      if (!std::isfinite(v.get<double>())) return "a number out of range";
      return "number " + v.dump();
    case nlohmann::json::value_t::object:
      return "object";
    case nlohmann::json::value_t::array:
      return "list";
    case nlohmann::json::value_t::null:
      return "null";
    default:
      return "unsupported value";
  }
}

}  // namespace hybridai
