#include "controllers/membercluster_reconciler.h"

#include "controllers/status_writer.h"

#include <spdlog/spdlog.h>

#include "core/codec.h"
#include "core/conditions.h"
#include "core/rfc3339.h"
#include "runtime/base64.h"
#include "runtime/kubeconfig.h"

namespace hybridai::controllers {

using nlohmann::json;
using runtime::ApiError;
using runtime::ReconcileResult;
using runtime::Result;
namespace kinds = runtime::kinds;

namespace {

std::string Fingerprint(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return std::to_string(h);
}

ApiError NoClient() {
  ApiError e;
  e.reason = ApiError::Reason::Transport;
  e.message = "no client";
  return e;
}

}  // namespace

MemberClusterReconciler::MemberClusterReconciler(runtime::ApiClient& hub,
                                                 std::shared_ptr<runtime::ApiClient> hub_shared,
                                                 HubCaches caches, FleetSnapshot& fleet,
                                                 MemberRegistry& members, ClientFactory factory,
                                                 runtime::Clock& clock,
                                                 MemberClusterReconcilerOptions options)
    : hub_(hub),
      hubShared_(std::move(hub_shared)),
      caches_(caches),
      fleet_(fleet),
      members_(members),
      factory_(std::move(factory)),
      clock_(clock),
      options_(std::move(options)) {}

std::optional<std::pair<std::string, std::string>> MemberClusterReconciler::Connect(
    const api::MemberCluster& mc) {
  const std::string& name = mc.metadata.name;
  if (!mc.spec.kubeconfigSecretRef) {
    members_.Connect(name, "hub", hubShared_);
    return std::nullopt;
  }
  const api::SecretKeyRef& ref = *mc.spec.kubeconfigSecretRef;
  const std::string ns = ref.namespace_.empty() ? options_.operatorNamespace : ref.namespace_;
  const std::string where = "secret " + ns + "/" + ref.name;
  if (!SecretNamespaceAllowed(ns)) {
    members_.Disconnect(name);
    spdlog::warn("msg=\"kubeconfig Secret namespace not allowed\" cluster={} namespace={}", name,
                 ns);
    return std::make_pair("SecretNamespaceNotAllowed",
                          "MemberCluster " + name + ": spec.kubeconfigSecretRef.namespace: " + ns +
                              " is not allowed; kubeconfig Secrets are read from the operator's "
                              "namespace " +
                              options_.operatorNamespace +
                              " only (see --member-secret-namespaces)");
  }
  auto secret = hub_.Get(kinds::kSecret, ns, ref.name);
  if (!secret.ok()) {
    members_.Disconnect(name);
    if (secret.Is(ApiError::Reason::NotFound))
      return std::make_pair("SecretNotFound", where + " not found");
    return std::make_pair("SecretUnreadable", where + ": " + secret.error().message);
  }
  const json data = secret.value().value("data", json::object());
  auto it = data.find(ref.key);
  if (it == data.end() || !it->is_string()) {
    members_.Disconnect(name);
    return std::make_pair("KubeconfigMissing", where + " has no key \"" + ref.key + "\"");
  }
  auto decoded = runtime::Base64Decode(it->get<std::string>());
  if (!decoded) {
    members_.Disconnect(name);
    return std::make_pair("KubeconfigInvalid", where + " key " + ref.key + ": not base64");
  }
  const std::string fingerprint = Fingerprint(*decoded);
  if (members_.HasFingerprint(name, fingerprint)) return std::nullopt;
  // The Secret's kubeconfig is data: checked here, before the factory builds anything from it.
  const auto policy = runtime::KubeconfigPolicy::Untrusted(options_.secrets.allowExecCredentials);
  if (auto checked = runtime::ParseKubeconfig(*decoded, "", where + " key " + ref.key, "", policy);
      !checked.ok() && checked.Is(ApiError::Reason::Forbidden)) {
    members_.Disconnect(name);
    spdlog::warn("msg=\"member kubeconfig refused\" cluster={} error=\"{}\"", name,
                 checked.error().message);
    return std::make_pair("KubeconfigNotAllowed",
                          "MemberCluster " + name + ": " + checked.error().message);
  }
  auto client = factory_(*decoded, where + " key " + ref.key);
  if (!client.ok()) {
    members_.Disconnect(name);
    return std::make_pair("KubeconfigInvalid", client.error().message);
  }
  members_.Connect(name, fingerprint, client.value());
  return std::nullopt;
}

bool MemberClusterReconciler::SecretNamespaceAllowed(const std::string& ns) const {
  if (ns == options_.operatorNamespace) return true;
  for (const auto& allowed : options_.secrets.extraNamespaces) {
    if (allowed == "*" || allowed == ns) return true;
  }
  return false;
}

Result<ReconcileResult> MemberClusterReconciler::Reconcile(const runtime::Request& request) {
  runtime::ObjectPtr object = caches_.clusters->Get("", request.name);
  if (!object) {
    members_.Disconnect(request.name);
    return ReconcileResult{};
  }
  auto mc = fleet_.Cluster(object);
  if (!mc) {
    spdlog::error("msg=\"invalid MemberCluster\" cluster={}", request.name);
    return ReconcileResult{};
  }
  const int64_t now_unix =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch()).count();
  const std::string now = FormatRfc3339(now_unix);
  api::MemberClusterStatus status = mc->status;
  const int64_t gen = mc->metadata.generation;
  if (auto failure = Connect(*mc)) {
    SetCondition(status.conditions, "Ready", "False", failure->first, failure->second, gen, now);
  } else {
    auto client = members_.Client(mc->metadata.name);
    auto version =
        client ? client->Probe("/version", options_.probeTimeout) : Result<json>(NoClient());
    if (version.ok()) {
      status.kubernetesVersion = version.value().value("gitVersion", "");
      SetCondition(status.conditions, "Ready", "True", "Reachable",
                   "API server " + status.kubernetesVersion + " answered", gen, now);
    } else {
      SetCondition(status.conditions, "Ready", "False", "Unreachable", version.error().message, gen,
                   now);
    }
  }
  ReconcileResult r;
  r.requeueAfter = options_.probePeriod;
  // Frequent probes must not mean frequent writes: with nothing but the probe time changed,
  // lastProbeTime is refreshed only every probeRecordPeriod.
  const auto last = ParseRfc3339(mc->status.lastProbeTime);
  json unchanged = api::StatusToJson(status);
  if (last && now_unix - *last < options_.probeRecordPeriod.count() &&
      unchanged == api::StatusToJson(mc->status))
    return r;
  status.lastProbeTime = now;
  if (auto st = PatchStatus(hub_, kinds::kMemberCluster, *object, api::StatusToJson(status));
      !st.ok())
    return st.error();
  return r;
}

}  // namespace hybridai::controllers
