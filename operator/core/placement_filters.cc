#include "core/placement_filters.h"

#include <algorithm>

#include "core/placement_tiers.h"

namespace hybridai {

bool SelectorMatches(const api::LabelSelector& selector,
                     const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector.matchLabels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const api::LabelSelectorRequirement& r : selector.matchExpressions) {
    auto it = labels.find(r.key);
    const bool present = it != labels.end();
    const bool listed =
        present && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    if (r.op == "In") {
      if (!listed) return false;
    } else if (r.op == "NotIn") {
      if (listed) return false;
    } else if (r.op == "Exists") {
      if (!present) return false;
    } else if (r.op == "DoesNotExist") {
      if (present) return false;
    } else {
      return false;
    }
  }
  return true;
}

void WorkloadFilter::Compile(const FleetIndex& fleet, const api::AIWorkload& workload) {
  const api::AIWorkloadSpec& spec = workload.spec;
  const api::PlacementPolicy& p = spec.placement;

  auto intern = [](const std::vector<std::string>& names, std::vector<int32_t>& ids,
                   auto&& lookup) {
    ids.clear();
    for (const std::string& n : names) {
      const int32_t id = lookup(n);
      if (id >= 0) ids.push_back(id);
    }
  };
  anyVendor_ = spec.accelerators.vendors.empty();
  anyModel_ = spec.accelerators.models.empty();
  intern(spec.accelerators.vendors, vendors_,
         [&](const std::string& s) { return fleet.VendorId(s); });
  intern(spec.accelerators.models, models_, [&](const std::string& s) { return fleet.ModelId(s); });
  intern(p.regions, regions_, [&](const std::string& s) { return fleet.RegionId(s); });
  const bool anyRegion = p.regions.empty();
  minMemoryGiB_ = spec.accelerators.minMemoryGiB;
  spotNever_ = p.spot == api::SpotPolicy::Never;

  unsigned locationMask = 0;
  for (api::Location l : p.locations) locationMask |= 1u << static_cast<int>(l);
  if (p.locations.empty()) locationMask = ~0u;
  const int wantClass = static_cast<int>(p.dataClassification);
  const bool selectorEmpty = p.clusterSelector.Empty();

  const auto& clusters = fleet.clusters();
  clusterNew_.resize(clusters.size());
  clusterKeep_.resize(clusters.size());
  clusterTier_.resize(clusters.size());
  tiered_ = !p.tiers.empty();
  for (size_t i = 0; i < clusters.size(); ++i) {
    const ClusterRow& c = clusters[i];
    clusterTier_[i] = tiered_ ? FirstMatchingTier(fleet, c, p.tiers) : 0;
    Reason r = Reason::kNone;
    if (!(locationMask & (1u << c.location))) {
      r = Reason::kLocationNotAllowed;
    } else if (c.classification < wantClass) {
      r = Reason::kDataClassification;
    } else if (p.maxLatencyMs && c.latencyMs > *p.maxLatencyMs) {
      r = Reason::kLatencyTooHigh;
    } else if (!anyRegion && !Contains(regions_, c.region)) {
      r = Reason::kRegionNotAllowed;
    } else if (!selectorEmpty && !SelectorMatches(p.clusterSelector, c.cluster->metadata.labels)) {
      r = Reason::kClusterSelectorMismatch;
    } else if (clusterTier_[i] < 0) {
      r = Reason::kNotInAnyTier;
    } else if (c.noExecute) {
      r = Reason::kClusterTaintedNoExecute;
    }
    clusterKeep_[i] = r == Reason::kNone && !c.failed;
    if (r == Reason::kNone) {
      if (c.noSchedule) {
        r = Reason::kClusterTaintedNoSchedule;
      } else if (c.failed) {
        r = Reason::kClusterFailed;
      } else if (!c.ready) {
        r = Reason::kClusterNotReady;
      }
    }
    clusterNew_[i] = r;
  }
}

}  // namespace hybridai
