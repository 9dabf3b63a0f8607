// Placement engine throughput, tail latency and memory on synthetic fleets of 1x, 10x and 30x
// a base of 1,000 workloads / 100 pools / 10 clusters (10x is the design point: 10,000
// workloads over 1,000 pools in 100 clusters). Mixed constraints: vendors, models, locations,
// latency, regions, selectors, spot, all objectives, Spread/ActivePassive, gangs, limits and
// Deny/Warn budgets. Counters: decisions_per_s (wall) and decisions_per_cpu_s, p50_us/p99_us/max_us
// per decision, heap bytes the engine and its plan hold (mallinfo2) per pool+workload, and the
// process's peak RSS.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/placement_engine.h"
#include "tests/support/split_mix_rng.h"

namespace hybridai {
namespace {

using testing::Rng;

const char* kProviders[] = {"aws", "gcp", "azure", "coreweave", "dc-paris", "dc-lyon", "edge-co"};
const char* kRegions[] = {"eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1"};
const char* kVendors[] = {"NVIDIA", "AMD", "Intel"};
const char* kModels[] = {"H100", "A100", "L4", "MI300X", "MI250", "Gaudi2"};
const char* kTeams[] = {"vision", "speech", "search", "ads", "research"};

// `scale` x (1,000 workloads, 100 pools, 10 clusters). `tieredPct`: the share of workloads
// with placement tiers (OnPrem, then Edge, then Cloud).
PlacementInput Fleet(int64_t scale, int64_t tieredPct = 0) {
  Rng r(static_cast<uint64_t>(scale) * 7919);
  PlacementInput in;
  const int64_t clusters = 10 * scale, pools = 100 * scale, workloads = 1000 * scale;
  for (int64_t i = 0; i < clusters; ++i) {
    ClusterInput c;
    auto& mc = c.cluster;
    mc.metadata.name = "cluster-" + std::to_string(i);
    mc.metadata.labels = {{"tier", r.Chance(50) ? "gold" : "silver"},
                          {"zone", std::to_string(r.Int(0, 3))}};
    mc.spec.location = static_cast<api::Location>(r.Int(0, 2));
    mc.spec.provider = kProviders[r.Int(0, 6)];
    mc.spec.region = kRegions[r.Int(0, 4)];
    mc.spec.maxDataClassification = static_cast<api::DataClassification>(r.Int(1, 3));
    mc.spec.latencyMs = r.Int(2, 120);
    mc.spec.carbonIntensity = r.Int(20, 600);
    mc.spec.pue = Decimal::FromUnits(r.Int(1'050'000, 1'500'000));
    if (r.Chance(3)) mc.spec.taints.push_back({"maintenance", "", api::TaintEffect::NoSchedule});
    in.clusters.push_back(std::move(c));
  }
  for (int64_t i = 0; i < pools; ++i) {
    PoolInput p;
    auto& gp = p.pool;
    gp.metadata.name = "pool-" + std::to_string(i);
    gp.spec.cluster = "cluster-" + std::to_string(i % clusters);
    const int64_t v = r.Int(0, 2);
    gp.spec.accelerator = {kVendors[v], kModels[v * 2 + r.Int(0, 1)], 24 * r.Int(1, 8),
                           "vendor.com/gpu"};
    gp.spec.capacity.accelerators = 16 * r.Int(2, 10);
    gp.spec.pricing.acceleratorHour = Decimal::FromUnits(r.Int(300'000, 6'000'000));
    gp.spec.pricing.spot = r.Chance(20);
    gp.spec.power.acceleratorWatts = r.Int(150, 750);
    in.pools.push_back(std::move(p));
  }
  for (int64_t i = 0; i < 4 * scale; ++i) {
    BudgetInput b;
    b.budget.metadata.name = "budget-" + std::to_string(i);
    b.budget.metadata.namespace_ = "ns-" + std::to_string(i % (20 * scale));
    b.budget.spec.enforcement = r.Chance(50) ? api::Enforcement::Deny : api::Enforcement::Warn;
    b.budget.spec.selector.tags = {{"team", kTeams[r.Int(0, 4)]}};
    b.budget.spec.limits.powerWatts = r.Int(20'000, 200'000);
    b.budget.spec.limits.cost = Decimal::FromInt(r.Int(20'000, 400'000));
    b.remainingSeconds = r.Int(0, 30 * 86400);
    in.budgets.push_back(std::move(b));
  }
  for (int64_t i = 0; i < workloads; ++i) {
    api::AIWorkload w;
    w.metadata.name = "workload-" + std::to_string(i);
    w.metadata.namespace_ = "ns-" + std::to_string(r.Int(0, 20 * scale - 1));
    auto& s = w.spec;
    const int64_t kind = r.Int(1, 100);
    s.type = kind <= 60   ? api::WorkloadType::Inference
             : kind <= 85 ? api::WorkloadType::Batch
                          : api::WorkloadType::Training;
    s.replicas = s.type == api::WorkloadType::Training ? r.Int(1, 4) : r.Int(1, 6);
    s.accelerators.count = int64_t{1} << r.Int(0, s.type == api::WorkloadType::Training ? 3 : 1);
    if (r.Chance(30)) s.accelerators.vendors = {kVendors[r.Int(0, 1)]};
    if (r.Chance(30)) s.accelerators.models = {kModels[r.Int(0, 5)], kModels[r.Int(0, 5)]};
    if (r.Chance(20)) s.accelerators.minMemoryGiB = 24 * r.Int(1, 4);
    if (r.Chance(20)) s.placement.locations = {static_cast<api::Location>(r.Int(0, 2))};
    s.placement.dataClassification = static_cast<api::DataClassification>(r.Int(0, 2));
    if (r.Chance(10)) s.placement.maxLatencyMs = r.Int(20, 120);
    if (r.Chance(10)) s.placement.regions = {kRegions[r.Int(0, 4)], kRegions[r.Int(0, 4)]};
    if (r.Chance(10)) {
      s.placement.clusterSelector.matchExpressions = {{"tier", "In", {"gold"}},
                                                      {"zone", "NotIn", {"3"}}};
    }
    s.placement.spot = static_cast<api::SpotPolicy>(r.Int(0, 2));
    s.placement.objective = static_cast<api::Objective>(r.Int(0, 4));
    const int64_t red = r.Int(1, 100);
    if (red <= 15 && s.type != api::WorkloadType::Training) {
      s.redundancy.mode = api::RedundancyMode::Spread;
    } else if (red <= 25) {
      s.redundancy.mode = api::RedundancyMode::ActivePassive;
    }
    s.redundancy.topologyKey = static_cast<api::TopologyKey>(r.Int(0, 4));
    if (r.Chance(10)) s.limits.maxPowerWatts = r.Int(1000, 20000);
    if (r.Chance(10)) s.limits.maxHourlyCost = Decimal::FromInt(r.Int(5, 100));
    s.priority = r.Int(0, 5);
    s.tags = {{"team", kTeams[r.Int(0, 4)]}};
    if (tieredPct > 0 && r.Chance(tieredPct)) {
      for (api::Location l : {api::Location::OnPrem, api::Location::Edge, api::Location::Cloud}) {
        api::PlacementTier t;
        t.locations = {l};
        s.placement.tiers.push_back(std::move(t));
      }
    }
    in.workloads.push_back(std::move(w));
  }
  return in;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

void PlaceFleet(benchmark::State& state, const PlacementInput& in) {
  const size_t objects = in.pools.size() + in.workloads.size();
  std::vector<double> perDecisionUs;
  perDecisionUs.reserve(in.workloads.size());
  double placeSeconds = 0, placeCpuSeconds = 0, indexSeconds = 0;
  int64_t decisions = 0, placed = 0;
  size_t engineBytes = 0;
  for (auto _ : state) {
    perDecisionUs.clear();
    const size_t heapBefore = HeapInUse();
    const auto t0 = std::chrono::steady_clock::now();
    PlacementEngine engine(in);
    engine.KeepValid();
    const auto t1 = std::chrono::steady_clock::now();
    indexSeconds += std::chrono::duration<double>(t1 - t0).count();
    auto last = t1;
    const double cpu0 = ThreadCpuSeconds();
    while (engine.PlaceNext()) {
      const auto now = std::chrono::steady_clock::now();
      perDecisionUs.push_back(std::chrono::duration<double, std::micro>(now - last).count());
      last = now;
    }
    placeSeconds += std::chrono::duration<double>(last - t1).count();
    placeCpuSeconds += ThreadCpuSeconds() - cpu0;
    decisions += static_cast<int64_t>(perDecisionUs.size());
    PlacementPlan plan = engine.Finish();
    engineBytes = HeapInUse() - heapBefore;
    placed = std::count_if(plan.decisions.begin(), plan.decisions.end(),
                           [](const WorkloadDecision& d) { return d.placed; });
    benchmark::DoNotOptimize(plan);
  }
  std::sort(perDecisionUs.begin(), perDecisionUs.end());
  auto pct = [&](double q) {
    return perDecisionUs.empty()
               ? 0.0
               : perDecisionUs[std::min(perDecisionUs.size() - 1,
                                        static_cast<size_t>(q * perDecisionUs.size()))];
  };
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  state.counters["pools"] = static_cast<double>(in.pools.size());
  state.counters["workloads"] = static_cast<double>(in.workloads.size());
  state.counters["placed_pct"] = 100.0 * placed / std::max<size_t>(1, in.workloads.size());
  state.counters["decisions_per_s"] = decisions / std::max(placeSeconds, 1e-9);
  // On a shared machine wall time includes preemption; CPU time is the engine's own cost.
  state.counters["decisions_per_cpu_s"] = decisions / std::max(placeCpuSeconds, 1e-9);
  state.counters["index_ms"] = 1e3 * indexSeconds / state.iterations();
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["max_us"] = perDecisionUs.empty() ? 0.0 : perDecisionUs.back();
  state.counters["engine_bytes_per_object"] = static_cast<double>(engineBytes) / objects;
  state.counters["peak_rss_MiB"] = ru.ru_maxrss / 1024.0;
}
void BM_PlaceFleet(benchmark::State& state) {
  PlaceFleet(state, Fleet(state.range(0)));
}
BENCHMARK(BM_PlaceFleet)->Arg(1)->Arg(10)->Arg(30)->Unit(benchmark::kMillisecond)->Iterations(3);

// The same fleet with half of the workloads tiered (OnPrem, Edge, Cloud): overflow across tiers.
void BM_PlaceFleetTiered(benchmark::State& state) {
  PlaceFleet(state, Fleet(state.range(0), /*tieredPct=*/50));
}
BENCHMARK(BM_PlaceFleetTiered)->Arg(10)->Unit(benchmark::kMillisecond)->Iterations(3);

// The steady state of the operator: every workload still has its placements from the last
// run, so the whole run is the stability check.
void BM_ReplanUnchanged(benchmark::State& state) {
  PlacementInput in = Fleet(state.range(0));
  const PlacementPlan first = PlanPlacements(in);
  for (api::AIWorkload& w : in.workloads) {
    w.status.placements = first.Find(w.metadata.namespace_, w.metadata.name)->placements;
  }
  for (auto _ : state) {
    PlacementPlan plan = PlanPlacements(in);
    benchmark::DoNotOptimize(plan);
  }
  state.counters["workloads_per_s"] = benchmark::Counter(
      static_cast<double>(in.workloads.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ReplanUnchanged)->Arg(10)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace hybridai

BENCHMARK_MAIN();
