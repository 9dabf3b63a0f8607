// Validation of decoded API objects: the same rules the CRDs enforce (OpenAPI schema + CEL),
// so `kubectl-hybrid plan` rejects offline what the API server would reject online.
// Pure functions; thread-safe. Set-level checks (duplicates, dangling references) are in
// core/manifest_loader.h because they need the whole input.
//
// THE RULE TABLE (single source for crds/; "decode" rules are type/enum/presence checks done
// by core/codec.h, "schema" ones are OpenAPI, "cel" ones x-kubernetes-validations, "server"
// ones the API server's own metadata checks):
//
//  All kinds
//   metadata.name                 server  required; DNS-1123 subdomain: <= 253 chars,
//                                          [a-z0-9]([-a-z0-9]*[a-z0-9])? joined by '.'
//   metadata.namespace            -       MemberCluster/GPUPool: must be empty (cluster-scoped);
//                                          AIWorkload/Budget: required, DNS-1123 label (<= 63);
//                                          manifests without one get "default", like kubectl
//   enums                         schema  exact PascalCase values (core/enums.h); a bad value
//                                          reads `must be one of Cloud, OnPrem, Edge, got "cloud"`
//   integers                      schema  JSON integers only (a string or float is an error)
//   decimals (money, ratios)      schema  strings matching ^[0-9]+(\.[0-9]{1,6})?$ (no sign, no
//                                          exponent, <= 6 fraction digits); numbers are an error
//   label maps (tags,             cel     keys are label keys: optional DNS-1123 subdomain prefix
//    nodeSelector, matchLabels)            (<= 253) + '/', then a name of 1..63 chars
//                                          [A-Za-z0-9] with [-_.] inside (map keys: CEL only)
//                                 schema  values are label values: <= 63 chars, same charset,
//                                          may be empty
//  MemberCluster
//   spec.location                 schema  required; Cloud | OnPrem | Edge
//   spec.provider                 schema  required, non-empty
//   spec.maxDataClassification    schema  Public | Internal | Confidential | Restricted;
//                                          default Internal
//   spec.latencyMs                schema  integer >= 0, default 0
//   spec.carbonIntensity          schema  integer >= 0, default 0
//   spec.pue                      cel     decimal >= 1 (strings compare only in CEL),
//                                          default "1"
//   spec.kubeconfigSecretRef      schema  name required, non-empty; key default "kubeconfig";
//                                          namespace default "" (the operator's namespace)
//   spec.taints[].key             schema  required; label key syntax
//   spec.taints[].effect          schema  required; NoSchedule | NoExecute
//  GPUPool
//   spec.cluster                  schema  required; DNS-1123 subdomain
//   spec.nodeSelector             both    a label map (see above)
//   spec.tolerations[].operator   schema  "" | Exists | Equal
//   spec.tolerations[].effect     schema  "" | NoSchedule | PreferNoSchedule | NoExecute
//   spec.accelerator.vendor       schema  required, non-empty
//   spec.accelerator.model        schema  required, non-empty
//   spec.accelerator.memoryGiB    schema  required; integer >= 1
//   spec.accelerator.resourceName schema  required; qualified name (label-key syntax),
//                                          e.g. nvidia.com/gpu
//   spec.capacity.accelerators    schema  integer >= 0 (optional)
//   spec.pricing.acceleratorHour  schema  required; decimal >= 0
//   spec.pricing.currency         schema  ^[A-Z]{3}$, default USD
//   spec.pricing.spot             schema  boolean, default false
//   spec.power.acceleratorWatts   schema  required; integer >= 0
//   spec.power.idleWatts          schema  integer >= 0, default 0
//   spec.carbonIntensity          schema  integer >= 0 (optional override)
//   spec.pue                      cel     decimal >= 1 (optional override)
//  AIWorkload
//   spec.type                     schema  required; Inference | Training | Batch
//   spec.replicas                 schema  integer >= 0, default 1
//   spec.template                 schema  required; object (PodTemplateSpec, preserved as is)
//   spec.accelerators.count       schema  integer >= 1, default 1
//   spec.accelerators.minMemoryGiB schema integer >= 0, default 0
//   spec.placement.locations[]    schema  Cloud | OnPrem | Edge (empty = all)
//   spec.placement.dataClassification schema enum, default Public
//   spec.placement.maxLatencyMs   schema  integer >= 0 (optional)
//   spec.placement.spot           schema  Never | Allowed | Preferred, default Allowed
//   spec.placement.objective      schema  Cost | Energy | Carbon | Latency | Balanced,
//                                          default Balanced
//   spec.placement.clusterSelector.matchExpressions[].operator
//                                 schema  In | NotIn | Exists | DoesNotExist; key label key
//   spec.tags                     both    a label map (see above)
//   spec.limits.maxPowerWatts     schema  integer >= 0 (optional)
//   spec.limits.maxHourlyCost     schema  decimal >= 0 (optional)
//   spec.redundancy.mode          schema  None | Spread | ActivePassive, default None
//   spec.redundancy.topologyKey   schema  Provider | Location | Region | Cluster | Pool,
//                                          default Cluster
//   spec.redundancy.minDomains    schema  integer, default 2
//   spec.redundancy.failoverAfterSeconds schema integer >= 0, default 60
//   spec.priority                 schema  int32 (-2147483648..2147483647), default 0
//   spec.redundancy.minDomains    cel     mode in (Spread, ActivePassive) => minDomains >= 2
//                                          "must be >= 2 when mode is Spread, got 1"
//   spec.replicas                 cel     mode == Spread => replicas >= minDomains
//                                          "must be >= minDomains (3) when redundancy.mode is
//                                          Spread, got 2"
//   spec.redundancy.mode          cel     type == Training => mode != Spread
//                                          "Training cannot use Spread (a gang lives in one
//                                          pool); use ActivePassive for a standby gang"
//   (maxLatencyMs is only checked as >= 0; minDomains with mode None is not checked)
//  Budget
//   spec.selector.tags            both    a label map (see above); empty = every workload
//   spec.period                   schema  Daily | Weekly | Monthly, default Monthly
//   spec.limits                   schema  required object
//   spec.limits                   cel     at least one of powerWatts, energyKWh, carbonKg, cost
//                                          "must set at least one of powerWatts, energyKWh,
//                                          carbonKg, cost"
//   spec.limits.powerWatts        schema  integer >= 0
//   spec.limits.energyKWh, carbonKg, cost  schema decimal >= 0
//   spec.enforcement              schema  Deny | Throttle | Warn, default Warn
//   spec.warnAtPercent            schema  integer 1..100, default 80
//
// Unknown spec fields are warnings (the CRD prunes them; strict kubectl rejects them).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/types.h"

namespace hybridai {

// Each returns every problem found, Errors and Warnings, with objectRef and path set (file and
// document index are the caller's to fill). An empty result, or only Warnings, means valid.
std::vector<Diagnostic> Validate(const api::MemberCluster& object);
std::vector<Diagnostic> Validate(const api::GPUPool& object);
std::vector<Diagnostic> Validate(const api::AIWorkload& object);
std::vector<Diagnostic> Validate(const api::Budget& object);

// Syntax predicates shared with other checks (and the CRD patterns).
bool IsDns1123Subdomain(std::string_view s);
bool IsDns1123Label(std::string_view s);
bool IsLabelKey(std::string_view s);  // == Kubernetes "qualified name"
bool IsLabelValue(std::string_view s);
bool IsCurrencyCode(std::string_view s);

}  // namespace hybridai
