// The operator's memory of the placements it decided and has not yet seen in the workloads'
// status (like the kube-scheduler's assume cache), so two workers never hand out the same free
// accelerators. Decisions are serialised by PlanMutex(). Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/types.h"

namespace hybridai::controllers {

class PlacementBook {
 public:
  void Record(const std::string& key, std::vector<api::Placement> placements);
  void Forget(const std::string& key);
  std::optional<std::vector<api::Placement>> Get(const std::string& key) const;
  // Records the placements found in a workload's status unless a decision is already recorded
  // (a decision is newer than any status the cache can show).
  void Seed(const std::string& key, std::vector<api::Placement> placements);

  // Accelerators held per pool (Active and Standby) by every workload but those `skip` accepts.
  template <typename Skip>
  std::map<std::string, int64_t> AllocatedByPool(Skip skip) const {
    std::lock_guard lock(mu_);
    std::map<std::string, int64_t> out;
    for (const auto& [key, placements] : byKey_) {
      if (skip(key)) continue;
      for (const auto& p : placements) out[p.pool] += p.accelerators;
    }
    return out;
  }

  // Held while a placement is decided and recorded.
  std::mutex& PlanMutex() { return planMu_; }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<api::Placement>> byKey_;
  std::mutex planMu_;
};

}  // namespace hybridai::controllers
