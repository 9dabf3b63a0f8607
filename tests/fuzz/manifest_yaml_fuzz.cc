// Manifest bytes as YAML through decoding, validation and planning: any input must end in
// values (objects, diagnostics, a plan), never a crash, a sanitizer report or an exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/manifest_loader.h"
#include "core/placement_engine.h"

namespace {

hybridai::PlacementInput InputOf(const hybridai::Manifests& m) {
  hybridai::PlacementInput input;
  for (const auto& c : m.clusters) input.clusters.push_back({c.object, {}, false});
  for (const auto& p : m.pools) input.pools.push_back({p.object, {}, false, 0});
  for (const auto& b : m.budgets) input.budgets.push_back({b.object, {}, {}});
  for (const auto& w : m.workloads) input.workloads.push_back(w.object);
  return input;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  hybridai::LoadResult loaded = hybridai::LoadManifestsFromString(text, "fuzz.yaml");
  for (const auto& d : loaded.diagnostics) (void)d.ToString();
  if (!loaded.HasErrors()) (void)hybridai::PlanPlacements(InputOf(loaded.manifests));
  return 0;
}
