// Standard base64 (RFC 4648, with padding) as used by kubeconfig `*-data` fields and Secret data.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

namespace hybridai::runtime {

std::string Base64Encode(const std::string& bytes);
// nullopt on any character outside the alphabet or a bad length/padding. Whitespace (line
// breaks in wrapped PEM-ish values) is ignored.
std::optional<std::string> Base64Decode(const std::string& text);

}  // namespace hybridai::runtime
