// One watch-stream line as a member API server could send it: an event or a Decode error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/kube_watch_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  auto ev = hybridai::runtime::ParseWatchLine(line);
  if (!ev.ok()) (void)ev.error().ToString();
  return 0;
}
