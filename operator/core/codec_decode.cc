// JSON -> API types for the four kinds. Type errors, unknown enum values, float money and
// missing required non-string fields are reported here; ranges and cross-field rules are in
// core/validation.cc. Absent and null fields keep the defaults of core/types.h.
#include <string>

#include "core/codec.h"
#include "core/codec_reader.h"

namespace hybridai::api {
namespace {

using detail::FieldReader;
using detail::JoinPath;

std::string Index(std::string_view path, size_t i) {
  return detail::IndexPath(path, i);
}

ObjectMeta DecodeMeta(FieldReader& r, const json& object) {
  ObjectMeta m;
  const json* md = r.Object(object, "metadata", "");
  if (md == nullptr) return m;
  const std::string p = "metadata";
  r.String(*md, "name", p, &m.name);
  r.String(*md, "namespace", p, &m.namespace_);
  r.String(*md, "uid", p, &m.uid);
  r.String(*md, "resourceVersion", p, &m.resourceVersion);
  r.Int(*md, "generation", p, &m.generation);
  r.String(*md, "creationTimestamp", p, &m.creationTimestamp);
  std::string deletion;
  if (r.String(*md, "deletionTimestamp", p, &deletion)) m.deletionTimestamp = deletion;
  r.StringMap(*md, "labels", p, &m.labels);
  r.StringMap(*md, "annotations", p, &m.annotations);
  r.StringList(*md, "finalizers", p, &m.finalizers);
  return m;
}

std::vector<Condition> DecodeConditions(FieldReader& r, const json& parent, std::string_view path) {
  std::vector<Condition> out;
  r.Objects(parent, "conditions", path, [&](const json& e, const std::string& p) {
    Condition c;
    r.String(e, "type", p, &c.type);
    r.String(e, "status", p, &c.status);
    r.Int(e, "observedGeneration", p, &c.observedGeneration);
    r.String(e, "lastTransitionTime", p, &c.lastTransitionTime);
    r.String(e, "reason", p, &c.reason);
    r.String(e, "message", p, &c.message);
    out.push_back(std::move(c));
  });
  return out;
}

LabelSelector DecodeLabelSelector(FieldReader& r, const json& sel, const std::string& p) {
  LabelSelector out;
  r.UnknownFields(sel, p, {"matchLabels", "matchExpressions"});
  r.StringMap(sel, "matchLabels", p, &out.matchLabels);
  r.Objects(sel, "matchExpressions", p, [&](const json& e, const std::string& ep) {
    LabelSelectorRequirement req;
    r.String(e, "key", ep, &req.key);
    r.String(e, "operator", ep, &req.op);
    r.StringList(e, "values", ep, &req.values);
    out.matchExpressions.push_back(std::move(req));
  });
  return out;
}

// Common prelude: the value is an object and its kind, when given, is ours.
template <class T>
bool CheckEnvelope(FieldReader& r, const json& object) {
  if (!object.is_object()) {
    r.Error("", "must be an object, got " + FieldReader::Describe(object));
    return false;
  }
  auto it = object.find("kind");
  if (it != object.end() && !it->is_null() &&
      (!it->is_string() || it->get_ref<const std::string&>() != KindTraits<T>::kKind)) {
    r.Error("kind",
            "must be " + std::string(KindTraits<T>::kKind) + ", got " + FieldReader::Describe(*it));
  }
  return true;
}

void DecodeSpec(FieldReader& r, const json& s, MemberClusterSpec* spec) {
  const std::string p = "spec";
  r.UnknownFields(s, p,
                  {"location", "provider", "region", "kubeconfigSecretRef", "maxDataClassification",
                   "latencyMs", "carbonIntensity", "pue", "taints"});
  r.Enum(s, "location", p, &spec->location, /*required=*/true);
  r.String(s, "provider", p, &spec->provider);
  r.String(s, "region", p, &spec->region);
  if (const json* ref = r.Object(s, "kubeconfigSecretRef", p)) {
    std::string rp = JoinPath(p, "kubeconfigSecretRef");
    r.UnknownFields(*ref, rp, {"namespace", "name", "key"});
    SecretKeyRef out;
    r.String(*ref, "namespace", rp, &out.namespace_);
    r.String(*ref, "name", rp, &out.name);
    r.String(*ref, "key", rp, &out.key);
    spec->kubeconfigSecretRef = out;
  }
  r.Enum(s, "maxDataClassification", p, &spec->maxDataClassification);
  r.Int(s, "latencyMs", p, &spec->latencyMs);
  r.Int(s, "carbonIntensity", p, &spec->carbonIntensity);
  r.Dec(s, "pue", p, &spec->pue);
  r.Objects(s, "taints", p, [&](const json& e, const std::string& tp) {
    r.UnknownFields(e, tp, {"key", "value", "effect"});
    ClusterTaint t;
    r.String(e, "key", tp, &t.key);
    r.String(e, "value", tp, &t.value);
    r.Enum(e, "effect", tp, &t.effect, /*required=*/true);
    spec->taints.push_back(std::move(t));
  });
}

void DecodeStatus(FieldReader& r, const json& s, MemberClusterStatus* status) {
  status->conditions = DecodeConditions(r, s, "status");
  r.String(s, "kubernetesVersion", "status", &status->kubernetesVersion);
  r.String(s, "lastProbeTime", "status", &status->lastProbeTime);
}

void DecodeSpec(FieldReader& r, const json& s, GPUPoolSpec* spec) {
  const std::string p = "spec";
  r.UnknownFields(s, p,
                  {"cluster", "nodeSelector", "tolerations", "accelerator", "capacity", "pricing",
                   "power", "carbonIntensity", "pue"});
  r.String(s, "cluster", p, &spec->cluster);
  r.StringMap(s, "nodeSelector", p, &spec->nodeSelector);
  r.Objects(s, "tolerations", p, [&](const json& e, const std::string& tp) {
    r.UnknownFields(e, tp, {"key", "operator", "value", "effect", "tolerationSeconds"});
    Toleration t;
    r.String(e, "key", tp, &t.key);
    r.String(e, "operator", tp, &t.op);
    r.String(e, "value", tp, &t.value);
    r.String(e, "effect", tp, &t.effect);
    r.Int(e, "tolerationSeconds", tp, &t.tolerationSeconds);
    spec->tolerations.push_back(std::move(t));
  });
  const std::string ap = "spec.accelerator";
  if (const json* a = r.Object(s, "accelerator", p, /*required=*/true)) {
    r.UnknownFields(*a, ap, {"vendor", "model", "memoryGiB", "resourceName"});
    r.String(*a, "vendor", ap, &spec->accelerator.vendor);
    r.String(*a, "model", ap, &spec->accelerator.model);
    r.Int(*a, "memoryGiB", ap, &spec->accelerator.memoryGiB, /*required=*/true);
    r.String(*a, "resourceName", ap, &spec->accelerator.resourceName);
  }
  if (const json* c = r.Object(s, "capacity", p)) {
    r.UnknownFields(*c, "spec.capacity", {"accelerators"});
    r.Int(*c, "accelerators", "spec.capacity", &spec->capacity.accelerators);
  }
  const std::string pp = "spec.pricing";
  if (const json* pr = r.Object(s, "pricing", p, /*required=*/true)) {
    r.UnknownFields(*pr, pp, {"acceleratorHour", "currency", "spot"});
    r.Dec(*pr, "acceleratorHour", pp, &spec->pricing.acceleratorHour, /*required=*/true);
    r.String(*pr, "currency", pp, &spec->pricing.currency);
    r.Bool(*pr, "spot", pp, &spec->pricing.spot);
  }
  const std::string wp = "spec.power";
  if (const json* pw = r.Object(s, "power", p, /*required=*/true)) {
    r.UnknownFields(*pw, wp, {"acceleratorWatts", "idleWatts"});
    r.Int(*pw, "acceleratorWatts", wp, &spec->power.acceleratorWatts, /*required=*/true);
    r.Int(*pw, "idleWatts", wp, &spec->power.idleWatts);
  }
  r.Int(s, "carbonIntensity", p, &spec->carbonIntensity);
  r.Dec(s, "pue", p, &spec->pue);
}

void DecodeStatus(FieldReader& r, const json& s, GPUPoolStatus* status) {
  const std::string p = "status";
  if (const json* c = r.Object(s, "capacity", p)) {
    r.Int(*c, "accelerators", "status.capacity", &status->capacityAccelerators);
  }
  if (const json* a = r.Object(s, "allocated", p)) {
    r.Int(*a, "accelerators", "status.allocated", &status->allocatedAccelerators);
  }
  r.Int(s, "readyNodes", p, &status->readyNodes);
  status->conditions = DecodeConditions(r, s, p);
}

void DecodeSpec(FieldReader& r, const json& s, AIWorkloadSpec* spec) {
  const std::string p = "spec";
  r.UnknownFields(s, p,
                  {"type", "replicas", "template", "accelerators", "placement", "tags", "limits",
                   "redundancy", "priority", "preemptionPolicy"});
  r.Enum(s, "type", p, &spec->type, /*required=*/true);
  r.Int(s, "replicas", p, &spec->replicas);
  if (const json* t = r.Object(s, "template", p, /*required=*/true)) spec->tmpl = *t;
  if (const json* a = r.Object(s, "accelerators", p)) {
    const std::string ap = "spec.accelerators";
    r.UnknownFields(*a, ap, {"count", "vendors", "models", "minMemoryGiB"});
    r.Int(*a, "count", ap, &spec->accelerators.count);
    r.StringList(*a, "vendors", ap, &spec->accelerators.vendors);
    r.StringList(*a, "models", ap, &spec->accelerators.models);
    r.Int(*a, "minMemoryGiB", ap, &spec->accelerators.minMemoryGiB);
  }
  if (const json* pl = r.Object(s, "placement", p)) {
    const std::string pp = "spec.placement";
    auto& out = spec->placement;
    r.UnknownFields(*pl, pp,
                    {"locations", "dataClassification", "maxLatencyMs", "regions",
                     "clusterSelector", "spot", "objective", "tiers", "failback"});
    if (const json* arr = r.Array(*pl, "locations", pp)) {
      for (size_t i = 0; i < arr->size(); ++i) {
        Location loc{};
        if (r.EnumValue((*arr)[i], Index("spec.placement.locations", i), &loc)) {
          out.locations.push_back(loc);
        }
      }
    }
    r.Enum(*pl, "dataClassification", pp, &out.dataClassification);
    r.Int(*pl, "maxLatencyMs", pp, &out.maxLatencyMs);
    r.StringList(*pl, "regions", pp, &out.regions);
    if (const json* sel = r.Object(*pl, "clusterSelector", pp)) {
      out.clusterSelector = DecodeLabelSelector(r, *sel, "spec.placement.clusterSelector");
    }
    r.Enum(*pl, "spot", pp, &out.spot);
    r.Enum(*pl, "objective", pp, &out.objective);
    r.Objects(*pl, "tiers", pp, [&](const json& t, const std::string& tp) {
      r.UnknownFields(t, tp, {"locations", "maxLatencyMs", "regions", "clusterSelector"});
      PlacementTier tier;
      if (const json* locs = r.Array(t, "locations", tp)) {
        for (size_t j = 0; j < locs->size(); ++j) {
          Location loc{};
          if (r.EnumValue((*locs)[j], Index(tp + ".locations", j), &loc)) {
            tier.locations.push_back(loc);
          }
        }
      }
      r.Int(t, "maxLatencyMs", tp, &tier.maxLatencyMs);
      r.StringList(t, "regions", tp, &tier.regions);
      if (const json* sel = r.Object(t, "clusterSelector", tp)) {
        tier.clusterSelector = DecodeLabelSelector(r, *sel, tp + ".clusterSelector");
      }
      out.tiers.push_back(std::move(tier));
    });
    if (const json* fb = r.Object(*pl, "failback", pp)) {
      const std::string fp = "spec.placement.failback";
      r.UnknownFields(*fb, fp, {"mode", "afterSeconds"});
      r.Enum(*fb, "mode", fp, &out.failback.mode);
      r.Int(*fb, "afterSeconds", fp, &out.failback.afterSeconds);
    }
  }
  r.StringMap(s, "tags", p, &spec->tags);
  if (const json* l = r.Object(s, "limits", p)) {
    r.UnknownFields(*l, "spec.limits", {"maxPowerWatts", "maxHourlyCost"});
    r.Int(*l, "maxPowerWatts", "spec.limits", &spec->limits.maxPowerWatts);
    r.Dec(*l, "maxHourlyCost", "spec.limits", &spec->limits.maxHourlyCost);
  }
  if (const json* rd = r.Object(s, "redundancy", p)) {
    const std::string rp = "spec.redundancy";
    r.UnknownFields(*rd, rp, {"mode", "topologyKey", "minDomains", "failoverAfterSeconds"});
    r.Enum(*rd, "mode", rp, &spec->redundancy.mode);
    r.Enum(*rd, "topologyKey", rp, &spec->redundancy.topologyKey);
    r.Int(*rd, "minDomains", rp, &spec->redundancy.minDomains);
    r.Int(*rd, "failoverAfterSeconds", rp, &spec->redundancy.failoverAfterSeconds);
  }
  r.Int(s, "priority", p, &spec->priority);
  r.Enum(s, "preemptionPolicy", p, &spec->preemptionPolicy);
}

void DecodeRemainder(FieldReader& r, const json& s, const std::string& path,
                     AccrualRemainder* out) {
  const json* m = r.Object(s, "remainder", path);
  if (m == nullptr) return;
  const std::string p = JoinPath(path, "remainder");
  r.Int(*m, "cost", p, &out->cost);
  r.Int(*m, "energy", p, &out->energy);
  r.Int(*m, "carbon", p, &out->carbon);
}

void DecodeStatus(FieldReader& r, const json& s, AIWorkloadStatus* status) {
  const std::string p = "status";
  r.Enum(s, "phase", p, &status->phase);
  r.Int(s, "observedGeneration", p, &status->observedGeneration);
  r.Objects(s, "placements", p, [&](const json& e, const std::string& ep) {
    Placement pl;
    r.String(e, "cluster", ep, &pl.cluster);
    r.String(e, "pool", ep, &pl.pool);
    r.Int(e, "replicas", ep, &pl.replicas);
    r.Int(e, "accelerators", ep, &pl.accelerators);
    r.Enum(e, "role", ep, &pl.role);
    r.Dec(e, "hourlyCost", ep, &pl.hourlyCost);
    r.Int(e, "powerWatts", ep, &pl.powerWatts);
    r.Int(e, "carbonGramsPerHour", ep, &pl.carbonGramsPerHour);
    r.Int(e, "tier", ep, &pl.tier);
    status->placements.push_back(std::move(pl));
  });
  r.Objects(s, "draining", p, [&](const json& e, const std::string& ep) {
    DrainingPlacement d;
    r.String(e, "cluster", ep, &d.cluster);
    r.String(e, "pool", ep, &d.pool);
    r.Int(e, "replicas", ep, &d.replicas);
    r.Int(e, "readyReplicas", ep, &d.readyReplicas);
    status->draining.push_back(std::move(d));
  });
  r.Int(s, "readyReplicas", p, &status->readyReplicas);
  if (const json* c = r.Object(s, "cost", p)) {
    r.Dec(*c, "hourly", "status.cost", &status->cost.hourly);
    r.Dec(*c, "accumulated", "status.cost", &status->cost.accumulated);
    r.String(*c, "currency", "status.cost", &status->cost.currency);
  }
  if (const json* e = r.Object(s, "energy", p)) {
    r.Int(*e, "powerWatts", "status.energy", &status->energy.powerWatts);
    r.Dec(*e, "energyKWh", "status.energy", &status->energy.energyKWh);
    r.Dec(*e, "carbonKg", "status.energy", &status->energy.carbonKg);
  }
  status->conditions = DecodeConditions(r, s, p);
  r.String(s, "lastAccountingTime", p, &status->lastAccountingTime);
  DecodeRemainder(r, s, p, &status->remainder);
  if (const json* m = r.Object(s, "monthToDate", p)) {
    const std::string mp = "status.monthToDate";
    r.String(*m, "since", mp, &status->monthToDate.since);
    r.Dec(*m, "cost", mp, &status->monthToDate.cost);
    r.Dec(*m, "energyKWh", mp, &status->monthToDate.energyKWh);
    r.Dec(*m, "carbonKg", mp, &status->monthToDate.carbonKg);
    DecodeRemainder(r, *m, mp, &status->monthToDate.remainder);
  }
  r.Int(s, "throttledReplicas", p, &status->throttledReplicas);
}

void DecodeSpec(FieldReader& r, const json& s, BudgetSpec* spec) {
  const std::string p = "spec";
  r.UnknownFields(s, p,
                  {"selector", "period", "timeZone", "limits", "enforcement", "warnAtPercent"});
  if (const json* sel = r.Object(s, "selector", p)) {
    r.UnknownFields(*sel, "spec.selector", {"tags"});
    r.StringMap(*sel, "tags", "spec.selector", &spec->selector.tags);
  }
  r.Enum(s, "period", p, &spec->period);
  r.String(s, "timeZone", p, &spec->timeZone);
  if (const json* l = r.Object(s, "limits", p, /*required=*/true)) {
    const std::string lp = "spec.limits";
    r.UnknownFields(*l, lp, {"powerWatts", "energyKWh", "carbonKg", "cost"});
    r.Int(*l, "powerWatts", lp, &spec->limits.powerWatts);
    r.Dec(*l, "energyKWh", lp, &spec->limits.energyKWh);
    r.Dec(*l, "carbonKg", lp, &spec->limits.carbonKg);
    r.Dec(*l, "cost", lp, &spec->limits.cost);
  }
  r.Enum(s, "enforcement", p, &spec->enforcement);
  r.Int(s, "warnAtPercent", p, &spec->warnAtPercent);
}

void DecodeUsage(FieldReader& r, const json& s, const std::string& path, std::string_view key,
                 BudgetUsage* usage) {
  const json* u = r.Object(s, key, path);
  if (u == nullptr) return;
  std::string p = JoinPath(path, key);
  r.Int(*u, "powerWatts", p, &usage->powerWatts);
  r.Dec(*u, "energyKWh", p, &usage->energyKWh);
  r.Dec(*u, "carbonKg", p, &usage->carbonKg);
  r.Dec(*u, "cost", p, &usage->cost);
}

void DecodeStatus(FieldReader& r, const json& s, BudgetStatus* status) {
  const std::string p = "status";
  r.Int(s, "observedGeneration", p, &status->observedGeneration);
  r.String(s, "periodStart", p, &status->periodStart);
  if (const json* rt = r.Object(s, "rate", p)) {
    r.Dec(*rt, "hourlyCost", "status.rate", &status->rate.hourlyCost);
    r.Int(*rt, "powerWatts", "status.rate", &status->rate.powerWatts);
    r.Int(*rt, "carbonGramsPerHour", "status.rate", &status->rate.carbonGramsPerHour);
  }
  DecodeUsage(r, s, p, "usage", &status->usage);
  DecodeUsage(r, s, p, "projected", &status->projected);
  DecodeRemainder(r, s, p, &status->remainder);
  r.String(s, "lastAccountingTime", p, &status->lastAccountingTime);
  r.Int(s, "workloads", p, &status->workloads);
  r.Int(s, "throttledWorkloads", p, &status->throttledWorkloads);
  if (const json* pp = r.Object(s, "previousPeriod", p)) {
    PreviousPeriod prev;
    r.String(*pp, "start", "status.previousPeriod", &prev.start);
    DecodeUsage(r, *pp, "status.previousPeriod", "usage", &prev.usage);
    status->previousPeriod = std::move(prev);
  }
  status->conditions = DecodeConditions(r, s, p);
}

template <class T>
void DecodeStatusField(FieldReader& r, const json& s, T* status) {
  DecodeStatus(r, s, status);
}
void DecodeStatusField(FieldReader& r, const json& s, std::optional<GPUPoolStatus>* status) {
  GPUPoolStatus out;
  DecodeStatus(r, s, &out);
  *status = std::move(out);
}

template <class T>
bool DecodeObject(const json& object, T* out, std::vector<Diagnostic>* diags) {
  FieldReader r(diags, ObjectRefOf(object));
  if (!CheckEnvelope<T>(r, object)) return false;
  out->metadata = DecodeMeta(r, object);
  const json* spec = r.Object(object, "spec", "");
  // A missing spec still reports every required spec field, not just "spec: required".
  static const json kEmpty = json::object();
  DecodeSpec(r, spec != nullptr ? *spec : kEmpty, &out->spec);
  if (const json* status = r.Object(object, "status", "")) {
    DecodeStatusField(r, *status, &out->status);
  }
  return r.errors() == 0;
}

template <class T>
std::optional<T> DecodeOrNull(const json& object, std::vector<Diagnostic>* diags) {
  T out;
  if (!DecodeObject(object, &out, diags)) return std::nullopt;
  return out;
}

}  // namespace

std::string ObjectRef(const ObjectMeta& meta) {
  return meta.namespace_.empty() ? meta.name : meta.namespace_ + "/" + meta.name;
}

std::string ObjectRefOf(const json& object) {
  if (!object.is_object()) return "";
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return "";
  auto name = md->find("name");
  if (name == md->end() || !name->is_string()) return "";
  auto ns = md->find("namespace");
  std::string out;
  if (ns != md->end() && ns->is_string() && !ns->get_ref<const std::string&>().empty()) {
    out = ns->get<std::string>() + "/";
  }
  return out + name->get<std::string>();
}

bool DecodeInto(const json& o, MemberCluster* out, std::vector<Diagnostic>* d) {
  return DecodeObject(o, out, d);
}
bool DecodeInto(const json& o, GPUPool* out, std::vector<Diagnostic>* d) {
  return DecodeObject(o, out, d);
}
bool DecodeInto(const json& o, AIWorkload* out, std::vector<Diagnostic>* d) {
  return DecodeObject(o, out, d);
}
bool DecodeInto(const json& o, Budget* out, std::vector<Diagnostic>* d) {
  return DecodeObject(o, out, d);
}

std::optional<MemberCluster> DecodeMemberCluster(const json& o, std::vector<Diagnostic>* d) {
  return DecodeOrNull<MemberCluster>(o, d);
}
std::optional<GPUPool> DecodeGPUPool(const json& o, std::vector<Diagnostic>* d) {
  return DecodeOrNull<GPUPool>(o, d);
}
std::optional<AIWorkload> DecodeAIWorkload(const json& o, std::vector<Diagnostic>* d) {
  return DecodeOrNull<AIWorkload>(o, d);
}
std::optional<Budget> DecodeBudget(const json& o, std::vector<Diagnostic>* d) {
  return DecodeOrNull<Budget>(o, d);
}

}  // namespace hybridai::api
