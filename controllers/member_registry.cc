#include "controllers/member_registry.h"

#include <spdlog/spdlog.h>

#include "controllers/labels.h"

namespace hybridai::controllers {

using runtime::Informer;
using runtime::InformerOptions;
using runtime::ObjectPtr;

namespace {
constexpr const char* kWorkloadIndex = "hybridai.io/hub-workload";
}  // namespace

MemberRegistry::MemberRegistry(runtime::Clock& clock, InformerHook hook)
    : clock_(clock), hook_(std::move(hook)) {}

MemberRegistry::~MemberRegistry() {
  DisconnectAll();
}

std::shared_ptr<MemberRegistry::Member> MemberRegistry::Build(
    const std::string& cluster, const std::string& fingerprint,
    std::shared_ptr<runtime::ApiClient> client) {
  auto m = std::make_shared<Member>();
  m->fingerprint = fingerprint;
  m->client = std::move(client);
  InformerOptions opts;
  // Only what the operator created: the rest of the member is none of its business, and
  // watching it would cost memory proportional to the member's size.
  opts.labelSelector = std::string(kLabelManagedBy) + "=" + kManagedByValue;
  // One object per placed workload, packed; the pod template is never read back (the spec-hash
  // annotation says whether it is current), so it is not kept.
  opts.compact = true;
  opts.transform = [](nlohmann::json& o) {
    runtime::DropManagedFieldsAndLastApplied(o);
    if (auto spec = o.find("spec"); spec != o.end() && spec->is_object()) spec->erase("template");
  };
  opts.onError = [this, cluster](const runtime::ApiError& e) { ReportFailure(cluster, e); };
  m->deployments =
      std::make_unique<Informer>(*m->client, runtime::kinds::kDeployment, clock_, opts);
  m->jobs = std::make_unique<Informer>(*m->client, runtime::kinds::kJob, clock_, opts);
  // Index by the hub workload that caused each object, for status and garbage collection.
  auto by_workload = [](const nlohmann::json& o) -> std::vector<std::string> {
    const auto& labels = o["metadata"].value("labels", nlohmann::json::object());
    auto name = labels.find(kLabelWorkload);
    auto ns = labels.find(kLabelWorkloadNamespace);
    if (name == labels.end() || ns == labels.end() || !name->is_string() || !ns->is_string())
      return {};
    return {ns->get<std::string>() + "/" + name->get<std::string>()};
  };
  m->deployments->AddIndex(kWorkloadIndex, by_workload);
  m->jobs->AddIndex(kWorkloadIndex, by_workload);
  if (hook_) {
    hook_(cluster, *m->deployments);
    hook_(cluster, *m->jobs);
  }
  m->deployments->Start();
  m->jobs->Start();
  return m;
}

bool MemberRegistry::Connect(const std::string& cluster, const std::string& fingerprint,
                             std::shared_ptr<runtime::ApiClient> client) {
  std::shared_ptr<Member> old;
  {
    std::lock_guard lock(mu_);
    auto it = members_.find(cluster);
    if (it != members_.end() && it->second->fingerprint == fingerprint) return false;
    if (it != members_.end()) old = it->second;
  }
  // Stop the old watches before starting new ones, outside the lock: Stop joins a thread.
  if (old) {
    old->deployments->Stop();
    old->jobs->Stop();
  }
  auto fresh = Build(cluster, fingerprint, std::move(client));
  {
    std::lock_guard lock(mu_);
    members_[cluster] = std::move(fresh);
  }
  spdlog::info("msg=\"member connected\" cluster={} replaced={}", cluster, old != nullptr);
  return true;
}

void MemberRegistry::ReportFailure(const std::string& cluster,
                                   const runtime::ApiError& error) const {
  using Reason = runtime::ApiError::Reason;
  const bool dark = error.reason == Reason::Transport || error.reason == Reason::Timeout ||
                    error.reason == Reason::ServiceUnavailable || error.httpStatus >= 500;
  if (dark && failureHook_) failureHook_(cluster);
}

bool MemberRegistry::HasFingerprint(const std::string& cluster,
                                    const std::string& fingerprint) const {
  std::lock_guard lock(mu_);
  auto it = members_.find(cluster);
  return it != members_.end() && it->second->fingerprint == fingerprint;
}

void MemberRegistry::Disconnect(const std::string& cluster) {
  std::shared_ptr<Member> old;
  {
    std::lock_guard lock(mu_);
    auto it = members_.find(cluster);
    if (it == members_.end()) return;
    old = std::move(it->second);
    members_.erase(it);
  }
  old->deployments->Stop();
  old->jobs->Stop();
  spdlog::info("msg=\"member disconnected\" cluster={}", cluster);
}

void MemberRegistry::DisconnectAll() {
  for (const auto& name : Clusters()) Disconnect(name);
}

std::shared_ptr<runtime::ApiClient> MemberRegistry::Client(const std::string& cluster) const {
  std::lock_guard lock(mu_);
  auto it = members_.find(cluster);
  return it == members_.end() ? nullptr : it->second->client;
}

std::vector<std::string> MemberRegistry::Clusters() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, _] : members_) names.push_back(name);
  return names;
}

std::shared_ptr<MemberRegistry::Member> MemberRegistry::Find(const std::string& cluster) const {
  std::lock_guard lock(mu_);
  auto it = members_.find(cluster);
  return it == members_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> MemberRegistry::ManagedObjects(const std::string& cluster,
                                                      const runtime::ResourceKind& kind) const {
  auto m = Find(cluster);
  if (!m) return {};
  const Informer& inf = kind == runtime::kinds::kJob ? *m->jobs : *m->deployments;
  return inf.store().List();
}

std::vector<ObjectPtr> MemberRegistry::ObjectsOf(const std::string& cluster,
                                                 const runtime::ResourceKind& kind,
                                                 const std::string& workload_key) const {
  auto m = Find(cluster);
  if (!m) return {};
  const Informer& inf = kind == runtime::kinds::kJob ? *m->jobs : *m->deployments;
  return inf.store().ByIndex(kWorkloadIndex, workload_key);
}

bool MemberRegistry::Synced(const std::string& cluster) const {
  std::lock_guard lock(mu_);
  auto it = members_.find(cluster);
  return it != members_.end() && it->second->deployments->HasSynced() &&
         it->second->jobs->HasSynced();
}

}  // namespace hybridai::controllers
