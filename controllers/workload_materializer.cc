#include "controllers/workload_materializer.h"

#include "controllers/member_kind.h"

#include <algorithm>
#include <cstdio>
#include <functional>

namespace hybridai::controllers {

using nlohmann::json;

namespace {

// FNV-1a: stable across runs and platforms, unlike std::hash.
uint32_t Fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

json LabelsJson(const std::map<std::string, std::string>& labels) {
  json out = json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

json TolerationJson(const api::Toleration& t) {
  json out = json::object();
  if (!t.key.empty()) out["key"] = t.key;
  if (!t.op.empty()) out["operator"] = t.op;
  if (!t.value.empty()) out["value"] = t.value;
  if (!t.effect.empty()) out["effect"] = t.effect;
  if (t.tolerationSeconds) out["tolerationSeconds"] = *t.tolerationSeconds;
  return out;
}

// Applies the pool's pinning and the accelerator limit to a copy of the user's pod template.
json PinnedPodTemplate(const api::AIWorkload& w, const api::Placement& p, const api::GPUPool& pool,
                       const std::map<std::string, std::string>& labels) {
  json tmpl = w.spec.tmpl.is_object() ? w.spec.tmpl : json::object();
  json& meta = tmpl["metadata"];
  if (!meta.is_object()) meta = json::object();
  json& tmpl_labels = meta["labels"];
  if (!tmpl_labels.is_object()) tmpl_labels = json::object();
  // The role stays off the pods: promoting a standby must not change a Job's immutable template.
  for (const auto& [k, v] : labels)
    if (k != kLabelRole) tmpl_labels[k] = v;

  json& spec = tmpl["spec"];
  if (!spec.is_object()) spec = json::object();
  json& selector = spec["nodeSelector"];
  if (!selector.is_object()) selector = json::object();
  for (const auto& [k, v] : pool.spec.nodeSelector) selector[k] = v;
  if (selector.empty()) spec.erase("nodeSelector");

  if (!pool.spec.tolerations.empty()) {
    json& tolerations = spec["tolerations"];
    if (!tolerations.is_array()) tolerations = json::array();
    for (const auto& t : pool.spec.tolerations) {
      json tj = TolerationJson(t);
      if (std::find(tolerations.begin(), tolerations.end(), tj) == tolerations.end())
        tolerations.push_back(std::move(tj));
    }
  }

  json& containers = spec["containers"];
  if (containers.is_array() && !containers.empty() && containers[0].is_object()) {
    json& resources = containers[0]["resources"];
    if (!resources.is_object()) resources = json::object();
    const std::string count = std::to_string(w.spec.accelerators.count);
    const std::string& rn = pool.spec.accelerator.resourceName;
    // Extended resources must have requests == limits; set both so the template cannot disagree.
    for (const char* part : {"limits", "requests"}) {
      json& r = resources[part];
      if (!r.is_object()) r = json::object();
      r[rn] = count;
    }
  }
  (void)p;
  return tmpl;
}

json MemberMetadata(const api::AIWorkload& w, const api::Placement& p,
                    const std::map<std::string, std::string>& labels) {
  return {{"name", MemberObjectName(w.metadata.name, p.pool)},
          {"namespace", w.metadata.namespace_},
          {"labels", LabelsJson(labels)},
          {"annotations", {{kAnnotationWorkloadUid, w.metadata.uid}}}};
}

}  // namespace

std::string MemberObjectName(const std::string& workload, const std::string& pool) {
  std::string name = workload + "-" + pool;
  // Deployment pods append "-<hash>-<rand>" (17 chars) and must stay a 63-char DNS label.
  constexpr size_t kMax = 46;
  if (name.size() <= kMax) return name;
  char suffix[10];
  std::snprintf(suffix, sizeof suffix, "-%08x", Fnv1a(name));
  std::string head = name.substr(0, kMax - 9);
  while (!head.empty() && (head.back() == '-' || head.back() == '.')) head.pop_back();
  return head + suffix;
}

std::map<std::string, std::string> PlacementLabels(const api::AIWorkload& w,
                                                   const api::Placement& p) {
  std::map<std::string, std::string> labels = w.spec.tags;
  labels[kLabelWorkload] = w.metadata.name;
  labels[kLabelWorkloadNamespace] = w.metadata.namespace_;
  labels[kLabelCluster] = p.cluster;
  labels[kLabelPool] = p.pool;
  labels[kLabelRole] = p.role == api::Role::Active ? "Active" : "Standby";
  labels[kLabelManagedBy] = kManagedByValue;
  return labels;
}

json BuildDeployment(const api::AIWorkload& w, const api::Placement& p, const api::GPUPool& pool) {
  const auto labels = PlacementLabels(w, p);
  json selector = {{kLabelWorkload, w.metadata.name},
                   {kLabelWorkloadNamespace, w.metadata.namespace_},
                   {kLabelPool, p.pool}};
  json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", MemberMetadata(w, p, labels)},
      {"spec",
       {{"replicas", p.role == api::Role::Active ? p.replicas : 0},
        {"selector", {{"matchLabels", selector}}},
        {"template", PinnedPodTemplate(w, p, pool, labels)}}},
  };
  return deployment;
}

json BuildJob(const api::AIWorkload& w, const api::Placement& p, const api::GPUPool& pool) {
  const auto labels = PlacementLabels(w, p);
  json tmpl = PinnedPodTemplate(w, p, pool, labels);
  json& pod_spec = tmpl["spec"];
  const std::string restart = pod_spec.value("restartPolicy", "");
  if (restart.empty() || restart == "Always") pod_spec["restartPolicy"] = "OnFailure";
  return {
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata", MemberMetadata(w, p, labels)},
      {"spec",
       {{"parallelism", p.replicas},
        {"completions", p.replicas},
        {"suspend", p.role != api::Role::Active},
        {"template", std::move(tmpl)}}},
  };
}

json BuildMemberObject(const api::AIWorkload& w, const api::Placement& p, const api::GPUPool& pool,
                       bool suspended) {
  const MemberKind& kind = MemberKindFor(w.spec.type);
  json obj = kind.Build(w, p, pool);
  if (suspended) obj.merge_patch(kind.ScaleToZeroPatch());
  char hash[16];
  std::snprintf(hash, sizeof hash, "%08x", Fnv1a(obj.dump()));
  obj["metadata"]["annotations"][kAnnotationSpecHash] = hash;
  return obj;
}

}  // namespace hybridai::controllers
