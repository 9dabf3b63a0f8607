#include "core/placement_index.h"

#include <algorithm>
#include <numeric>

namespace hybridai {

bool ReadyFromConditions(const std::vector<api::Condition>& conditions) {
  for (const api::Condition& c : conditions) {
    if (c.type == "Ready") return c.status != "False";
  }
  return true;
}

int64_t PoolCapacity(const api::GPUPool& pool) {
  if (pool.status) return pool.status->capacityAccelerators;
  return pool.spec.capacity.accelerators.value_or(0);
}

FleetIndex::FleetIndex(const PlacementInput& input) {
  // Name order makes every later scan, and so every tie, independent of input order.
  std::vector<size_t> corder(input.clusters.size());
  std::iota(corder.begin(), corder.end(), 0);
  std::stable_sort(corder.begin(), corder.end(), [&](size_t a, size_t b) {
    return input.clusters[a].cluster.metadata.name < input.clusters[b].cluster.metadata.name;
  });
  clusters_.reserve(corder.size());
  for (size_t i : corder) {
    const ClusterInput& in = input.clusters[i];
    const api::MemberCluster& mc = in.cluster;
    if (clusterByName_.count(mc.metadata.name)) continue;  // duplicate name: first wins
    ClusterRow row;
    row.cluster = &mc;
    row.location = static_cast<int>(mc.spec.location);
    row.classification = static_cast<int>(mc.spec.maxDataClassification);
    row.latencyMs = mc.spec.latencyMs;
    row.region = Intern(regions_, mc.spec.region);
    row.provider = Intern(providers_, mc.spec.provider);
    for (const api::ClusterTaint& t : mc.spec.taints) {
      (t.effect == api::TaintEffect::NoExecute ? row.noExecute : row.noSchedule) = true;
    }
    row.failed = in.failed;
    row.ready = !in.failed && in.ready.value_or(ReadyFromConditions(mc.status.conditions));
    clusterByName_.emplace(mc.metadata.name, static_cast<int32_t>(clusters_.size()));
    clusters_.push_back(row);
  }

  std::vector<size_t> porder(input.pools.size());
  std::iota(porder.begin(), porder.end(), 0);
  std::stable_sort(porder.begin(), porder.end(), [&](size_t a, size_t b) {
    const api::GPUPool& pa = input.pools[a].pool;
    const api::GPUPool& pb = input.pools[b].pool;
    if (pa.spec.cluster != pb.spec.cluster) return pa.spec.cluster < pb.spec.cluster;
    return pa.metadata.name < pb.metadata.name;
  });
  pools_.reserve(porder.size());
  std::vector<ScoreTerms> terms;
  std::vector<bool> spot;
  terms.reserve(porder.size());
  for (size_t i : porder) {
    const PoolInput& in = input.pools[i];
    const api::GPUPool& gp = in.pool;
    if (poolByName_.count(gp.metadata.name)) continue;
    PoolRow row;
    row.pool = &gp;
    row.cluster = Find(clusterByName_, gp.spec.cluster);
    const ClusterRow* c = row.cluster >= 0 ? &clusters_[row.cluster] : nullptr;
    row.vendor = Intern(vendors_, gp.spec.accelerator.vendor);
    row.model = Intern(models_, gp.spec.accelerator.model);
    row.memoryGiB = gp.spec.accelerator.memoryGiB;
    row.spot = gp.spec.pricing.spot;
    row.failed = in.failed;
    row.ready = !in.failed &&
                in.ready.value_or(gp.status ? ReadyFromConditions(gp.status->conditions) : true);
    row.capacity = std::max<int64_t>(0, PoolCapacity(gp));
    row.reserved = std::max<int64_t>(0, in.reservedAccelerators);
    row.rates = RatesOf(gp, c ? c->cluster : nullptr);
    const int32_t self = static_cast<int32_t>(pools_.size());
    row.domain[static_cast<int>(api::TopologyKey::Provider)] = c ? c->provider : -1 - self;
    row.domain[static_cast<int>(api::TopologyKey::Location)] = c ? c->location : -1 - self;
    row.domain[static_cast<int>(api::TopologyKey::Region)] = c ? c->region : -1 - self;
    row.domain[static_cast<int>(api::TopologyKey::Cluster)] =
        row.cluster >= 0 ? row.cluster : -1 - self;
    row.domain[static_cast<int>(api::TopologyKey::Pool)] = self;
    ScoreTerms t;
    t.costPerAcceleratorHour = row.rates.acceleratorHour.ToDouble();
    t.wattsPerAccelerator = row.rates.acceleratorWatts * row.rates.pue.ToDouble();
    t.carbonPerAcceleratorHour = t.wattsPerAccelerator * row.rates.carbonIntensity / 1000.0;
    t.latencyMs = c ? static_cast<double>(c->latencyMs) : 0.0;
    terms.push_back(t);
    spot.push_back(row.spot);
    poolByName_.emplace(gp.metadata.name, self);
    pools_.push_back(row);
  }
  std::vector<PoolScore> scores = ScorePools(terms, spot);
  for (size_t i = 0; i < pools_.size(); ++i) pools_[i].score = scores[i];
}

}  // namespace hybridai
