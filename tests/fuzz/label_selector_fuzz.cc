// Label selector strings: parsed or refused, and a parsed one matches without crashing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/label_selector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto sel = hybridai::runtime::LabelSelector::Parse(text);
  if (!sel.ok()) return 0;
  (void)sel.value().Matches({{"app", "web"}, {"tier", "db"}, {text, text}});
  return 0;
}
