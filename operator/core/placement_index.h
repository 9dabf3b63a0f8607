// The fleet as the placement engine searches it: clusters and pools in name order with their
// strings interned to small integers (vendor, model, region, provider), their readiness,
// capacity, rates, scores and failure-domain ids precomputed once per run, so that deciding
// one workload is a scan of compact rows with no string work. Immutable after construction;
// safe to read from several threads. Points into the PlacementInput, which must outlive it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/cost_model.h"
#include "core/placement_input.h"
#include "core/placement_scoring.h"

namespace hybridai {

inline constexpr int kTopologyKeys = 5;  // Provider, Location, Region, Cluster, Pool

struct ClusterRow {
  const api::MemberCluster* cluster = nullptr;
  int location = 0;        // api::Location
  int classification = 0;  // api::DataClassification
  int64_t latencyMs = 0;
  int32_t region = -1;
  int32_t provider = -1;
  bool noSchedule = false;
  bool noExecute = false;
  bool ready = true;
  bool failed = false;
};

struct PoolRow {
  const api::GPUPool* pool = nullptr;
  int32_t cluster = -1;  // index into clusters(); -1: the named MemberCluster is absent
  int32_t vendor = -1;
  int32_t model = -1;
  int64_t memoryGiB = 0;
  bool spot = false;
  bool ready = true;
  bool failed = false;
  int64_t capacity = 0;
  int64_t reserved = 0;
  PoolRates rates;
  PoolScore score;
  std::array<int32_t, kTopologyKeys> domain{};  // failure-domain id per api::TopologyKey
};

class FleetIndex {
 public:
  explicit FleetIndex(const PlacementInput& input);

  const std::vector<ClusterRow>& clusters() const { return clusters_; }
  const std::vector<PoolRow>& pools() const { return pools_; }

  // -1 when no pool/cluster in the fleet uses the string.
  int32_t VendorId(const std::string& s) const { return Find(vendors_, s); }
  int32_t ModelId(const std::string& s) const { return Find(models_, s); }
  int32_t RegionId(const std::string& s) const { return Find(regions_, s); }
  // Index of the pool / cluster with that name, -1 when absent.
  int32_t PoolByName(const std::string& name) const { return Find(poolByName_, name); }
  int32_t ClusterByName(const std::string& name) const { return Find(clusterByName_, name); }

 private:
  using Interned = std::unordered_map<std::string, int32_t>;
  static int32_t Find(const Interned& m, const std::string& s) {
    auto it = m.find(s);
    return it == m.end() ? -1 : it->second;
  }
  static int32_t Intern(Interned& m, const std::string& s) {
    return m.emplace(s, static_cast<int32_t>(m.size())).first->second;
  }

  std::vector<ClusterRow> clusters_;
  std::vector<PoolRow> pools_;
  Interned vendors_, models_, regions_, providers_, poolByName_, clusterByName_;
};

// Readiness from a Ready condition: False means not ready; absent or Unknown means ready.
bool ReadyFromConditions(const std::vector<api::Condition>& conditions);

// The accelerators a pool offers: status capacity when it has a status, else spec, else 0.
int64_t PoolCapacity(const api::GPUPool& pool);

}  // namespace hybridai
