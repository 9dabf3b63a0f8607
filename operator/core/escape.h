// Makes text that came from input (manifests, API servers, kubeconfigs) safe to print on one
// line: control characters, invalid UTF-8 and line/bidi separators become visible escapes, so
// no input can forge a line of output or move the cursor. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace hybridai {

// Escapes, kubectl-style: "\n", "\r", "\t"; other C0 bytes and DEL as "\x1b"; C1 controls,
// U+2028/U+2029 and bidirectional overrides as "\u0085"; bytes that are not valid UTF-8 as
// "\xff". Everything else (including backslashes and quotes) is kept as is.
std::string EscapeControl(std::string_view text);

// `text` in double quotes with the escapes above plus \" and \\: "a\"b\n".
std::string Quote(std::string_view text);

// True when `text` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace hybridai
