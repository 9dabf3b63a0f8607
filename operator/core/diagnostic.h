// Diagnostic: one problem found in user input or in an object read from the API server, as a
// value that names where it is (file, document, object, field) and what was wrong.
// Plain value type; thread-compatible.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "core/escape.h"

namespace hybridai {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  std::string file;       // empty for objects that did not come from a file
  int docIndex = -1;      // 0-based YAML document index in `file`; -1 when not applicable
  int line = 0;           // 1-based; 0 when unknown (only malformed input knows its line)
  int column = 0;         // 1-based; 0 when unknown
  std::string objectRef;  // "namespace/name", or "name" for cluster-scoped kinds
  std::string path;       // field path: "spec.redundancy.minDomains", "spec.taints[0].effect"
  std::string message;    // what was expected and what was found
  Severity severity = Severity::Error;

  // "samples/bad.yaml[2] team-a/llama: spec.replicas: must be >= 0, got -3". Warnings start
  // with "warning: ", notes with nothing extra. Every part is escaped (core/escape.h): input
  // can put newlines or escape sequences in names and keys, and must not forge output lines.
  std::string ToString() const {
    std::string where = file;
    if (!file.empty() && docIndex >= 0) where += "[" + std::to_string(docIndex) + "]";
    if (line > 0) {
      where += (where.empty() ? "" : " ") + std::string("line ") + std::to_string(line);
      if (column > 0) where += ", column " + std::to_string(column);
    }
    if (!objectRef.empty()) where += (where.empty() ? "" : " ") + objectRef;
    std::string out = severity == Severity::Warning ? "warning: " : "";
    std::string sep;
    for (const std::string* part :
         std::initializer_list<const std::string*>{&where, &path, &message}) {
      if (part->empty()) continue;
      out += sep + EscapeControl(*part);
      sep = ": ";
    }
    return out;
  }
};

inline bool HasErrors(const std::vector<Diagnostic>& diags) {
  for (const auto& d : diags) {
    if (d.severity == Severity::Error) return true;
  }
  return false;
}

inline Diagnostic MakeError(std::string object_ref, std::string path, std::string message) {
  Diagnostic d;
  d.objectRef = std::move(object_ref);
  d.path = std::move(path);
  d.message = std::move(message);
  return d;
}

}  // namespace hybridai
