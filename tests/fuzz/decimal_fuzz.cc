// Decimal parsing, printing and saturating arithmetic: whatever parses prints back to a value
// that parses to the same number; arithmetic never traps.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/decimal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool negative : {false, true}) {
    auto d = hybridai::Decimal::Parse(text, negative);
    if (!d) continue;
    auto again = hybridai::Decimal::Parse(d->ToString(), true);
    if (!again || *again != *d) std::abort();
    const hybridai::Decimal one = hybridai::Decimal::FromInt(3);
    (void)(*d + *d), (void)(*d - one), (void)(*d * *d), (void)(*d / *d), (void)(*d * int64_t{-7});
    (void)d->Round(2), (void)d->RoundToInt();
  }
  return 0;
}
