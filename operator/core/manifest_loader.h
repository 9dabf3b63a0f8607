// Loads hybridai.io manifests for the offline planner: files, directories (recursive, *.yaml,
// *.yml, *.json in sorted order) and stdin ("-"); multi-document YAML, JSON, kind: List.
// Every object is decoded, validated (core/validation.h) and checked against the others
// (duplicates, dangling pool->cluster references, mixed currencies); all problems are
// reported, each naming file, document and field. Reads files; otherwise pure. Thread-safe
// (no shared state).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/placement_input.h"
#include "core/types.h"

namespace hybridai {

// Where an object came from: "samples/pools.yaml" document 2 (0-based).
struct SourceRef {
  std::string file;
  int docIndex = -1;
  std::string ToString() const {  // "samples/pools.yaml[2]"
    return docIndex < 0 ? file : file + "[" + std::to_string(docIndex) + "]";
  }
};

template <class T>
struct Loaded {
  T object;
  SourceRef source;
};

// The valid objects of the input, in input order. Objects with any Error are left out.
struct Manifests {
  std::vector<Loaded<api::MemberCluster>> clusters;
  std::vector<Loaded<api::GPUPool>> pools;
  std::vector<Loaded<api::AIWorkload>> workloads;
  std::vector<Loaded<api::Budget>> budgets;
};

struct LoadResult {
  Manifests manifests;
  // Severity::Note, one per object of another API group that was skipped:
  // `samples/x.yaml[1]: skipping apps/v1 Deployment "web": not a hybridai.io kind`.
  std::vector<Diagnostic> notes;
  // Errors and warnings, in input order, set-level ones last.
  std::vector<Diagnostic> diagnostics;

  bool HasErrors() const { return hybridai::HasErrors(diagnostics); }
};

// Paths are files, directories or "-" (stdin, labelled "<stdin>"). A named file is read
// whatever its extension (JSON when it ends in .json, YAML otherwise).
LoadResult LoadManifests(const std::vector<std::string>& paths);

// Loads YAML text (one or more documents) as if read from a file called `file_label`.
LoadResult LoadManifestsFromString(std::string_view text, const std::string& file_label);

// The set-level checks alone: duplicate names per kind (and namespace), pools whose
// spec.cluster names no cluster of `manifests`, and (warning) more than one currency among the
// pools. Offending objects (the later duplicate, the dangling pool) are removed.
void CheckManifestSet(Manifests* manifests, std::vector<Diagnostic>* diagnostics);

// The engine's input for an offline plan: the manifests are the whole fleet, every cluster and
// pool counts as ready (unless a status in the manifests says otherwise), nothing else holds
// accelerators, and budgets are projected over a whole nominal period.
PlacementInput PlacementInputFromManifests(const Manifests& manifests);

}  // namespace hybridai
