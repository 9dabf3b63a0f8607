#include "controllers/placement_book.h"

namespace hybridai::controllers {

void PlacementBook::Record(const std::string& key, std::vector<api::Placement> placements) {
  std::lock_guard lock(mu_);
  byKey_[key] = std::move(placements);
}

void PlacementBook::Seed(const std::string& key, std::vector<api::Placement> placements) {
  std::lock_guard lock(mu_);
  byKey_.try_emplace(key, std::move(placements));
}

void PlacementBook::Forget(const std::string& key) {
  std::lock_guard lock(mu_);
  byKey_.erase(key);
}

std::optional<std::vector<api::Placement>> PlacementBook::Get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = byKey_.find(key);
  if (it == byKey_.end()) return std::nullopt;
  return it->second;
}

}  // namespace hybridai::controllers
