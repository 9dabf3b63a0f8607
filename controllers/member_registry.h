// The operator's connections to its member clusters, by MemberCluster name: one API client per
// member (built from the kubeconfig in the MemberCluster's Secret, or the hub's own client) and
// one informer over the Deployments and Jobs the operator created there, so member-side changes
// map back to the hub AIWorkload that caused them. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/api_client.h"
#include "runtime/clock.h"
#include "runtime/informer.h"

namespace hybridai::controllers {

// Builds a client from a kubeconfig's text; `source` names it in errors ("secret ns/name key").
using ClientFactory = std::function<runtime::Result<std::shared_ptr<runtime::ApiClient>>(
    const std::string& kubeconfig, const std::string& source)>;

class MemberRegistry {
 public:
  // Called with each new member informer before it starts, to attach event handlers.
  using InformerHook = std::function<void(const std::string& cluster, runtime::Informer&)>;
  // Told when a member stopped answering (a watch or a request failed at the transport), so its
  // health is checked now rather than at the next periodic probe. Must not block.
  using FailureHook = std::function<void(const std::string& cluster)>;

  MemberRegistry(runtime::Clock& clock, InformerHook hook);
  ~MemberRegistry();

  // Installs the client for `cluster` unless one built from the same `fingerprint` is there.
  // Returns true when it replaced or added a connection (and restarted the member's watches).
  bool Connect(const std::string& cluster, const std::string& fingerprint,
               std::shared_ptr<runtime::ApiClient> client);
  // Set before the first Connect().
  void SetFailureHook(FailureHook hook) { failureHook_ = std::move(hook); }
  // A request to the member failed: when it is the kind of failure a dark member gives
  // (transport, timeout, 5xx), the failure hook is told.
  void ReportFailure(const std::string& cluster, const runtime::ApiError& error) const;
  bool HasFingerprint(const std::string& cluster, const std::string& fingerprint) const;
  void Disconnect(const std::string& cluster);
  void DisconnectAll();

  std::shared_ptr<runtime::ApiClient> Client(const std::string& cluster) const;
  std::vector<std::string> Clusters() const;

  // Member objects created by the operator, from the member's informer cache; empty when the
  // member is not connected. Kind is kinds::kDeployment or kinds::kJob.
  std::vector<runtime::ObjectPtr> ManagedObjects(const std::string& cluster,
                                                 const runtime::ResourceKind& kind) const;
  // The member objects created for one hub workload ("namespace/name"), from the cache.
  std::vector<runtime::ObjectPtr> ObjectsOf(const std::string& cluster,
                                            const runtime::ResourceKind& kind,
                                            const std::string& workload_key) const;
  // True once every connected member's caches have listed once.
  bool Synced(const std::string& cluster) const;

 private:
  struct Member {
    std::string fingerprint;
    std::shared_ptr<runtime::ApiClient> client;
    std::unique_ptr<runtime::Informer> deployments;
    std::unique_ptr<runtime::Informer> jobs;
  };
  std::shared_ptr<Member> Find(const std::string& cluster) const;
  std::shared_ptr<Member> Build(const std::string& cluster, const std::string& fingerprint,
                                std::shared_ptr<runtime::ApiClient> client);

  runtime::Clock& clock_;
  const InformerHook hook_;
  FailureHook failureHook_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Member>> members_;
};

}  // namespace hybridai::controllers
