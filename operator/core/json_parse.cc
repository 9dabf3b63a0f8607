// A SAX handler in front of nlohmann's DOM builder: counts depth, tracks keys per object (only
// when asked), and records the first error instead of throwing.
#include "core/json_parse.h"

#include <set>
#include <vector>

namespace hybridai {
namespace {

using nlohmann::json;
using DomParser = nlohmann::detail::json_sax_dom_parser<json>;

class BoundedSax {
 public:
  BoundedSax(json* root, const JsonParseOptions& options, JsonParseError* error)
      : dom_(*root, /*allow_exceptions=*/false), options_(options), error_(error) {}

  bool null() { return Value() && dom_.null(); }
  bool boolean(bool v) { return Value() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return Value() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return Value() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& s) {
    return Value() && dom_.number_float(v, s);
  }
  bool string(std::string& v) { return Value() && dom_.string(v); }
  bool binary(json::binary_t& v) { return Value() && dom_.binary(v); }

  bool start_object(std::size_t n) { return Value() && Open(true) && dom_.start_object(n); }
  bool key(std::string& k) {
    Frame& f = stack_.back();
    f.key = k;
    if (options_.rejectDuplicateKeys && !f.keys.insert(k).second) {
      return Fail("duplicate key " + json(k).dump(-1, ' ', false, json::error_handler_t::replace),
                  Path());
    }
    return dom_.key(k);
  }
  bool end_object() {
    stack_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return Value() && Open(false) && dom_.start_array(n); }
  bool end_array() {
    stack_.pop_back();
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) {
    std::string what = ex.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..."
    size_t colon = what.find(": ", what.find("error"));
    if (what.find("parse error") != std::string::npos && colon != std::string::npos) {
      what = what.substr(colon + 2);
    } else if (size_t bracket = what.find("] "); bracket != std::string::npos) {
      what = what.substr(bracket + 2);  // out_of_range.406: "number overflow parsing '1e999'"
    }
    if (error_ != nullptr && !failed_) {
      error_->message = what;
      error_->byte = position;
    }
    failed_ = true;
    return false;
  }

  bool failed() const { return failed_ || dom_.is_errored(); }

 private:
  struct Frame {
    bool object = false;
    std::string key;
    size_t index = 0;
    std::set<std::string> keys;
  };

  // A value begins: count it as the next element of an enclosing array.
  bool Value() {
    if (!stack_.empty() && !stack_.back().object) ++stack_.back().index;
    return true;
  }
  bool Open(bool object) {
    if (static_cast<int>(stack_.size()) >= options_.maxDepth) {
      return Fail("nesting deeper than " + std::to_string(options_.maxDepth), "");
    }
    stack_.push_back(Frame{object, {}, 0, {}});
    return true;
  }
  std::string Path() const {
    std::string p;
    for (const Frame& f : stack_) {
      if (f.object) {
        p += (p.empty() ? "" : ".") + f.key;
      } else {
        p += "[" + std::to_string(f.index == 0 ? 0 : f.index - 1) + "]";
      }
    }
    return p;
  }
  bool Fail(std::string message, std::string path) {
    if (error_ != nullptr && !failed_) {
      error_->message = std::move(message);
      error_->path = std::move(path);
    }
    failed_ = true;
    return false;
  }

  DomParser dom_;
  const JsonParseOptions& options_;
  JsonParseError* error_;
  std::vector<Frame> stack_;
  bool failed_ = false;
};

}  // namespace

std::optional<nlohmann::json> ParseJsonBounded(std::string_view text, JsonParseError* error,
                                               const JsonParseOptions& options) {
  json root;
  BoundedSax sax(&root, options, error);
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const std::exception& ex) {
    // The SAX path reports through parse_error; anything else (bad_alloc) lands here.
    if (error != nullptr && error->message.empty()) error->message = ex.what();
    ok = false;
  }
  if (!ok || sax.failed()) {
    if (error != nullptr && error->message.empty()) error->message = "malformed JSON";
    return std::nullopt;
  }
  return root;
}

}  // namespace hybridai
