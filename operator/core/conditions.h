// metav1.Condition bookkeeping with the API conventions: lastTransitionTime changes only when the
// status changes, observedGeneration always follows the object. Pure functions over values.
#pragma once

#include <string>
#include <vector>

#include "core/types.h"

namespace hybridai {

// Sets (or adds) the condition `type`. Returns true when anything changed, so callers can skip a
// status write that would only bump resourceVersion.
bool SetCondition(std::vector<api::Condition>& conditions, const std::string& type,
                  const std::string& status, const std::string& reason, const std::string& message,
                  int64_t observed_generation, const std::string& now_rfc3339);

const api::Condition* FindCondition(const std::vector<api::Condition>& conditions,
                                    const std::string& type);

// True when the condition exists with status "True".
bool IsConditionTrue(const std::vector<api::Condition>& conditions, const std::string& type);

}  // namespace hybridai
