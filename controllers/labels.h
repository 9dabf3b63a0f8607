// The operator's vocabulary on the objects it touches, in one place: the labels every member
// object carries (the member-side watches map objects back to their hub workload through them),
// the annotations, the field manager and the finalizer. Constants only.
#pragma once

namespace hybridai::controllers {

inline constexpr const char* kLabelWorkload = "hybridai.io/workload";
inline constexpr const char* kLabelWorkloadNamespace = "hybridai.io/workload-namespace";
inline constexpr const char* kLabelCluster = "hybridai.io/cluster";
inline constexpr const char* kLabelPool = "hybridai.io/pool";
inline constexpr const char* kLabelRole = "hybridai.io/role";
inline constexpr const char* kLabelManagedBy = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "hybrid-operator";

inline constexpr const char* kAnnotationWorkloadUid = "hybridai.io/workload-uid";
// A hash of the member object as last applied: an unchanged one is not applied again.
inline constexpr const char* kAnnotationSpecHash = "hybridai.io/spec-hash";

inline constexpr const char* kFieldManager = "hybrid-operator";

// On every AIWorkload before anything is created for it in a member; removed once every member
// that still exists has been cleaned.
inline constexpr const char* kCleanupFinalizer = "hybridai.io/member-cleanup";

}  // namespace hybridai::controllers
