// Codecs between the Kubernetes wire form (JSON, as read from files or the API server) and the
// typed API values of core/types.h, plus YAML node -> JSON conversion for manifest files.
// Decoding never throws: problems come back as Diagnostics naming the object and field path.
// Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"
#include "core/types.h"

namespace YAML {
class Node;
}

namespace hybridai::api {

using nlohmann::json;

// Static facts about each kind, for generic code (loader, informers, the planner).
template <class T>
struct KindTraits;
template <>
struct KindTraits<MemberCluster> {
  static constexpr std::string_view kKind = "MemberCluster";
  static constexpr bool kNamespaced = false;
};
template <>
struct KindTraits<GPUPool> {
  static constexpr std::string_view kKind = "GPUPool";
  static constexpr bool kNamespaced = false;
};
template <>
struct KindTraits<AIWorkload> {
  static constexpr std::string_view kKind = "AIWorkload";
  static constexpr bool kNamespaced = true;
};
template <>
struct KindTraits<Budget> {
  static constexpr std::string_view kKind = "Budget";
  static constexpr bool kNamespaced = true;
};

// "namespace/name", or "name" when the namespace is empty.
std::string ObjectRef(const ObjectMeta& meta);
// The same from raw JSON, best effort ("" when metadata.name is missing); for diagnostics
// about objects that could not be decoded.
std::string ObjectRefOf(const json& object);

// Decode one object. Returns nullopt when any Error was appended to `diags` (which may be
// null); Warnings (unknown spec fields) do not prevent a result. Checks field types, enum
// values, decimal syntax and required-field presence; value ranges and cross-field rules are
// core/validation.h's job. `kind`, when present, must match; `apiVersion` is not checked here
// (the loader does it). Spec defaults of DESIGN.md apply to absent fields.
std::optional<MemberCluster> DecodeMemberCluster(const json& object,
                                                 std::vector<Diagnostic>* diags);
std::optional<GPUPool> DecodeGPUPool(const json& object, std::vector<Diagnostic>* diags);
std::optional<AIWorkload> DecodeAIWorkload(const json& object, std::vector<Diagnostic>* diags);
std::optional<Budget> DecodeBudget(const json& object, std::vector<Diagnostic>* diags);

// Decode as far as possible into `out` (bad fields keep their defaults); false when any Error
// was appended. For callers that want every problem at once, validation included (the loader).
bool DecodeInto(const json& object, MemberCluster* out, std::vector<Diagnostic>* diags);
bool DecodeInto(const json& object, GPUPool* out, std::vector<Diagnostic>* diags);
bool DecodeInto(const json& object, AIWorkload* out, std::vector<Diagnostic>* diags);
bool DecodeInto(const json& object, Budget* out, std::vector<Diagnostic>* diags);

template <class T>
std::optional<T> Decode(const json& object, std::vector<Diagnostic>* diags);
template <>
inline std::optional<MemberCluster> Decode(const json& o, std::vector<Diagnostic>* d) {
  return DecodeMemberCluster(o, d);
}
template <>
inline std::optional<GPUPool> Decode(const json& o, std::vector<Diagnostic>* d) {
  return DecodeGPUPool(o, d);
}
template <>
inline std::optional<AIWorkload> Decode(const json& o, std::vector<Diagnostic>* d) {
  return DecodeAIWorkload(o, d);
}
template <>
inline std::optional<Budget> Decode(const json& o, std::vector<Diagnostic>* d) {
  return DecodeBudget(o, d);
}

// Encode to the wire form: apiVersion, kind, metadata, spec, status. Empty optional fields,
// empty strings and empty collections are omitted; status is omitted when it is all defaults.
// Money is written with at least two fraction digits ("4.10"), other decimals shortest.
json ToJson(const ObjectMeta& meta);
json ToJson(const Condition& condition);
json ToJson(const MemberCluster& object);
json ToJson(const GPUPool& object);
json ToJson(const AIWorkload& object);
json ToJson(const Budget& object);

// Spec and status alone, for status subresource writes and server-side apply bodies.
json SpecToJson(const MemberClusterSpec& spec);
json SpecToJson(const GPUPoolSpec& spec);
json SpecToJson(const AIWorkloadSpec& spec);
json SpecToJson(const BudgetSpec& spec);
json StatusToJson(const MemberClusterStatus& status);
json StatusToJson(const GPUPoolStatus& status);
json StatusToJson(const AIWorkloadStatus& status);
json StatusToJson(const BudgetStatus& status);

// nlohmann ADL hook, so `json j = workload;` works. (No from_json: decoding reports errors.)
template <class T>
requires requires {
  KindTraits<T>::kKind;
}
void to_json(json& j, const T& object) {
  j = ToJson(object);
}

}  // namespace hybridai::api

namespace hybridai {

// YAML -> JSON with YAML 1.2 core-schema typing: quoted scalars stay strings; plain scalars
// become null (~, null, empty), bool (true/false), integer, float, or string. Explicit tags
// (!!str, !!int, ...) win. Returns nullopt and fills `error` (message, line, column) on
// non-scalar map keys, nesting deeper than 128 or more than 250,000 nodes (alias bombs).
std::optional<nlohmann::json> YamlToJson(const YAML::Node& node, Diagnostic* error);

// A JSON value described for messages: `"cloud"`, `number 4.1`, `boolean true`, `object`.
std::string DescribeJson(const nlohmann::json& value);

}  // namespace hybridai
