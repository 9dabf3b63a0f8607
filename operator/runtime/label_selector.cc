// Label-selector parsing and matching; see label_selector.h.
#include "runtime/label_selector.h"

#include <algorithm>
#include <cctype>

namespace hybridai::runtime {

namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Splits on commas outside parentheses: `a in (x,y),b` is two terms.
std::vector<std::string> SplitTerms(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(Trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(Trim(cur));
  return out;
}

bool ValidKey(const std::string& k) {
  if (k.empty()) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

ApiError Bad(const std::string& text, const std::string& why) {
  ApiError e;
  e.reason = ApiError::Reason::BadRequest;
  e.httpStatus = 400;
  e.message = "labelSelector \"" + text + "\": " + why;
  return e;
}

// `key in (a, b)` / `key notin (a)`; returns false when `term` has neither form.
bool ParseSet(const std::string& term, LabelSelector::Requirement& req, std::string& why) {
  auto open = term.find('(');
  if (open == std::string::npos) return false;
  std::string head = Trim(term.substr(0, open));
  auto space = head.find_last_of(" \t");
  if (space == std::string::npos) return false;
  std::string op = Trim(head.substr(space + 1));
  if (op != "in" && op != "notin") return false;
  req.key = Trim(head.substr(0, space));
  req.op = op == "in" ? LabelSelector::Op::In : LabelSelector::Op::NotIn;
  if (term.back() != ')') {
    why = "missing ')' in \"" + term + "\"";
    return true;
  }
  std::string inner = term.substr(open + 1, term.size() - open - 2);
  size_t start = 0;
  while (start <= inner.size()) {
    size_t comma = inner.find(',', start);
    if (comma == std::string::npos) comma = inner.size();
    std::string v = Trim(inner.substr(start, comma - start));
    if (!v.empty()) req.values.push_back(v);
    start = comma + 1;
  }
  if (req.values.empty()) why = "empty value set in \"" + term + "\"";
  return true;
}

}  // namespace

Result<LabelSelector> LabelSelector::Parse(const std::string& text) {
  LabelSelector sel;
  if (Trim(text).empty()) return sel;
  for (const std::string& term : SplitTerms(text)) {
    if (term.empty()) return Bad(text, "empty term");
    Requirement req;
    std::string why;
    if (ParseSet(term, req, why)) {
      if (!why.empty()) return Bad(text, why);
    } else if (term[0] == '!') {
      req.key = Trim(term.substr(1));
      req.op = Op::DoesNotExist;
    } else if (auto p = term.find("!="); p != std::string::npos) {
      req.key = Trim(term.substr(0, p));
      req.op = Op::NotEquals;
      req.values = {Trim(term.substr(p + 2))};
    } else if (auto q = term.find('='); q != std::string::npos) {
      bool dbl = q + 1 < term.size() && term[q + 1] == '=';
      req.key = Trim(term.substr(0, q));
      req.op = Op::Equals;
      req.values = {Trim(term.substr(q + (dbl ? 2 : 1)))};
    } else {
      req.key = term;
      req.op = Op::Exists;
    }
    if (!ValidKey(req.key)) return Bad(text, "invalid key in \"" + term + "\"");
    sel.requirements_.push_back(std::move(req));
  }
  return sel;
}

LabelSelector LabelSelector::FromMap(const std::map<std::string, std::string>& matchLabels) {
  LabelSelector sel;
  for (const auto& [k, v] : matchLabels) sel.requirements_.push_back({k, Op::Equals, {v}});
  return sel;
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    auto in = [&] {
      return has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    };
    switch (r.op) {
      case Op::Equals:
      case Op::In:
        if (!in()) return false;
        break;
      case Op::NotEquals:
      case Op::NotIn:
        if (in()) return false;
        break;
      case Op::Exists:
        if (!has) return false;
        break;
      case Op::DoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

bool LabelSelector::MatchesObject(const nlohmann::json& object) const {
  if (requirements_.empty()) return true;
  return Matches(LabelsOf(object));
}

std::map<std::string, std::string> LabelsOf(const nlohmann::json& object) {
  std::map<std::string, std::string> out;
  if (!object.is_object()) return out;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return out;
  auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return out;
  for (const auto& [k, v] : labels->items()) {
    if (v.is_string()) out.emplace(k, v.get<std::string>());
  }
  return out;
}

}  // namespace hybridai::runtime
