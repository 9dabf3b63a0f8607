#include "core/conditions.h"

#include <algorithm>

namespace hybridai {

bool SetCondition(std::vector<api::Condition>& conditions, const std::string& type,
                  const std::string& status, const std::string& reason, const std::string& message,
                  int64_t observed_generation, const std::string& now_rfc3339) {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const api::Condition& c) { return c.type == type; });
  if (it == conditions.end()) {
    conditions.push_back({type, status, observed_generation, now_rfc3339, reason, message});
    return true;
  }
  bool changed = false;
  if (it->status != status) {
    it->status = status;
    it->lastTransitionTime = now_rfc3339;
    changed = true;
  }
  if (it->reason != reason || it->message != message ||
      it->observedGeneration != observed_generation) {
    it->reason = reason;
    it->message = message;
    it->observedGeneration = observed_generation;
    changed = true;
  }
  return changed;
}

const api::Condition* FindCondition(const std::vector<api::Condition>& conditions,
                                    const std::string& type) {
  for (const auto& c : conditions)
    if (c.type == type) return &c;
  return nullptr;
}

bool IsConditionTrue(const std::vector<api::Condition>& conditions, const std::string& type) {
  const api::Condition* c = FindCondition(conditions, type);
  return c != nullptr && c->status == "True";
}

}  // namespace hybridai
