// The rules of core/validation.h's table that apply to decoded values: ranges, syntax of
// names and labels, and the cross-field (CEL) rules.
#include "core/validation.h"

#include <cctype>
#include <cstdint>

#include "core/codec.h"
#include "core/enums.h"
#include "core/escape.h"
#include "core/time_zone.h"

namespace hybridai {
namespace {

using namespace api;

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool IsAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, 1..63 chars.
bool IsLabelName(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

class Checker {
 public:
  explicit Checker(std::string object_ref) : ref_(std::move(object_ref)) {}

  void Error(std::string path, std::string message) {
    out_.push_back(MakeError(ref_, std::move(path), std::move(message)));
  }
  void AtLeast(const std::string& path, int64_t value, int64_t min) {
    if (value < min)
      Error(path, "must be >= " + std::to_string(min) + ", got " + std::to_string(value));
  }
  void AtLeast(const std::string& path, const std::optional<int64_t>& value, int64_t min) {
    if (value) AtLeast(path, *value, min);
  }
  void DecimalAtLeast(const std::string& path, Decimal value, Decimal min) {
    if (value < min) Error(path, "must be >= " + min.ToString() + ", got " + value.ToString());
  }
  void Required(const std::string& path, const std::string& value) {
    if (value.empty()) Error(path, "required");
  }

  void Name(const ObjectMeta& m) {
    if (m.name.empty()) {
      Error("metadata.name", "required");
    } else if (!IsDns1123Subdomain(m.name)) {
      Error("metadata.name",
            "must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 "
            "characters), got " +
                Quote(m.name));
    }
    Labels("metadata.labels", m.labels);
  }
  void ClusterScoped(const ObjectMeta& m, std::string_view kind) {
    Name(m);
    if (!m.namespace_.empty()) {
      Error("metadata.namespace", "must be empty: " + std::string(kind) +
                                      " is cluster-scoped, got " + Quote(m.namespace_));
    }
  }
  void Namespaced(const ObjectMeta& m) {
    Name(m);
    if (m.namespace_.empty()) {
      Error("metadata.namespace", "required");
    } else if (!IsDns1123Label(m.namespace_)) {
      Error("metadata.namespace",
            "must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 "
            "characters), got " +
                Quote(m.namespace_));
    }
  }

  void Labels(const std::string& path, const std::map<std::string, std::string>& labels) {
    for (const auto& [k, v] : labels) {
      if (!IsLabelKey(k)) {
        Error(path,
              "key " + Quote(k) +
                  " is not a valid label key (optional DNS prefix and '/', then 1-63 characters "
                  "[A-Za-z0-9] with '-', '_', '.' inside)");
      }
      if (!IsLabelValue(v)) {
        Error(path + "[" + k + "]",
              "must be a valid label value (at most 63 characters [A-Za-z0-9] with '-', '_', "
              "'.' inside, or empty), got " +
                  Quote(v));
      }
    }
  }

  std::vector<Diagnostic> Take() { return std::move(out_); }

 private:
  std::string ref_;
  std::vector<Diagnostic> out_;
};

const Decimal kOne = Decimal::FromInt(1);

}  // namespace

bool IsDns1123Label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsDns1123Subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    // Parts of a subdomain follow label syntax; only the total length is capped at 253.
    if (part.empty() || !IsLowerAlnum(part.front()) || !IsLowerAlnum(part.back())) return false;
    for (char c : part) {
      if (!IsLowerAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsLabelKey(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return IsLabelName(s);
  return IsDns1123Subdomain(s.substr(0, slash)) && IsLabelName(s.substr(slash + 1));
}

bool IsLabelValue(std::string_view s) {
  return s.empty() || IsLabelName(s);
}

bool IsCurrencyCode(std::string_view s) {
  if (s.size() != 3) return false;
  for (char c : s) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

std::vector<Diagnostic> Validate(const MemberCluster& o) {
  Checker c(ObjectRef(o.metadata));
  c.ClusterScoped(o.metadata, "MemberCluster");
  const auto& s = o.spec;
  c.Required("spec.provider", s.provider);
  c.AtLeast("spec.latencyMs", s.latencyMs, 0);
  c.AtLeast("spec.carbonIntensity", s.carbonIntensity, 0);
  c.DecimalAtLeast("spec.pue", s.pue, kOne);
  if (s.kubeconfigSecretRef) {
    c.Required("spec.kubeconfigSecretRef.name", s.kubeconfigSecretRef->name);
    c.Required("spec.kubeconfigSecretRef.key", s.kubeconfigSecretRef->key);
    const auto& ns = s.kubeconfigSecretRef->namespace_;
    if (!ns.empty() && !IsDns1123Label(ns)) {
      c.Error("spec.kubeconfigSecretRef.namespace", "must be a DNS-1123 label, got " + Quote(ns));
    }
  }
  for (size_t i = 0; i < s.taints.size(); ++i) {
    std::string p = "spec.taints[" + std::to_string(i) + "].key";
    if (s.taints[i].key.empty()) {
      c.Error(p, "required");
    } else if (!IsLabelKey(s.taints[i].key)) {
      c.Error(p, "must be a valid label key, got " + Quote(s.taints[i].key));
    }
  }
  return c.Take();
}

std::vector<Diagnostic> Validate(const GPUPool& o) {
  Checker c(ObjectRef(o.metadata));
  c.ClusterScoped(o.metadata, "GPUPool");
  const auto& s = o.spec;
  if (s.cluster.empty()) {
    c.Error("spec.cluster", "required");
  } else if (!IsDns1123Subdomain(s.cluster)) {
    c.Error("spec.cluster",
            "must be a MemberCluster name (DNS-1123 subdomain), got " + Quote(s.cluster));
  }
  c.Labels("spec.nodeSelector", s.nodeSelector);
  for (size_t i = 0; i < s.tolerations.size(); ++i) {
    const auto& t = s.tolerations[i];
    std::string p = "spec.tolerations[" + std::to_string(i) + "]";
    if (!t.op.empty() && t.op != "Exists" && t.op != "Equal") {
      c.Error(p + ".operator", "must be one of Exists, Equal, got " + Quote(t.op));
    }
    if (!t.effect.empty() && t.effect != "NoSchedule" && t.effect != "PreferNoSchedule" &&
        t.effect != "NoExecute") {
      c.Error(p + ".effect",
              "must be one of NoSchedule, PreferNoSchedule, NoExecute, got " + Quote(t.effect));
    }
  }
  c.Required("spec.accelerator.vendor", s.accelerator.vendor);
  c.Required("spec.accelerator.model", s.accelerator.model);
  c.AtLeast("spec.accelerator.memoryGiB", s.accelerator.memoryGiB, 1);
  if (s.accelerator.resourceName.empty()) {
    c.Error("spec.accelerator.resourceName", "required");
  } else if (!IsLabelKey(s.accelerator.resourceName)) {
    c.Error("spec.accelerator.resourceName",
            "must be a qualified name like \"nvidia.com/gpu\", got " +
                Quote(s.accelerator.resourceName));
  }
  c.AtLeast("spec.capacity.accelerators", s.capacity.accelerators, 0);
  if (!IsCurrencyCode(s.pricing.currency)) {
    c.Error("spec.pricing.currency",
            "must be three capital letters (ISO 4217, e.g. USD), got " + Quote(s.pricing.currency));
  }
  c.AtLeast("spec.power.acceleratorWatts", s.power.acceleratorWatts, 0);
  c.AtLeast("spec.power.idleWatts", s.power.idleWatts, 0);
  c.AtLeast("spec.carbonIntensity", s.carbonIntensity, 0);
  if (s.pue) c.DecimalAtLeast("spec.pue", *s.pue, kOne);
  return c.Take();
}

std::vector<Diagnostic> Validate(const AIWorkload& o) {
  Checker c(ObjectRef(o.metadata));
  c.Namespaced(o.metadata);
  const auto& s = o.spec;
  c.AtLeast("spec.replicas", s.replicas, 0);
  if (!s.tmpl.is_object()) c.Error("spec.template", "must be an object (a PodTemplateSpec)");
  c.AtLeast("spec.accelerators.count", s.accelerators.count, 1);
  c.AtLeast("spec.accelerators.minMemoryGiB", s.accelerators.minMemoryGiB, 0);
  c.AtLeast("spec.placement.maxLatencyMs", s.placement.maxLatencyMs, 0);
  auto selector = [&c](const std::string& path, const LabelSelector& sel) {
    c.Labels(path + ".matchLabels", sel.matchLabels);
    for (size_t i = 0; i < sel.matchExpressions.size(); ++i) {
      const auto& e = sel.matchExpressions[i];
      std::string p = path + ".matchExpressions[" + std::to_string(i) + "]";
      if (!IsLabelKey(e.key)) c.Error(p + ".key", "must be a valid label key, got " + Quote(e.key));
      const auto& op = e.op;
      if (op != "In" && op != "NotIn" && op != "Exists" && op != "DoesNotExist") {
        c.Error(p + ".operator",
                "must be one of In, NotIn, Exists, DoesNotExist, got " + Quote(op));
      }
    }
  };
  selector("spec.placement.clusterSelector", s.placement.clusterSelector);
  const auto& tiers = s.placement.tiers;
  if (tiers.size() > kMaxPlacementTiers) {
    c.Error("spec.placement.tiers", "must have at most " + std::to_string(kMaxPlacementTiers) +
                                        " items, got " + std::to_string(tiers.size()));
  }
  for (size_t i = 0; i < tiers.size(); ++i) {
    const std::string p = "spec.placement.tiers[" + std::to_string(i) + "]";
    c.AtLeast(p + ".maxLatencyMs", tiers[i].maxLatencyMs, 0);
    selector(p + ".clusterSelector", tiers[i].clusterSelector);
  }
  c.AtLeast("spec.placement.failback.afterSeconds", s.placement.failback.afterSeconds, 0);
  if (s.placement.failback.mode == FailbackMode::WhenRoomReturns && tiers.empty()) {
    c.Error("spec.placement.failback.mode",
            "WhenRoomReturns needs spec.placement.tiers (there is no preferred tier to return to)");
  }
  c.Labels("spec.tags", s.tags);
  c.AtLeast("spec.limits.maxPowerWatts", s.limits.maxPowerWatts, 0);
  const auto& r = s.redundancy;
  c.AtLeast("spec.redundancy.failoverAfterSeconds", r.failoverAfterSeconds, 0);
  if (s.priority < INT32_MIN || s.priority > INT32_MAX) {
    c.Error("spec.priority",
            "must fit in 32 bits (-2147483648..2147483647), got " + std::to_string(s.priority));
  }
  // Cross-field rules, worded as the CRD's CEL messages.
  if (r.mode != RedundancyMode::None && r.minDomains < 2) {
    c.Error("spec.redundancy.minDomains", "must be >= 2 when mode is " +
                                              std::string(ToString(r.mode)) + ", got " +
                                              std::to_string(r.minDomains));
  }
  if (r.mode == RedundancyMode::Spread && s.replicas < r.minDomains) {
    c.Error("spec.replicas", "must be >= minDomains (" + std::to_string(r.minDomains) +
                                 ") when redundancy.mode is Spread, got " +
                                 std::to_string(s.replicas));
  }
  if (s.type == WorkloadType::Training && r.mode == RedundancyMode::Spread) {
    c.Error("spec.redundancy.mode",
            "Training cannot use Spread (a gang lives in one pool); use ActivePassive for a "
            "standby gang");
  }
  return c.Take();
}

std::vector<Diagnostic> Validate(const Budget& o) {
  Checker c(ObjectRef(o.metadata));
  c.Namespaced(o.metadata);
  const auto& s = o.spec;
  c.Labels("spec.selector.tags", s.selector.tags);
  const auto& l = s.limits;
  if (!l.powerWatts && !l.energyKWh && !l.carbonKg && !l.cost) {
    c.Error("spec.limits", "must set at least one of powerWatts, energyKWh, carbonKg, cost");
  }
  c.AtLeast("spec.limits.powerWatts", l.powerWatts, 0);
  if (!KnownTimeZone(s.timeZone)) {
    c.Error("spec.timeZone", "unknown time zone \"" + s.timeZone +
                                 "\": use an IANA name such as Europe/Paris, or UTC");
  }
  if (s.warnAtPercent < 1 || s.warnAtPercent > 100) {
    c.Error("spec.warnAtPercent",
            "must be between 1 and 100, got " + std::to_string(s.warnAtPercent));
  }
  return c.Take();
}

}  // namespace hybridai
