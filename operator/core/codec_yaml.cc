// YAML nodes -> nlohmann::json with YAML 1.2 core-schema scalar typing. yaml-cpp leaves plain
// scalars untyped; Kubernetes (and users) expect `replicas: 3` to be a number and
// `pue: "1.2"` to stay a string, so the resolution below is explicit.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "core/codec.h"
#include "core/escape.h"
#include "core/json_parse.h"

namespace hybridai {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = kMaxNestingDepth;
constexpr size_t kMaxNodes = 250'000;
// Aliases let a small file name one large string many times; the expansion is what the rest
// of the pipeline holds, so its size is bounded, not only its node count.
constexpr size_t kMaxExpandedBytes = 64u << 20;

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

struct ConversionError {
  YAML::Mark mark;
  std::string message;
};

// A number past double's range has no value to keep; saying so beats "got number null".
struct OutOfRange {};

double ParseFloat(const std::string& s) {
  double d = std::strtod(s.c_str(), nullptr);
  if (!std::isfinite(d)) throw OutOfRange{};
  return d;
}

bool IsDigits(std::string_view s, int base) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                         : (c >= '0' && c < static_cast<char>('0' + base));
    if (!ok) return false;
  }
  return true;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsFloatSyntax(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// Integer scalar -> json number; nullopt when the text is not an integer at all.
std::optional<json> ParseInteger(std::string_view s) {
  bool negative = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    base = s[1] == 'x' ? 16 : 8;
    body = s.substr(2);
    negative = false;
  }
  if (!IsDigits(body, base)) return std::nullopt;
  uint64_t mag = 0;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), mag, base);
  if (ec != std::errc() || ptr != body.data() + body.size()) {
    // Too large for 64 bits: keep it numeric so field checks say "must be a 64-bit integer".
    return json(ParseFloat(std::string(s)));
  }
  if (!negative) return json(mag);
  if (mag <= static_cast<uint64_t>(INT64_MAX) + 1) {
    return json(static_cast<int64_t>(0 - mag));
  }
  return json(ParseFloat(std::string(s)));
}

json ResolvePlain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (auto i = ParseInteger(s)) return *i;
  if (IsFloatSyntax(s)) return ParseFloat(s);
  return s;
}

class Converter {
 public:
  json Convert(const YAML::Node& node, int depth) {
    if (depth > kMaxDepth) {
      throw ConversionError{node.Mark(), "nesting deeper than " + std::to_string(kMaxDepth)};
    }
    if (++nodes_ > kMaxNodes) {
      throw ConversionError{node.Mark(),
                            "more than " + std::to_string(kMaxNodes) + " nodes (alias expansion?)"};
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return nullptr;
      case YAML::NodeType::Scalar:
        Count(node, node.Scalar().size());
        try {
          return Scalar(node);
        } catch (const OutOfRange&) {
          throw ConversionError{
              node.Mark(), "number " + Quote(node.Scalar().substr(0, 40)) + " is out of range"};
        }
      case YAML::NodeType::Sequence: {
        json arr = json::array();
        for (const auto& item : node) arr.push_back(Convert(item, depth + 1));
        return arr;
      }
      case YAML::NodeType::Map: {
        json obj = json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) {
            throw ConversionError{kv.first.Mark(), "map keys must be scalars"};
          }
          const std::string& key = kv.first.Scalar();
          Count(kv.first, key.size());
          if (obj.contains(key)) {
            throw ConversionError{kv.first.Mark(), "duplicate key " + Quote(key)};
          }
          obj[key] = Convert(kv.second, depth + 1);
        }
        return obj;
      }
    }
    return nullptr;
  }

 private:
  void Count(const YAML::Node& node, size_t bytes) {
    bytes_ += bytes;
    if (bytes_ > kMaxExpandedBytes) {
      throw ConversionError{node.Mark(), "more than " + std::to_string(kMaxExpandedBytes >> 20) +
                                             " MiB of text once aliases are expanded"};
    }
  }

  static json Scalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag == "?") return ResolvePlain(text);
    if (tag.rfind(kTagPrefix, 0) == 0) {
      std::string_view type = std::string_view(tag).substr(kTagPrefix.size());
      if (type == "str") return text;
      json resolved = ResolvePlain(text);
      bool matches = (type == "int" && resolved.is_number_integer()) ||
                     (type == "float" && resolved.is_number()) ||
                     (type == "bool" && resolved.is_boolean()) ||
                     (type == "null" && resolved.is_null());
      if (type == "float" && resolved.is_number_integer()) return resolved.get<double>();
      if (!matches) {
        throw ConversionError{node.Mark(),
                              "\"" + text + "\" is not a valid !!" + std::string(type)};
      }
      return resolved;
    }
    // "!" (quoted scalars) and local tags: the text as written.
    return text;
  }

  size_t nodes_ = 0;
  size_t bytes_ = 0;
};

}  // namespace

std::optional<nlohmann::json> YamlToJson(const YAML::Node& node, Diagnostic* error) {
  try {
    Converter converter;
    return converter.Convert(node, 0);
  } catch (const ConversionError& e) {
    if (error != nullptr) {
      error->message = "invalid YAML: " + e.message;
      if (!e.mark.is_null()) {
        error->line = e.mark.line + 1;
        error->column = e.mark.column + 1;
      }
    }
  } catch (const YAML::Exception& e) {
    if (error != nullptr) error->message = "invalid YAML: " + e.msg;
  } catch (const std::exception& e) {
    // Not expected (nlohmann and the allocator): still a value, never an escaping exception.
    if (error != nullptr) error->message = std::string("invalid YAML: ") + e.what();
  }
  return std::nullopt;
}

}  // namespace hybridai
