// API types -> the Kubernetes wire form. Spec fields with a value are always written (defaults
// included, so `plan -o json` shows what the operator will use); empty strings, empty
// collections and unset optionals are omitted.
#include "core/codec.h"
#include "core/enums.h"

namespace hybridai::api {
namespace {

// Money keeps cents ("4.10"); ratios and quantities are shortest ("1.2", "41.2").
constexpr int kMoneyDigits = 2;

void PutString(json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
template <class C>
void PutCollection(json& j, const char* key, const C& v) {
  if (!v.empty()) j[key] = v;
}
void PutObject(json& j, const char* key, json v) {
  if (!v.empty()) j[key] = std::move(v);
}
std::string Money(Decimal d) {
  return d.ToString(kMoneyDigits);
}
std::string Plain(Decimal d) {
  return d.ToString();
}

json ConditionsJson(const std::vector<Condition>& conditions) {
  json arr = json::array();
  for (const auto& c : conditions) arr.push_back(ToJson(c));
  return arr;
}

json LabelSelectorJson(const LabelSelector& sel) {
  json j = json::object();
  PutCollection(j, "matchLabels", sel.matchLabels);
  if (!sel.matchExpressions.empty()) {
    json arr = json::array();
    for (const auto& e : sel.matchExpressions) {
      json ej = json::object();
      PutString(ej, "key", e.key);
      PutString(ej, "operator", e.op);
      PutCollection(ej, "values", e.values);
      arr.push_back(std::move(ej));
    }
    j["matchExpressions"] = std::move(arr);
  }
  return j;
}

json UsageJson(const BudgetUsage& u) {
  return json{{"powerWatts", u.powerWatts},
              {"energyKWh", Plain(u.energyKWh)},
              {"carbonKg", Plain(u.carbonKg)},
              {"cost", Money(u.cost)}};
}

// Written only when something is left below the sixth decimal.
void PutRemainder(json& j, const AccrualRemainder& r) {
  if (r.cost != 0 || r.energy != 0 || r.carbon != 0)
    j["remainder"] = {{"cost", r.cost}, {"energy", r.energy}, {"carbon", r.carbon}};
}

// `status` is written unless null.
template <class T>
json Envelope(const T& object, json status) {
  json j = json::object();
  j["apiVersion"] = kApiVersion;
  j["kind"] = std::string(KindTraits<T>::kKind);
  j["metadata"] = ToJson(object.metadata);
  j["spec"] = SpecToJson(object.spec);
  if (!status.is_null()) j["status"] = std::move(status);
  return j;
}

// Null for a status that is all defaults (never written by the operator yet).
template <class Status>
json StatusUnlessDefault(const Status& status) {
  json j = StatusToJson(status);
  return j == StatusToJson(Status{}) ? json() : j;
}

}  // namespace

json ToJson(const ObjectMeta& m) {
  json j = json::object();
  PutString(j, "name", m.name);
  PutString(j, "namespace", m.namespace_);
  PutString(j, "uid", m.uid);
  PutString(j, "resourceVersion", m.resourceVersion);
  if (m.generation != 0) j["generation"] = m.generation;
  PutString(j, "creationTimestamp", m.creationTimestamp);
  if (m.deletionTimestamp) j["deletionTimestamp"] = *m.deletionTimestamp;
  PutCollection(j, "labels", m.labels);
  PutCollection(j, "annotations", m.annotations);
  PutCollection(j, "finalizers", m.finalizers);
  return j;
}

json ToJson(const Condition& c) {
  json j = json::object();
  j["type"] = c.type;
  j["status"] = c.status;
  if (c.observedGeneration != 0) j["observedGeneration"] = c.observedGeneration;
  PutString(j, "lastTransitionTime", c.lastTransitionTime);
  PutString(j, "reason", c.reason);
  PutString(j, "message", c.message);
  return j;
}

// ---- MemberCluster ----
json SpecToJson(const MemberClusterSpec& s) {
  json j = json::object();
  j["location"] = ToString(s.location);
  PutString(j, "provider", s.provider);
  PutString(j, "region", s.region);
  if (s.kubeconfigSecretRef) {
    json ref = json::object();
    PutString(ref, "namespace", s.kubeconfigSecretRef->namespace_);
    PutString(ref, "name", s.kubeconfigSecretRef->name);
    PutString(ref, "key", s.kubeconfigSecretRef->key);
    j["kubeconfigSecretRef"] = std::move(ref);
  }
  j["maxDataClassification"] = ToString(s.maxDataClassification);
  j["latencyMs"] = s.latencyMs;
  j["carbonIntensity"] = s.carbonIntensity;
  j["pue"] = Plain(s.pue);
  if (!s.taints.empty()) {
    json arr = json::array();
    for (const auto& t : s.taints) {
      json tj = json::object();
      PutString(tj, "key", t.key);
      PutString(tj, "value", t.value);
      tj["effect"] = ToString(t.effect);
      arr.push_back(std::move(tj));
    }
    j["taints"] = std::move(arr);
  }
  return j;
}

json StatusToJson(const MemberClusterStatus& s) {
  json j = json::object();
  PutObject(j, "conditions", ConditionsJson(s.conditions));
  PutString(j, "kubernetesVersion", s.kubernetesVersion);
  PutString(j, "lastProbeTime", s.lastProbeTime);
  return j;
}

json ToJson(const MemberCluster& o) {
  return Envelope(o, StatusUnlessDefault(o.status));
}

// ---- GPUPool ----
json SpecToJson(const GPUPoolSpec& s) {
  json j = json::object();
  PutString(j, "cluster", s.cluster);
  PutCollection(j, "nodeSelector", s.nodeSelector);
  if (!s.tolerations.empty()) {
    json arr = json::array();
    for (const auto& t : s.tolerations) {
      json tj = json::object();
      PutString(tj, "key", t.key);
      PutString(tj, "operator", t.op);
      PutString(tj, "value", t.value);
      PutString(tj, "effect", t.effect);
      if (t.tolerationSeconds) tj["tolerationSeconds"] = *t.tolerationSeconds;
      arr.push_back(std::move(tj));
    }
    j["tolerations"] = std::move(arr);
  }
  json acc = json::object();
  PutString(acc, "vendor", s.accelerator.vendor);
  PutString(acc, "model", s.accelerator.model);
  acc["memoryGiB"] = s.accelerator.memoryGiB;
  PutString(acc, "resourceName", s.accelerator.resourceName);
  j["accelerator"] = std::move(acc);
  if (s.capacity.accelerators) j["capacity"] = {{"accelerators", *s.capacity.accelerators}};
  json pricing = {{"acceleratorHour", Money(s.pricing.acceleratorHour)}};
  PutString(pricing, "currency", s.pricing.currency);
  pricing["spot"] = s.pricing.spot;
  j["pricing"] = std::move(pricing);
  j["power"] = {{"acceleratorWatts", s.power.acceleratorWatts}, {"idleWatts", s.power.idleWatts}};
  if (s.carbonIntensity) j["carbonIntensity"] = *s.carbonIntensity;
  if (s.pue) j["pue"] = Plain(*s.pue);
  return j;
}

json StatusToJson(const GPUPoolStatus& s) {
  json j = json::object();
  j["capacity"] = {{"accelerators", s.capacityAccelerators}};
  j["allocated"] = {{"accelerators", s.allocatedAccelerators}};
  j["readyNodes"] = s.readyNodes;
  PutObject(j, "conditions", ConditionsJson(s.conditions));
  return j;
}

json ToJson(const GPUPool& o) {
  return Envelope(o, o.status ? StatusToJson(*o.status) : json());
}

// ---- AIWorkload ----
json SpecToJson(const AIWorkloadSpec& s) {
  json j = json::object();
  j["type"] = ToString(s.type);
  j["replicas"] = s.replicas;
  j["template"] = s.tmpl;
  json acc = {{"count", s.accelerators.count}};
  PutCollection(acc, "vendors", s.accelerators.vendors);
  PutCollection(acc, "models", s.accelerators.models);
  acc["minMemoryGiB"] = s.accelerators.minMemoryGiB;
  j["accelerators"] = std::move(acc);
  const auto& p = s.placement;
  json pl = json::object();
  if (!p.locations.empty()) {
    json locs = json::array();
    for (auto l : p.locations) locs.push_back(ToString(l));
    pl["locations"] = std::move(locs);
  }
  pl["dataClassification"] = ToString(p.dataClassification);
  if (p.maxLatencyMs) pl["maxLatencyMs"] = *p.maxLatencyMs;
  PutCollection(pl, "regions", p.regions);
  PutObject(pl, "clusterSelector", LabelSelectorJson(p.clusterSelector));
  pl["spot"] = ToString(p.spot);
  pl["objective"] = ToString(p.objective);
  if (!p.tiers.empty()) {
    json tiers = json::array();
    for (const auto& t : p.tiers) {
      json tj = json::object();
      if (!t.locations.empty()) {
        json locs = json::array();
        for (auto l : t.locations) locs.push_back(ToString(l));
        tj["locations"] = std::move(locs);
      }
      if (t.maxLatencyMs) tj["maxLatencyMs"] = *t.maxLatencyMs;
      PutCollection(tj, "regions", t.regions);
      PutObject(tj, "clusterSelector", LabelSelectorJson(t.clusterSelector));
      tiers.push_back(std::move(tj));
    }
    pl["tiers"] = std::move(tiers);
  }
  if (!p.tiers.empty() || p.failback.mode != FailbackMode::Never ||
      p.failback.afterSeconds != Failback{}.afterSeconds) {
    pl["failback"] = {{"mode", ToString(p.failback.mode)},
                      {"afterSeconds", p.failback.afterSeconds}};
  }
  j["placement"] = std::move(pl);
  PutCollection(j, "tags", s.tags);
  json limits = json::object();
  if (s.limits.maxPowerWatts) limits["maxPowerWatts"] = *s.limits.maxPowerWatts;
  if (s.limits.maxHourlyCost) limits["maxHourlyCost"] = Money(*s.limits.maxHourlyCost);
  PutObject(j, "limits", std::move(limits));
  j["redundancy"] = {{"mode", ToString(s.redundancy.mode)},
                     {"topologyKey", ToString(s.redundancy.topologyKey)},
                     {"minDomains", s.redundancy.minDomains},
                     {"failoverAfterSeconds", s.redundancy.failoverAfterSeconds}};
  j["priority"] = s.priority;
  j["preemptionPolicy"] = ToString(s.preemptionPolicy);
  return j;
}

json StatusToJson(const AIWorkloadStatus& s) {
  json j = json::object();
  j["phase"] = ToString(s.phase);
  j["observedGeneration"] = s.observedGeneration;
  json placements = json::array();
  for (const auto& p : s.placements) {
    json pj = json::object();
    pj["cluster"] = p.cluster;
    pj["pool"] = p.pool;
    pj["replicas"] = p.replicas;
    pj["accelerators"] = p.accelerators;
    pj["role"] = ToString(p.role);
    pj["hourlyCost"] = Money(p.hourlyCost);
    pj["powerWatts"] = p.powerWatts;
    pj["carbonGramsPerHour"] = p.carbonGramsPerHour;
    if (p.tier) pj["tier"] = *p.tier;
    placements.push_back(std::move(pj));
  }
  PutObject(j, "placements", std::move(placements));
  if (!s.draining.empty()) {
    json draining = json::array();
    for (const auto& d : s.draining) {
      draining.push_back({{"cluster", d.cluster},
                          {"pool", d.pool},
                          {"replicas", d.replicas},
                          {"readyReplicas", d.readyReplicas}});
    }
    j["draining"] = std::move(draining);
  }
  j["readyReplicas"] = s.readyReplicas;
  j["cost"] = {{"hourly", Money(s.cost.hourly)},
               {"accumulated", Money(s.cost.accumulated)},
               {"currency", s.cost.currency}};
  j["energy"] = {{"powerWatts", s.energy.powerWatts},
                 {"energyKWh", Plain(s.energy.energyKWh)},
                 {"carbonKg", Plain(s.energy.carbonKg)}};
  PutObject(j, "conditions", ConditionsJson(s.conditions));
  PutString(j, "lastAccountingTime", s.lastAccountingTime);
  PutRemainder(j, s.remainder);
  if (!s.monthToDate.since.empty()) {
    json m = {{"since", s.monthToDate.since},
              {"cost", Money(s.monthToDate.cost)},
              {"energyKWh", Plain(s.monthToDate.energyKWh)},
              {"carbonKg", Plain(s.monthToDate.carbonKg)}};
    PutRemainder(m, s.monthToDate.remainder);
    j["monthToDate"] = std::move(m);
  }
  if (s.throttledReplicas != 0) j["throttledReplicas"] = s.throttledReplicas;
  return j;
}

json ToJson(const AIWorkload& o) {
  return Envelope(o, StatusUnlessDefault(o.status));
}

// ---- Budget ----
json SpecToJson(const BudgetSpec& s) {
  json j = json::object();
  json sel = json::object();
  PutCollection(sel, "tags", s.selector.tags);
  j["selector"] = std::move(sel);
  j["period"] = ToString(s.period);
  j["timeZone"] = s.timeZone;
  json limits = json::object();
  if (s.limits.powerWatts) limits["powerWatts"] = *s.limits.powerWatts;
  if (s.limits.energyKWh) limits["energyKWh"] = Plain(*s.limits.energyKWh);
  if (s.limits.carbonKg) limits["carbonKg"] = Plain(*s.limits.carbonKg);
  if (s.limits.cost) limits["cost"] = Money(*s.limits.cost);
  j["limits"] = std::move(limits);
  j["enforcement"] = ToString(s.enforcement);
  j["warnAtPercent"] = s.warnAtPercent;
  return j;
}

json StatusToJson(const BudgetStatus& s) {
  json j = json::object();
  if (s.observedGeneration != 0) j["observedGeneration"] = s.observedGeneration;
  PutString(j, "periodStart", s.periodStart);
  j["rate"] = {{"hourlyCost", Money(s.rate.hourlyCost)},
               {"powerWatts", s.rate.powerWatts},
               {"carbonGramsPerHour", s.rate.carbonGramsPerHour}};
  j["usage"] = UsageJson(s.usage);
  j["projected"] = UsageJson(s.projected);
  PutRemainder(j, s.remainder);
  PutString(j, "lastAccountingTime", s.lastAccountingTime);
  j["workloads"] = s.workloads;
  j["throttledWorkloads"] = s.throttledWorkloads;
  if (s.previousPeriod) {
    j["previousPeriod"] = {{"start", s.previousPeriod->start},
                           {"usage", UsageJson(s.previousPeriod->usage)}};
  }
  PutObject(j, "conditions", ConditionsJson(s.conditions));
  return j;
}

json ToJson(const Budget& o) {
  return Envelope(o, StatusUnlessDefault(o.status));
}

}  // namespace hybridai::api
