// RFC 3339: whatever parses formats back to a timestamp that parses to the same instant (to
// the second), and the runtime's conversion to system_clock never overflows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/rfc3339.h"
#include "runtime/exec_credential.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = hybridai::ParseRfc3339(text);
  (void)hybridai::runtime::Rfc3339ToTimePoint(text);
  if (!t) return 0;
  // Offsets can move an instant just outside 0000..9999, where formatting clamps.
  if (*t >= -62167219200 && *t <= 253402300799) {
    auto back = hybridai::ParseRfc3339(hybridai::FormatRfc3339(*t));
    if (!back || *back != *t) std::abort();
  }
  return 0;
}
