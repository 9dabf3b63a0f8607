// Reconciles one MemberCluster: connects to it with the kubeconfig in its Secret (or uses the
// hub's own client when it names none), probes readiness and version, and reports them in the
// Ready condition. Re-probes every probePeriod. Thread-safe (one key at a time per cluster).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "controllers/fleet_snapshot.h"
#include "controllers/member_registry.h"
#include "runtime/controller.h"

namespace hybridai::controllers {

// What a MemberCluster's kubeconfig Secret may be and do (DESIGN.md, "Security stance"): the
// Secret lives in the operator's namespace unless listed here, and its kubeconfig carries
// inline credentials only, with exec plugins behind an explicit operator flag.
struct MemberSecretPolicy {
  bool allowExecCredentials = false;         // --allow-member-exec-credentials
  std::vector<std::string> extraNamespaces;  // --member-secret-namespaces; "*" allows any
};

struct MemberClusterReconcilerOptions {
  std::string operatorNamespace = "hybrid-system";  // default namespace of kubeconfig Secrets
  // A member is probed this often, and at once when its watches or requests fail; a probe
  // that gets no answer within probeTimeout marks it not Ready.
  std::chrono::seconds probePeriod{5};
  std::chrono::milliseconds probeTimeout{5000};
  // With nothing else changed, status (lastProbeTime) is written at most this often.
  std::chrono::seconds probeRecordPeriod{60};
  MemberSecretPolicy secrets;
};

class MemberClusterReconciler : public runtime::Reconciler {
 public:
  MemberClusterReconciler(runtime::ApiClient& hub, std::shared_ptr<runtime::ApiClient> hub_shared,
                          HubCaches caches, FleetSnapshot& fleet, MemberRegistry& members,
                          ClientFactory factory, runtime::Clock& clock,
                          MemberClusterReconcilerOptions options = {});

  runtime::Result<runtime::ReconcileResult> Reconcile(const runtime::Request& request) override;

 private:
  // Connects (or keeps the connection); on failure returns the reason and message for Ready.
  std::optional<std::pair<std::string, std::string>> Connect(const api::MemberCluster& mc);
  bool SecretNamespaceAllowed(const std::string& ns) const;

  runtime::ApiClient& hub_;
  std::shared_ptr<runtime::ApiClient> hubShared_;
  const HubCaches caches_;
  FleetSnapshot& fleet_;
  MemberRegistry& members_;
  const ClientFactory factory_;
  runtime::Clock& clock_;
  const MemberClusterReconcilerOptions options_;
};

}  // namespace hybridai::controllers
