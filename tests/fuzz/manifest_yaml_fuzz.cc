// Manifest bytes as YAML through decoding, validation and planning: any input must end in
// values (objects, diagnostics, a plan), never a crash, a sanitizer report or an exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/manifest_loader.h"
#include "core/placement_engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  hybridai::LoadResult loaded = hybridai::LoadManifestsFromString(text, "fuzz.yaml");
  for (const auto& d : loaded.diagnostics) (void)d.ToString();
  if (!loaded.HasErrors())
    (void)hybridai::PlanPlacements(hybridai::PlacementInputFromManifests(loaded.manifests));
  return 0;
}
