#include "core/placement_engine.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include "core/placement_budgets.h"
#include "core/placement_filters.h"
#include "core/placement_index.h"
#include "core/placement_reasons.h"
#include "core/placement_stability.h"
#include "core/placement_strategies.h"
#include "core/placement_tiers.h"
#include "core/saturating.h"

namespace hybridai {
namespace {

// Larger requests than this are rejected before any arithmetic can overflow.
constexpr int64_t kMaxAccelerators = int64_t{1} << 40;

struct Totals {
  PlacementCost cost;
  void Add(const PlacementCost& c) {
    cost.hourlyCost += c.hourlyCost;
    cost.powerWatts = SaturatingAdd(cost.powerWatts, c.powerWatts);
    cost.carbonGramsPerHour = SaturatingAdd(cost.carbonGramsPerHour, c.carbonGramsPerHour);
  }
};

}  // namespace

class PlacementEngine::Impl {
 public:
  explicit Impl(const PlacementInput& input)
      : in_(input), fleet_(input), ledger_(input.budgets), decisions_(input.workloads.size()) {
    const auto& pools = fleet_.pools();
    free_.resize(pools.size());
    committed_.assign(pools.size(), 0);
    standby_.assign(pools.size(), 0);
    for (size_t p = 0; p < pools.size(); ++p) free_[p] = pools[p].capacity - pools[p].reserved;
    order_.resize(input.workloads.size());
    std::iota(order_.begin(), order_.end(), 0);
    std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t b) {
      const api::AIWorkload& wa = input.workloads[a];
      const api::AIWorkload& wb = input.workloads[b];
      if (wa.spec.priority != wb.spec.priority) return wa.spec.priority > wb.spec.priority;
      if (wa.metadata.namespace_ != wb.metadata.namespace_) {
        return wa.metadata.namespace_ < wb.metadata.namespace_;
      }
      return wa.metadata.name < wb.metadata.name;
    });
  }

  void KeepValid() {
    if (keptDone_) return;
    keptDone_ = true;
    for (size_t idx : order_) {
      const api::AIWorkload& w = in_.workloads[idx];
      WorkloadDecision& d = Begin(idx);
      if (!InputError(w).empty()) {
        pending_.push_back(idx);  // reported by Decide
        continue;
      }
      if (w.spec.replicas == 0) {
        d.placed = true;
        d.kept = w.status.placements.empty();
        continue;
      }
      filter_.Compile(fleet_, w);
      const CurrentPlacements cur = JudgeCurrent(fleet_, filter_, w);
      if (!cur.empty && cur.AllValid(w.spec.redundancy.mode) && Fits(cur.active, cur.standby, w) &&
          WithinLimits(cur.active, w).empty()) {
        ledger_.Matching(w, budgets_);
        Commit(idx, cur.active, cur.standby);
        d.kept = true;
        continue;
      }
      pending_.push_back(idx);
    }
  }

  bool PlaceNext() {
    KeepValid();
    if (next_ >= pending_.size()) return false;
    Decide(pending_[next_++]);
    return true;
  }

  PlacementPlan Finish() {
    while (PlaceNext()) {
    }
    PlacementPlan plan;
    plan.decisions = std::move(decisions_);
    std::sort(plan.decisions.begin(), plan.decisions.end(),
              [](const WorkloadDecision& a, const WorkloadDecision& b) {
                return a.namespace_ != b.namespace_ ? a.namespace_ < b.namespace_ : a.name < b.name;
              });
    const auto& pools = fleet_.pools();
    for (size_t p = 0; p < pools.size(); ++p) {
      PoolAllocation a;
      a.name = pools[p].pool->metadata.name;
      a.cluster = pools[p].pool->spec.cluster;
      a.capacity = pools[p].capacity;
      a.allocated = pools[p].reserved + committed_[p];
      a.standby = standby_[p];
      plan.pools.push_back(std::move(a));
    }
    std::sort(plan.pools.begin(), plan.pools.end(),
              [](const PoolAllocation& a, const PoolAllocation& b) { return a.name < b.name; });
    plan.budgets = ledger_.Verdicts();
    return plan;
  }

 private:
  WorkloadDecision& Begin(size_t idx) {
    const api::AIWorkload& w = in_.workloads[idx];
    WorkloadDecision& d = decisions_[idx];
    d.namespace_ = w.metadata.namespace_;
    d.name = w.metadata.name;
    d.totalPools = static_cast<int64_t>(fleet_.pools().size());
    return d;
  }

  // Bad specs (validation's job, but the engine must not trust it) become verdicts.
  static std::string InputError(const api::AIWorkload& w) {
    const auto& s = w.spec;
    if (s.replicas < 0) return "spec.replicas: must be >= 0, got " + std::to_string(s.replicas);
    if (s.accelerators.count < 1) {
      return "spec.accelerators.count: must be >= 1, got " + std::to_string(s.accelerators.count);
    }
    int64_t total = 0;
    if (__builtin_mul_overflow(s.replicas, s.accelerators.count, &total) ||
        total > kMaxAccelerators) {
      return "spec.replicas x spec.accelerators.count: too large";
    }
    return {};
  }

  // Whether the parts fit the free capacity now (parts of one pool add up).
  bool Fits(const std::vector<Part>& active, const std::vector<Part>& standby,
            const api::AIWorkload& w) {
    const int64_t count = w.spec.accelerators.count;
    for (const auto* side : {&active, &standby}) {
      for (const Part& p : *side) free_[p.pool] -= p.replicas * count;
    }
    bool ok = true;
    for (const auto* side : {&active, &standby}) {
      for (const Part& p : *side) ok = ok && free_[p.pool] >= 0;
    }
    for (const auto* side : {&active, &standby}) {
      for (const Part& p : *side) free_[p.pool] += p.replicas * count;
    }
    return ok;
  }

  Totals ActiveTotals(const std::vector<Part>& active, const api::AIWorkload& w) const {
    Totals t;
    for (const Part& p : active) {
      t.Add(PlacementCostOf(fleet_.pools()[p.pool].rates, p.replicas * w.spec.accelerators.count));
    }
    return t;
  }

  // Empty when the active side respects spec.limits; else what it breaks.
  std::string WithinLimits(const std::vector<Part>& active, const api::AIWorkload& w) const {
    const Totals t = ActiveTotals(active, w);
    const api::WorkloadLimits& l = w.spec.limits;
    if (l.maxPowerWatts && t.cost.powerWatts > *l.maxPowerWatts) {
      return "plan draws " + std::to_string(t.cost.powerWatts) + " W, over maxPowerWatts " +
             std::to_string(*l.maxPowerWatts);
    }
    if (l.maxHourlyCost && t.cost.hourlyCost > *l.maxHourlyCost) {
      return "plan costs " + t.cost.hourlyCost.ToString(2) + "/h, over maxHourlyCost " +
             l.maxHourlyCost->ToString(2);
    }
    return {};
  }

  // The first Deny budget that refuses the active side, and which of its limits; none when
  // every one admits it.
  std::optional<BudgetRefusal> WithinBudgets(const std::vector<Part>& active,
                                             const api::AIWorkload& w) const {
    const Totals t = ActiveTotals(active, w);
    for (int32_t b : budgets_) {
      if (!ledger_.IsDeny(b)) continue;
      const BudgetLimit l = ledger_.WouldExceed(b, t.cost);
      if (l != BudgetLimit::kCount) return BudgetRefusal{ledger_.names()[b], l};
    }
    return std::nullopt;
  }

  void Commit(size_t idx, std::vector<Part> active, std::vector<Part> standby) {
    const api::AIWorkload& w = in_.workloads[idx];
    const int64_t count = w.spec.accelerators.count;
    WorkloadDecision& d = decisions_[idx];
    d.placed = true;
    d.placements.clear();
    auto byPool = [](const Part& a, const Part& b) { return a.pool < b.pool; };
    std::sort(active.begin(), active.end(), byPool);
    std::sort(standby.begin(), standby.end(), byPool);
    Totals totals;
    for (const auto* side : {&active, &standby}) {
      const bool isStandby = side == &standby;
      for (const Part& p : *side) {
        const PoolRow& row = fleet_.pools()[p.pool];
        api::Placement out;
        out.cluster = row.pool->spec.cluster;
        out.pool = row.pool->metadata.name;
        out.replicas = p.replicas;
        out.accelerators = p.replicas * count;
        out.role = isStandby ? api::Role::Standby : api::Role::Active;
        if (filter_.tiered()) out.tier = filter_.TierOf(row);
        if (!isStandby) {
          const PlacementCost c = PlacementCostOf(row.rates, out.accelerators);
          out.hourlyCost = c.hourlyCost;
          out.powerWatts = c.powerWatts;
          out.carbonGramsPerHour = c.carbonGramsPerHour;
          totals.Add(c);
        } else {
          standby_[p.pool] += out.accelerators;
        }
        free_[p.pool] -= out.accelerators;
        committed_[p.pool] += out.accelerators;
        d.placements.push_back(std::move(out));
      }
    }
    d.hourlyCost = totals.cost.hourlyCost;
    d.powerWatts = totals.cost.powerWatts;
    d.carbonGramsPerHour = totals.cost.carbonGramsPerHour;
    for (int32_t b : budgets_) ledger_.Add(b, totals.cost);
  }

  // Fills candidates_ with every pool passing the hard checks and tallies the others.
  void Scan(const api::AIWorkload& w, int64_t need, int64_t& fitting) {
    const api::AIWorkloadSpec& spec = w.spec;
    const auto& pools = fleet_.pools();
    const int64_t total = spec.replicas * spec.accelerators.count;
    const bool spotPreferred = spec.placement.spot == api::SpotPolicy::Preferred;
    const bool priced = spec.limits.maxPowerWatts || spec.limits.maxHourlyCost || !deny_.empty();
    tally_.Reset(ledger_.size());
    candidates_.clear();
    fitting = 0;
    for (size_t p = 0; p < pools.size(); ++p) {
      const PoolRow& row = pools[p];
      Reason r = filter_.NewPlacementReason(row);
      if (r == Reason::kNone && free_[p] < need) r = Reason::kInsufficientAccelerators;
      if (r != Reason::kNone) {
        tally_.Add(r);
        continue;
      }
      bool activeOk = true;
      if (priced) {
        const PlacementCost c = PlacementCostOf(row.rates, total);
        if (spec.limits.maxPowerWatts && c.powerWatts > *spec.limits.maxPowerWatts) {
          tally_.Add(Reason::kExceedsMaxPowerWatts);
          activeOk = false;
        } else if (spec.limits.maxHourlyCost && c.hourlyCost > *spec.limits.maxHourlyCost) {
          tally_.Add(Reason::kExceedsMaxHourlyCost);
          activeOk = false;
        } else {
          for (int32_t b : deny_) {
            const BudgetLimit l = ledger_.WouldExceed(b, c);
            if (l != BudgetLimit::kCount) {
              tally_.AddBudget(static_cast<size_t>(b), l);
              activeOk = false;
              break;
            }
          }
        }
      }
      fitting += activeOk;
      const int32_t tier = filter_.TierOf(row);
      candidates_.push_back(
          {static_cast<int32_t>(p),
           TieredKey(ScoreKey(row.score, spec.placement.objective, spotPreferred && row.spot),
                     tier),
           free_[p], activeOk, tier});
    }
  }

  void Decide(size_t idx) {
    const api::AIWorkload& w = in_.workloads[idx];
    WorkloadDecision& d = decisions_[idx];
    const std::string bad = InputError(w);
    if (!bad.empty()) {
      d.message = in_.workloads[idx].metadata.namespace_ + "/" + d.name + ": " + bad;
      return;
    }
    const api::AIWorkloadSpec& spec = w.spec;
    const int64_t count = spec.accelerators.count;
    const bool gang = spec.type == api::WorkloadType::Training;
    const api::RedundancyMode mode = spec.redundancy.mode;
    const int key = static_cast<int>(spec.redundancy.topologyKey);
    const bool allowSplit = !gang && spec.redundancy.topologyKey != api::TopologyKey::Pool;

    filter_.Compile(fleet_, w);
    ledger_.Matching(w, budgets_);
    deny_.clear();
    for (int32_t b : budgets_) {
      if (ledger_.IsDeny(b)) deny_.push_back(b);
    }
    int64_t fitting = 0;
    Scan(w, gang ? spec.replicas * count : count, fitting);
    PlanSearch search(fleet_, candidates_, count, key);

    std::string detail;
    bool ok = false;
    active_.clear();
    standby_parts_.clear();
    keptActive_ = false;
    if (mode == api::RedundancyMode::ActivePassive) {
      ok = Recover(w, search, allowSplit) ||
           search.ActivePassive(spec.replicas, allowSplit, active_, standby_parts_, detail);
    } else if (mode == api::RedundancyMode::Spread) {
      if (gang) {
        detail = "Training is gang-placed in one pool and cannot be spread";
      } else {
        ok = search.Spread(spec.replicas, std::max<int64_t>(1, spec.redundancy.minDomains), active_,
                           detail);
      }
    } else {
      const auto tiers = static_cast<int32_t>(spec.placement.tiers.size());
      // Tiered replicas fill the first tier and overflow; a gang goes whole to the first tier
      // that fits it (tier-biased keys make Group pick exactly that).
      ok = filter_.tiered() && !gang ? search.Tiered(spec.replicas, tiers, active_)
                                     : search.Group(spec.replicas, !gang, {}, false, active_);
      // With no pool passing at all, the tally says everything (but why, for a gang).
      if (!ok && (fitting > 0 || gang)) {
        detail = gang ? "gang: no single pool has room for all " + std::to_string(spec.replicas) +
                            " workers (" + std::to_string(spec.replicas * count) + " accelerators)"
                 : filter_.tiered()
                     ? "insufficient accelerators: the " + std::to_string(tiers) +
                           " placement tiers together have no room for " +
                           std::to_string(spec.replicas) + " replicas of " + std::to_string(count) +
                           " accelerators"
                     : "insufficient accelerators: no pool or cluster has room for " +
                           std::to_string(spec.replicas) + " replicas of " + std::to_string(count) +
                           " accelerators";
      }
    }
    std::optional<BudgetRefusal> planRefused;
    if (ok) {
      detail = WithinLimits(active_, w);
      // A kept active side is running already: Deny stops only new and scale-up placements.
      if (detail.empty() && !keptActive_) {
        planRefused = WithinBudgets(active_, w);
        if (planRefused) detail = "plan " + BudgetRefusalText(*planRefused);
      }
      ok = detail.empty();
    }
    if (ok) {
      Commit(idx, active_, standby_parts_);
      return;
    }
    d.fittingPools = fitting;
    d.reasons = tally_.Counts(ledger_.names());
    d.budgetRefusals = tally_.BudgetRefusals(ledger_.names());
    if (planRefused && std::find(d.budgetRefusals.begin(), d.budgetRefusals.end(), *planRefused) ==
                           d.budgetRefusals.end())
      d.budgetRefusals.push_back(*planRefused);
    d.message = FormatUnschedulable(fitting, d.totalPools, d.reasons, detail);
  }

  // ActivePassive with one side still valid: keep the valid active, or promote the valid
  // standby, and find a new standby elsewhere.
  bool Recover(const api::AIWorkload& w, PlanSearch& search, bool allowSplit) {
    if (w.status.placements.empty()) return false;
    const CurrentPlacements cur = JudgeCurrent(fleet_, filter_, w);
    std::vector<Part> side;
    if (cur.activeValid) {
      side = cur.active;
    } else if (cur.standbyValid) {
      // Promotion is a scale-up: the pool must take new active placements now.
      for (const Part& p : cur.standby) {
        auto it = std::find_if(candidates_.begin(), candidates_.end(),
                               [&](const Candidate& c) { return c.pool == p.pool; });
        if (it == candidates_.end() || !it->activeOk) return false;
      }
      side = cur.standby;
    } else {
      return false;
    }
    if (!Fits(side, {}, w)) return false;
    const int32_t domain = search.DomainOf(side.front().pool);
    std::vector<Part> standby;
    // The kept side's capacity is still free in candidates_, but the standby searches only
    // other domains, so it never lands on the same pools.
    // No other domain has room for a standby now (the lost one is still dark, say): run the
    // active side alone rather than nothing. The standby is found again on a later decision.
    if (!search.Group(w.spec.replicas, allowSplit, {DomainFilter::kExcept, domain}, true,
                      standby)) {
      standby.clear();
    }
    keptActive_ = cur.activeValid;
    active_ = std::move(side);
    standby_parts_ = std::move(standby);
    return true;
  }

  const PlacementInput& in_;
  FleetIndex fleet_;
  BudgetLedger ledger_;
  std::vector<WorkloadDecision> decisions_;  // by input index until Finish
  std::vector<int64_t> free_, committed_, standby_;
  std::vector<size_t> order_, pending_;
  size_t next_ = 0;
  bool keptDone_ = false;
  // Per-decision buffers, reused so a decision allocates little.
  WorkloadFilter filter_;
  ReasonTally tally_;
  std::vector<Candidate> candidates_;
  std::vector<int32_t> budgets_, deny_;
  std::vector<Part> active_, standby_parts_;
  bool keptActive_ = false;
};

PlacementEngine::PlacementEngine(const PlacementInput& input)
    : impl_(std::make_unique<Impl>(input)) {}
PlacementEngine::~PlacementEngine() = default;

PlacementPlan PlacementEngine::Run() {
  impl_->KeepValid();
  return impl_->Finish();
}
void PlacementEngine::KeepValid() {
  impl_->KeepValid();
}
bool PlacementEngine::PlaceNext() {
  return impl_->PlaceNext();
}
PlacementPlan PlacementEngine::Finish() {
  return impl_->Finish();
}

PlacementPlan PlanPlacements(const PlacementInput& input) {
  return PlacementEngine(input).Run();
}

const WorkloadDecision* PlacementPlan::Find(const std::string& namespace_,
                                            const std::string& name) const {
  auto it = std::lower_bound(decisions.begin(), decisions.end(), std::make_pair(&namespace_, &name),
                             [](const WorkloadDecision& d, const auto& k) {
                               return d.namespace_ != *k.first ? d.namespace_ < *k.first
                                                               : d.name < *k.second;
                             });
  if (it == decisions.end() || it->namespace_ != namespace_ || it->name != name) return nullptr;
  return &*it;
}

const char* BudgetStateName(BudgetState state) {
  switch (state) {
    case BudgetState::Ok:
      return "Ok";
    case BudgetState::Warning:
      return "Warning";
    case BudgetState::Exceeded:
      return "Exceeded";
  }
  return "Ok";
}

}  // namespace hybridai
