#include "controllers/member_kind.h"

#include "controllers/workload_materializer.h"

namespace hybridai::controllers {

using nlohmann::json;

namespace {

json Field(const json& spec, const char* name) {
  return spec.is_object() ? spec.value(name, json()) : json();
}

class DeploymentKind final : public MemberKind {
 public:
  const runtime::ResourceKind& Kind() const override { return runtime::kinds::kDeployment; }
  json Build(const api::AIWorkload& w, const api::Placement& p,
             const api::GPUPool& pool) const override {
    return BuildDeployment(w, p, pool);
  }
  bool ScaleMatches(const json& live, const json& desired) const override {
    return Field(live, "replicas") == Field(desired, "replicas");
  }
  MemberState Observe(const json* object, const api::Placement&) const override {
    MemberState s;
    if (object == nullptr) return s;
    s.ready = object->value("status", json::object()).value("readyReplicas", int64_t{0});
    return s;
  }
  json ScaleToZeroPatch() const override { return {{"spec", {{"replicas", 0}}}}; }
};

class JobKind final : public MemberKind {
 public:
  const runtime::ResourceKind& Kind() const override { return runtime::kinds::kJob; }
  json Build(const api::AIWorkload& w, const api::Placement& p,
             const api::GPUPool& pool) const override {
    return BuildJob(w, p, pool);
  }
  bool ScaleMatches(const json& live, const json& desired) const override {
    return Field(live, "suspend") == Field(desired, "suspend") &&
           Field(live, "parallelism") == Field(desired, "parallelism");
  }
  MemberState Observe(const json* object, const api::Placement& p) const override {
    MemberState s;
    if (object == nullptr) return s;
    const json status = object->value("status", json::object());
    s.ready = status.value("ready", int64_t{0});
    if (s.ready == 0) s.ready = status.value("active", int64_t{0});
    s.succeeded = status.value("succeeded", int64_t{0}) >= p.replicas && p.replicas > 0;
    for (const auto& c : status.value("conditions", json::array())) {
      if (c.value("status", "") != "True") continue;
      if (c.value("type", "") == "Failed") s.failed = true;
      if (c.value("type", "") == "Complete") s.succeeded = true;
    }
    return s;
  }
  json ScaleToZeroPatch() const override { return {{"spec", {{"suspend", true}}}}; }
};

const DeploymentKind kDeploymentKind;
const JobKind kJobKind;

}  // namespace

const MemberKind& MemberKindFor(api::WorkloadType type) {
  if (type == api::WorkloadType::Inference) return kDeploymentKind;
  return kJobKind;
}

const std::vector<const MemberKind*>& AllMemberKinds() {
  static const std::vector<const MemberKind*> kAll = {&kDeploymentKind, &kJobKind};
  return kAll;
}

}  // namespace hybridai::controllers
