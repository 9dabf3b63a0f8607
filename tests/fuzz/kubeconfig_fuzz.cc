// kubeconfig parsing under both policies: a hostile kubeconfig (from a Secret) is an error
// value, never an exception or a crash, and the untrusted policy never yields a file path or
// (without the flag) an exec plugin.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "runtime/kubeconfig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hybridai::runtime;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto untrusted = ParseKubeconfig(text, "", "fuzz", "", KubeconfigPolicy::Untrusted(false));
  if (untrusted.ok() && (untrusted.value().exec || !untrusted.value().tokenFile.empty())) {
    std::abort();
  }
  (void)ParseKubeconfig(text, "", "fuzz", "", KubeconfigPolicy::Untrusted(true));
  (void)ParseKubeconfig(text, "", "fuzz", "/nonexistent");
  return 0;
}
