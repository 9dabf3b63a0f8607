// Turns one placement of an AIWorkload into the object the member cluster runs (a Deployment
// for Inference), ready for server-side apply. Pure: no I/O, thread-compatible.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "controllers/labels.h"
#include "core/types.h"

namespace hybridai::controllers {

// The member object's name for a placement: "<workload>-<pool>", shortened with a stable hash
// when it would not fit a DNS label (pods derive their names from it).
std::string MemberObjectName(const std::string& workload, const std::string& pool);

// Labels for a placement: the workload's tags, then the hybridai.io/* labels (which win).
std::map<std::string, std::string> PlacementLabels(const api::AIWorkload& w,
                                                   const api::Placement& p);

// The Deployment for an Inference placement: the workload's pod template with the placement's
// labels, the pool's node selector and tolerations, and `resourceName: count` as limit and request
// on the first container. Standby placements are scaled to zero. The accelerator count per
// replica is the workload's spec.accelerators.count.
nlohmann::json BuildDeployment(const api::AIWorkload& w, const api::Placement& p,
                               const api::GPUPool& pool);

// The Job for a Training or Batch placement: parallelism = completions = replicas, the same
// pinning as a Deployment; a Standby placement is created suspended (reserved, not running).
// Pods restart OnFailure unless the template says otherwise (a Job cannot use Always).
nlohmann::json BuildJob(const api::AIWorkload& w, const api::Placement& p,
                        const api::GPUPool& pool);

// The object of the workload's member kind (controllers/member_kind.h), with kAnnotationSpecHash
// set to a hash of the rest, so an unchanged object need not be applied again. `suspended`: scaled
// to zero by a Throttle budget (a Deployment at 0 replicas, a suspended Job).
nlohmann::json BuildMemberObject(const api::AIWorkload& w, const api::Placement& p,
                                 const api::GPUPool& pool, bool suspended = false);

}  // namespace hybridai::controllers
