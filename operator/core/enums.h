// String forms of the API enums (PascalCase on the wire, exactly as DESIGN.md spells them):
// ToString(enum), Parse<Enum>(text) and AllowedValues<Enum>() for error messages.
// Stateless; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/types.h"

namespace hybridai::api {

// Names indexed by the enum's underlying value (every API enum is 0..N-1).
template <class E>
struct EnumNames;

#define HYBRIDAI_ENUM_NAMES(E, ...)                             \
  template <>                                                   \
  struct EnumNames<E> {                                         \
    static constexpr std::string_view kNames[] = {__VA_ARGS__}; \
    static constexpr const char* kTypeName = #E;                \
  }

HYBRIDAI_ENUM_NAMES(Location, "Cloud", "OnPrem", "Edge");
HYBRIDAI_ENUM_NAMES(DataClassification, "Public", "Internal", "Confidential", "Restricted");
HYBRIDAI_ENUM_NAMES(TaintEffect, "NoSchedule", "NoExecute");
HYBRIDAI_ENUM_NAMES(WorkloadType, "Inference", "Training", "Batch");
HYBRIDAI_ENUM_NAMES(SpotPolicy, "Never", "Allowed", "Preferred");
HYBRIDAI_ENUM_NAMES(Objective, "Cost", "Energy", "Carbon", "Latency", "Balanced");
HYBRIDAI_ENUM_NAMES(RedundancyMode, "None", "Spread", "ActivePassive");
HYBRIDAI_ENUM_NAMES(TopologyKey, "Provider", "Location", "Region", "Cluster", "Pool");
HYBRIDAI_ENUM_NAMES(Role, "Active", "Standby");
HYBRIDAI_ENUM_NAMES(Phase, "Pending", "Placed", "Running", "Degraded", "Throttled", "Succeeded",
                    "Failed");
HYBRIDAI_ENUM_NAMES(BudgetPeriod, "Daily", "Weekly", "Monthly");
HYBRIDAI_ENUM_NAMES(Enforcement, "Deny", "Throttle", "Warn");
HYBRIDAI_ENUM_NAMES(PreemptionPolicy, "PreemptLowerPriority", "Never");
HYBRIDAI_ENUM_NAMES(FailbackMode, "Never", "WhenRoomReturns");

#undef HYBRIDAI_ENUM_NAMES

template <class E>
concept ApiEnum = requires {
  EnumNames<E>::kNames;
};

template <ApiEnum E>
constexpr std::span<const std::string_view> NamesOf() {
  return EnumNames<E>::kNames;
}

// The wire name; "" for a value outside the enum (only reachable through a bad cast).
template <ApiEnum E>
constexpr std::string_view ToString(E value) {
  auto names = NamesOf<E>();
  auto i = static_cast<size_t>(value);
  return i < names.size() ? names[i] : std::string_view();
}

// Exact, case-sensitive match: "cloud" is not "Cloud" (the CRD enum is case-sensitive too).
template <ApiEnum E>
constexpr std::optional<E> Parse(std::string_view text) {
  auto names = NamesOf<E>();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

// "Cloud, OnPrem, Edge".
std::string JoinNames(std::span<const std::string_view> names);

template <ApiEnum E>
std::string AllowedValues() {
  return JoinNames(NamesOf<E>());
}

}  // namespace hybridai::api
