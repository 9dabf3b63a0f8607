// The hybridai.io/v1alpha1 API as plain C++ values: MemberCluster, GPUPool, AIWorkload, Budget.
// Field names follow DESIGN.md exactly (the wire contract); codecs live in core/codec.h.
// Pure data: no I/O, no locking; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/decimal.h"

namespace hybridai::api {

inline constexpr const char* kGroup = "hybridai.io";
inline constexpr const char* kVersion = "v1alpha1";
inline constexpr const char* kApiVersion = "hybridai.io/v1alpha1";

// ---- enums (PascalCase on the wire; see core/enums.h for string conversion) ----
enum class Location { Cloud, OnPrem, Edge };
// Ordered: Public < Internal < Confidential < Restricted.
enum class DataClassification { Public = 0, Internal = 1, Confidential = 2, Restricted = 3 };
enum class TaintEffect { NoSchedule, NoExecute };
enum class WorkloadType { Inference, Training, Batch };
enum class SpotPolicy { Never, Allowed, Preferred };
enum class Objective { Cost, Energy, Carbon, Latency, Balanced };
enum class RedundancyMode { None, Spread, ActivePassive };
enum class TopologyKey { Provider, Location, Region, Cluster, Pool };
enum class Role { Active, Standby };
enum class Phase { Pending, Placed, Running, Degraded, Throttled, Succeeded, Failed };
enum class BudgetPeriod { Daily, Weekly, Monthly };
enum class Enforcement { Deny, Throttle, Warn };
enum class PreemptionPolicy { PreemptLowerPriority, Never };
enum class FailbackMode { Never, WhenRoomReturns };

// ---- shared ----
struct ObjectMeta {
  std::string name;
  std::string namespace_;  // empty for cluster-scoped kinds
  std::string uid;
  std::string resourceVersion;
  int64_t generation = 0;
  std::string creationTimestamp;  // RFC 3339, as the API server wrote it
  std::optional<std::string> deletionTimestamp;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> finalizers;
};

// metav1.Condition.
struct Condition {
  std::string type;
  std::string status;  // True | False | Unknown
  int64_t observedGeneration = 0;
  std::string lastTransitionTime;  // RFC 3339
  std::string reason;              // CamelCase
  std::string message;
};

struct LabelSelectorRequirement {
  std::string key;
  std::string op;  // In | NotIn | Exists | DoesNotExist (wire name "operator")
  std::vector<std::string> values;
};

struct LabelSelector {
  std::map<std::string, std::string> matchLabels;
  std::vector<LabelSelectorRequirement> matchExpressions;
  bool Empty() const { return matchLabels.empty() && matchExpressions.empty(); }
};

// core/v1 Toleration, kept typed because pools add them to every pod they host.
struct Toleration {
  std::string key;
  std::string op;  // Exists | Equal (wire name "operator"); empty = Equal
  std::string value;
  std::string effect;  // NoSchedule | PreferNoSchedule | NoExecute | empty (all)
  std::optional<int64_t> tolerationSeconds;
};

// ---- MemberCluster (cluster-scoped, short name mc) ----
struct SecretKeyRef {
  std::string namespace_;  // default: the operator's namespace (hybrid-system)
  std::string name;
  std::string key = "kubeconfig";
};

struct ClusterTaint {
  std::string key;
  std::string value;
  TaintEffect effect = TaintEffect::NoSchedule;
};

struct MemberClusterSpec {
  Location location = Location::Cloud;  // required
  std::string provider;                 // required, free-form
  std::string region;
  std::optional<SecretKeyRef> kubeconfigSecretRef;  // absent = the hub itself
  DataClassification maxDataClassification = DataClassification::Internal;
  int64_t latencyMs = 0;              // >= 0
  int64_t carbonIntensity = 0;        // gCO2e/kWh, >= 0
  Decimal pue = Decimal::FromInt(1);  // >= 1
  std::vector<ClusterTaint> taints;
};

struct MemberClusterStatus {
  std::vector<Condition> conditions;  // Ready
  std::string kubernetesVersion;
  std::string lastProbeTime;
};

struct MemberCluster {
  ObjectMeta metadata;
  MemberClusterSpec spec;
  MemberClusterStatus status;
};

// ---- GPUPool (cluster-scoped, short name gp) ----
struct AcceleratorSpec {
  std::string vendor;        // required: NVIDIA, AMD, Intel, ... (free-form, compared exactly)
  std::string model;         // required: H100, MI300X, ...
  int64_t memoryGiB = 0;     // >= 1
  std::string resourceName;  // required: nvidia.com/gpu, amd.com/gpu, ...
};

struct PoolCapacity {
  std::optional<int64_t> accelerators;  // >= 0; absent = measured from nodes only
};

struct Pricing {
  Decimal acceleratorHour;       // required, >= 0
  std::string currency = "USD";  // ISO 4217, three capital letters
  bool spot = false;
};

struct PoolPower {
  int64_t acceleratorWatts = 0;  // required, >= 0
  int64_t idleWatts = 0;         // >= 0, per node; reported, not charged to workloads
};

struct GPUPoolSpec {
  std::string cluster;  // required: a MemberCluster name
  std::map<std::string, std::string> nodeSelector;
  std::vector<Toleration> tolerations;
  AcceleratorSpec accelerator;
  PoolCapacity capacity;
  Pricing pricing;
  PoolPower power;
  std::optional<int64_t> carbonIntensity;  // overrides the cluster's
  std::optional<Decimal> pue;              // overrides the cluster's
};

struct GPUPoolStatus {
  int64_t capacityAccelerators = 0;   // wire: capacity.accelerators
  int64_t allocatedAccelerators = 0;  // wire: allocated.accelerators
  int64_t readyNodes = 0;
  std::vector<Condition> conditions;  // Ready
};

struct GPUPool {
  ObjectMeta metadata;
  GPUPoolSpec spec;
  std::optional<GPUPoolStatus> status;  // absent until the operator has measured it
};

// ---- AIWorkload (namespaced, short name aiw) ----
struct AcceleratorRequest {
  int64_t count = 1;                 // per replica/worker, >= 1
  std::vector<std::string> vendors;  // empty = any
  std::vector<std::string> models;   // empty = any
  int64_t minMemoryGiB = 0;          // >= 0
};

// One preference tier of spec.placement.tiers: narrows the placement's allowed set further.
// A cluster belongs to the first tier it matches; clusters matching no tier are not used.
struct PlacementTier {
  std::vector<Location> locations;      // empty = every location the placement allows
  std::optional<int64_t> maxLatencyMs;  // >= 0
  std::vector<std::string> regions;     // empty = any
  LabelSelector clusterSelector;        // on MemberCluster labels
};

// At most this many tiers (the CRD's maxItems).
inline constexpr size_t kMaxPlacementTiers = 8;

struct Failback {
  FailbackMode mode = FailbackMode::Never;
  int64_t afterSeconds = 300;  // >= 0: how long a more preferred tier must have had room
};

struct PlacementPolicy {
  std::vector<Location> locations;  // empty = all
  DataClassification dataClassification = DataClassification::Public;
  std::optional<int64_t> maxLatencyMs;  // >= 0
  std::vector<std::string> regions;     // empty = any
  LabelSelector clusterSelector;        // on MemberCluster labels
  SpotPolicy spot = SpotPolicy::Allowed;
  Objective objective = Objective::Balanced;
  std::vector<PlacementTier> tiers;  // ordered preferences; empty = one tier of everything
  Failback failback;
};

struct WorkloadLimits {
  std::optional<int64_t> maxPowerWatts;  // >= 0
  std::optional<Decimal> maxHourlyCost;  // >= 0
};

struct Redundancy {
  RedundancyMode mode = RedundancyMode::None;
  TopologyKey topologyKey = TopologyKey::Cluster;
  int64_t minDomains = 2;             // >= 2 when mode != None
  int64_t failoverAfterSeconds = 60;  // >= 0
};

struct AIWorkloadSpec {
  WorkloadType type = WorkloadType::Inference;     // required
  int64_t replicas = 1;                            // >= 0
  nlohmann::json tmpl = nlohmann::json::object();  // wire: template (core/v1 PodTemplateSpec)
  AcceleratorRequest accelerators;
  PlacementPolicy placement;
  std::map<std::string, std::string> tags;  // propagated as labels: keys and values label-valid
  WorkloadLimits limits;
  Redundancy redundancy;
  int64_t priority = 0;
  PreemptionPolicy preemptionPolicy = PreemptionPolicy::PreemptLowerPriority;
};

struct Placement {
  std::string cluster;
  std::string pool;
  int64_t replicas = 0;
  int64_t accelerators = 0;  // total for this placement (replicas x count; standby: reserved)
  Role role = Role::Active;
  Decimal hourlyCost;
  int64_t powerWatts = 0;
  int64_t carbonGramsPerHour = 0;
  // Index into spec.placement.tiers; absent without tiers.
  std::optional<int64_t> tier = std::nullopt;
};

// A member object of an earlier placement that still serves while the placements that replace
// it become Ready (make-before-break for Inference); removed once they are.
struct DrainingPlacement {
  std::string cluster;
  std::string pool;
  int64_t replicas = 0;  // as the member object runs them now
  int64_t readyReplicas = 0;
};

// Hourly rates: money, watts (PUE included) and grams of CO2e per hour.
struct RateStatus {
  Decimal hourlyCost;
  int64_t powerWatts = 0;
  int64_t carbonGramsPerHour = 0;
};

// What accrual left below the sixth decimal of each accumulated quantity, so that steps of
// any length add up exactly: cost in 1/3600 of a unit, energy and carbon in 1/36 of a unit.
struct AccrualRemainder {
  int64_t cost = 0;
  int64_t energy = 0;
  int64_t carbon = 0;
};

struct CostStatus {
  Decimal hourly;
  Decimal accumulated;
  std::string currency = "USD";
};

struct EnergyStatus {
  int64_t powerWatts = 0;
  Decimal energyKWh;
  Decimal carbonKg;
};

// Cost, energy and carbon accumulated since `since` (the first of this month, 00:00 UTC, or
// later when the workload is younger), for per-team spend reports.
struct MonthToDate {
  std::string since;  // RFC 3339
  Decimal cost;
  Decimal energyKWh;
  Decimal carbonKg;
  AccrualRemainder remainder;
};

struct AIWorkloadStatus {
  Phase phase = Phase::Pending;
  int64_t observedGeneration = 0;
  std::vector<Placement> placements;
  std::vector<DrainingPlacement> draining;  // old placements still serving during a move
  int64_t readyReplicas = 0;
  CostStatus cost;
  EnergyStatus energy;
  std::vector<Condition> conditions;  // Placed, Ready, WithinBudget, Degraded
  std::string lastAccountingTime;     // RFC 3339: when cost/energy were last accumulated
  AccrualRemainder remainder;         // below the sixth decimal of accumulated cost, energy, carbon
  MonthToDate monthToDate;            // this calendar month (UTC)
  int64_t throttledReplicas = 0;      // of the placements' replicas, scaled down by a budget
};

struct AIWorkload {
  ObjectMeta metadata;
  AIWorkloadSpec spec;
  AIWorkloadStatus status;
};

// ---- Budget (namespaced, short name bdg) ----
struct BudgetSelector {
  std::map<std::string, std::string> tags;  // empty = every AIWorkload of the namespace
};

struct BudgetLimits {
  std::optional<int64_t> powerWatts;
  std::optional<Decimal> energyKWh;
  std::optional<Decimal> carbonKg;
  std::optional<Decimal> cost;  // per period, in the pools' currency
};

struct BudgetSpec {
  BudgetSelector selector;
  BudgetPeriod period = BudgetPeriod::Monthly;
  std::string timeZone = "UTC";  // IANA name; period boundaries are local midnights in it
  BudgetLimits limits;           // at least one limit
  Enforcement enforcement = Enforcement::Warn;
  int64_t warnAtPercent = 80;  // 1..100
};

struct BudgetUsage {
  int64_t powerWatts = 0;
  Decimal energyKWh;
  Decimal carbonKg;
  Decimal cost;
};

struct PreviousPeriod {
  std::string start;  // RFC 3339
  BudgetUsage usage;  // at its end
};

struct BudgetStatus {
  int64_t observedGeneration = 0;
  std::string periodStart;  // RFC 3339
  // The selected workloads' rates since lastAccountingTime; usage accrues at them.
  RateStatus rate;
  BudgetUsage usage;               // the period so far; powerWatts is the rate now
  BudgetUsage projected;           // at the end of the period at the current rate
  AccrualRemainder remainder;      // below usage's sixth decimal
  std::string lastAccountingTime;  // RFC 3339
  int64_t workloads = 0;           // selected, drawing or holding anything
  int64_t throttledWorkloads = 0;  // scaled down by this budget (Throttle)
  std::optional<PreviousPeriod> previousPeriod;
  std::vector<Condition> conditions;  // Warning, Exceeded
};

struct Budget {
  ObjectMeta metadata;
  BudgetSpec spec;
  BudgetStatus status;
};

}  // namespace hybridai::api
