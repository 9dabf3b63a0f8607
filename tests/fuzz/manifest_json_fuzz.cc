// Manifest bytes as a .json file through decoding, validation and planning (the JSON path has
// its own parser: depth, duplicate keys, number overflow).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/manifest_loader.h"
#include "core/placement_engine.h"

namespace {

// The loader reads JSON from files only (by extension): one private file per process.
const std::string& Path() {
  static const std::string path = "/tmp/hybridai-fuzz-" + std::to_string(getpid()) + ".json";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FILE* f = std::fopen(Path().c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  hybridai::LoadResult loaded = hybridai::LoadManifests({Path()});
  for (const auto& d : loaded.diagnostics) (void)d.ToString();
  if (!loaded.HasErrors())
    (void)hybridai::PlanPlacements(hybridai::PlacementInputFromManifests(loaded.manifests));
  return 0;
}
