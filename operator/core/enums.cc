// Out-of-line helpers for core/enums.h.
#include "core/enums.h"

namespace hybridai::api {

std::string JoinNames(std::span<const std::string_view> names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

}  // namespace hybridai::api
