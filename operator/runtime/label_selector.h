// Kubernetes label-selector strings (`app=web,tier!=db,env in (a,b),!legacy`) parsed once and
// matched against an object's labels; used by the store's queries and the in-memory API server.
// A parsed LabelSelector is immutable: thread-safe to share.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/api_client.h"

namespace hybridai::runtime {

class LabelSelector {
 public:
  enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist };
  struct Requirement {
    std::string key;
    Op op = Op::Exists;
    std::vector<std::string> values;
  };

  // The empty selector: matches everything.
  LabelSelector() = default;
  // Parses the wire syntax; an error names the offending term.
  static Result<LabelSelector> Parse(const std::string& text);
  // Every key=value must match (equality-based, as a matchLabels map).
  static LabelSelector FromMap(const std::map<std::string, std::string>& matchLabels);

  bool Empty() const { return requirements_.empty(); }
  bool Matches(const std::map<std::string, std::string>& labels) const;
  // Matches an object's metadata.labels (absent or malformed labels count as none).
  bool MatchesObject(const nlohmann::json& object) const;
  const std::vector<Requirement>& Requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
};

// metadata.labels of an object as a map; non-string values are skipped.
std::map<std::string, std::string> LabelsOf(const nlohmann::json& object);

}  // namespace hybridai::runtime
