// base64: decoding arbitrary text never crashes; what decodes re-encodes and decodes to the
// same bytes, and any bytes round-trip through encoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "runtime/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hybridai::runtime;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  if (auto decoded = Base64Decode(bytes)) {
    auto again = Base64Decode(Base64Encode(*decoded));
    if (!again || *again != *decoded) std::abort();
  }
  auto round = Base64Decode(Base64Encode(bytes));
  if (!round || *round != bytes) std::abort();
  return 0;
}
