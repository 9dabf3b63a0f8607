// Make-before-break for Inference moves (overflow growing or shrinking, failback, failover
// back, any re-placement): which member objects of earlier placements must keep serving, and
// which placements must keep their old, larger scale, until the new placements have
// spec.replicas ready replicas between them. Derived only from the decision and what the
// members report (their objects, through the member informers), so an operator restart picks a
// move up where it was. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/types.h"

namespace hybridai::controllers {

// One member Deployment of the workload as its member reports it.
struct ObservedMember {
  std::string cluster;
  std::string pool;
  std::string name;        // the object's name
  int64_t replicas = 0;    // spec.replicas
  int64_t ready = 0;       // status.readyReplicas
  bool wanted = false;     // the object of one of the decision's placements
  bool reachable = false;  // its member is connected and Ready (a dark one counts for nothing)
};

struct Handover {
  // Ready replicas of the decision's Active placements, each capped at its replicas.
  int64_t newReady = 0;
  // Objects of earlier placements that keep serving (not deleted yet), by object name per
  // cluster ("cluster/name"), and what status.draining says of them.
  std::set<std::string> keep;
  std::vector<api::DrainingPlacement> draining;
  // Placements ("cluster/pool") whose live object runs more replicas than decided: their
  // scale-down waits too.
  std::set<std::string> holdScale;
  // The ready replicas serving the workload: the new ones plus those still draining.
  int64_t serving = 0;
  bool complete = true;  // nothing to wait for: old objects may go, scale-downs may be applied
};

// `replicas`: spec.replicas. Only Inference is handed over (a Job's workers are not
// interchangeable); callers pass an empty `observed` otherwise.
Handover PlanHandover(int64_t replicas, const std::vector<api::Placement>& placements,
                      const std::vector<ObservedMember>& observed);

// "waiting for 4/6 ready replicas in the new placements; still serving: aws-eu/aws-h100 x4 (4
// ready)"
std::string DescribeHandover(int64_t replicas, const Handover& h);

}  // namespace hybridai::controllers
