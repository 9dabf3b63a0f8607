// The shapes a plan can take once the fitting pools of one workload are known: one pool,
// several pools of one cluster, Spread over failure domains, ActivePassive. Works on a
// candidate list the engine fills per workload; reuses its buffers. Not thread-safe.
//
// Rules (the engine's documented behaviour):
// - Training is a gang: all workers in ONE pool or none (allowSplit = false).
// - Inference and Batch take the best single pool that fits every replica; when none does,
//   the best cluster whose fitting pools together do, filled best pool first.
// - Spread: `replicas` over at least minDomains distinct topologyKey values, the fewest
//   domains (>= minDomains, best first) with room, levelled as evenly as capacity allows;
//   leftovers go to the better domains. Within a domain, pools fill best first.
// - Tiers (spec.placement.tiers): a pool's key is biased by its tier, so every shape above
//   prefers the first tier; Inference/Batch without redundancy fill tiers in turn (Tiered).
// - ActivePassive: active replicas placed as for no redundancy (so in one domain), a standby
//   of the same size likewise in the best other domain; neither side is split when
//   topologyKey is Pool (a side must stay in one domain).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/placement_index.h"

namespace hybridai {

struct Candidate {
  int32_t pool = 0;
  int64_t key = 0;        // score key: lower is better
  int64_t free = 0;       // free accelerators now
  bool activeOk = false;  // also within the workload's limits and Deny budgets
  int32_t tier = 0;       // spec.placement.tiers index of the pool's cluster (0 without tiers)
};

struct Part {
  int32_t pool = 0;
  int64_t replicas = 0;
};

// Restricts a search to one failure domain, or to all but one; and optionally to one tier.
struct DomainFilter {
  enum Mode { kAny, kOnly, kExcept } mode = kAny;
  int32_t domain = 0;
  int32_t tier = -1;  // -1: any tier
  bool Allows(int32_t d) const {
    return mode == kAny || (mode == kOnly ? d == domain : d != domain);
  }
  bool AllowsTier(int32_t t) const { return tier < 0 || t == tier; }
};

class PlanSearch {
 public:
  PlanSearch(const FleetIndex& fleet, const std::vector<Candidate>& candidates, int64_t count,
             int topologyKey)
      : fleet_(fleet), candidates_(candidates), count_(count), key_(topologyKey) {}

  // One pool, or (allowSplit) pools of one cluster. standby: ignore activeOk (a standby
  // costs nothing and draws nothing).
  bool Group(int64_t replicas, bool allowSplit, DomainFilter filter, bool standby,
             std::vector<Part>& out);
  bool Spread(int64_t replicas, int64_t minDomains, std::vector<Part>& out, std::string& detail);
  bool ActivePassive(int64_t replicas, bool allowSplit, std::vector<Part>& active,
                     std::vector<Part>& standby, std::string& detail);
  // Inference/Batch over `tiers` preference tiers (core/placement_tiers.cc): tier 0 takes as
  // many replicas as its free capacity allows (one pool, else one cluster, else its best pools
  // in turn), the remainder overflows to tier 1, and so on. False when all tiers together
  // cannot hold every replica.
  bool Tiered(int64_t replicas, int32_t tiers, std::vector<Part>& out);

  int32_t DomainOf(int32_t pool) const { return fleet_.pools()[pool].domain[key_]; }

 private:
  const FleetIndex& fleet_;
  const std::vector<Candidate>& candidates_;
  int64_t count_;
  int key_;
  std::vector<Candidate> scratch_;
  struct DomainSlot {
    int32_t domain = 0;
    int64_t capacity = 0;  // replicas that fit
    int64_t bestKey = 0;
    int32_t bestPool = 0;
    size_t begin = 0, end = 0;  // range in scratch_
    int64_t assigned = 0;
  };
  // Groups `scratch_` (sorted by domain, key, pool) into domains_, best domain first.
  void CollectDomains();
  std::vector<DomainSlot> domains_;
};

const char* TopologyKeyName(int key);

}  // namespace hybridai
