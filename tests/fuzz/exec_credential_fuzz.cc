// A credential plugin's stdout: a credential or an Unauthorized error, nothing else.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/exec_credential.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const char* version : {"client.authentication.k8s.io/v1", ""}) {
    auto cred = hybridai::runtime::ParseExecCredential(text, version);
    if (!cred.ok()) (void)cred.error().ToString();
  }
  return 0;
}
