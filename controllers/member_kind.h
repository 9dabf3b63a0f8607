// The kinds of object the operator creates in member clusters, behind one adapter: a
// Deployment for Inference, a Job for Training and Batch. Each kind knows how to build its object
// for a placement, whether a live object still has the scale the operator gave it, what the
// live object says about readiness and completion, and how to scale to nothing (replicas 0, or a
// suspended Job). Adding a kind is adding an adapter, not a switch in every file. Stateless;
// thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/types.h"
#include "runtime/api_client.h"

namespace hybridai::controllers {

// What a member object reports for its placement.
struct MemberState {
  int64_t ready = 0;
  bool succeeded = false;  // every worker completed (Jobs)
  bool failed = false;     // the Job failed
};

class MemberKind {
 public:
  virtual ~MemberKind() = default;
  virtual const runtime::ResourceKind& Kind() const = 0;
  // The object for a placement, without the spec-hash annotation (BuildMemberObject adds it).
  virtual nlohmann::json Build(const api::AIWorkload& w, const api::Placement& p,
                               const api::GPUPool& pool) const = 0;
  // Whether `live`'s scale fields (those an HPA or a hand edit changes) are `desired`'s.
  virtual bool ScaleMatches(const nlohmann::json& live_spec,
                            const nlohmann::json& desired_spec) const = 0;
  // Readiness and completion from the live object (null: not seen yet).
  virtual MemberState Observe(const nlohmann::json* object, const api::Placement& p) const = 0;
  // The merge patch that makes the object run nothing (keeping it, and its GPUs reserved).
  virtual nlohmann::json ScaleToZeroPatch() const = 0;
};

// The adapter for a workload type, and every adapter (for garbage collection and clean-up,
// which look for objects of any kind).
const MemberKind& MemberKindFor(api::WorkloadType type);
const std::vector<const MemberKind*>& AllMemberKinds();

}  // namespace hybridai::controllers
