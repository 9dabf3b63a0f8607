// The CRD manifests in crds/ against the API contract: names, scope, status subresource,
// printer columns that point at real schema fields, and a description plus a type on every
// property at every depth (so `kubectl explain` teaches the whole API), enums and defaults as
// DESIGN.md states them. Reads the YAML files only; the apiserver-equivalent checks live in
// crd_agreement_test.cc.
#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace {

namespace fs = std::filesystem;

const std::string kCrdDir = std::string(HYBRIDAI_SOURCE_DIR) + "/crds";

struct KindSpec {
  std::string file;
  std::string kind;
  std::string plural;
  std::string singular;
  std::string shortName;
  std::string scope;
  std::vector<std::string> columns;
};

const std::vector<KindSpec>& Kinds() {
  static const std::vector<KindSpec> kinds = {
      {"hybridai.io_memberclusters.yaml",
       "MemberCluster",
       "memberclusters",
       "membercluster",
       "mc",
       "Cluster",
       {"Location", "Provider", "Region", "Ready", "Version", "Age"}},
      {"hybridai.io_gpupools.yaml",
       "GPUPool",
       "gpupools",
       "gpupool",
       "gp",
       "Cluster",
       {"Cluster", "Vendor", "Model", "Capacity", "Allocated", "Price", "Age"}},
      {"hybridai.io_aiworkloads.yaml",
       "AIWorkload",
       "aiworkloads",
       "aiworkload",
       "aiw",
       "Namespaced",
       {"Type", "Replicas", "Ready", "Phase", "Clusters", "Cost/h", "Power", "Age"}},
      {"hybridai.io_budgets.yaml",
       "Budget",
       "budgets",
       "budget",
       "bdg",
       "Namespaced",
       {"Period", "Enforcement", "Cost", "Power", "Exceeded", "Age"}},
  };
  return kinds;
}

YAML::Node LoadCrd(const std::string& file) {
  return YAML::LoadFile(kCrdDir + "/" + file);
}

YAML::Node RootSchema(const YAML::Node& crd) {
  return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

std::string Str(const YAML::Node& n) {
  return n && n.IsScalar() ? n.as<std::string>() : "";
}

// Every schema node reachable through properties / items / additionalProperties, with its path
// in the notation of Find() below.
void Walk(const YAML::Node& schema, const std::string& path,
          std::vector<std::pair<std::string, YAML::Node>>* out) {
  out->emplace_back(path, schema);
  if (!schema.IsMap()) return;
  if (schema["properties"] && schema["properties"].IsMap()) {
    for (const auto& kv : schema["properties"]) {
      std::string key = kv.first.as<std::string>();
      Walk(kv.second, path.empty() ? key : path + "." + key, out);
    }
  }
  if (schema["items"]) Walk(schema["items"], path + "[]", out);
  if (schema["additionalProperties"] && schema["additionalProperties"].IsMap()) {
    Walk(schema["additionalProperties"], path + "{}", out);
  }
}

// Problems that make a schema unfit for `kubectl explain`: a property without a description or
// a type. Root metadata must stay a bare `type: object` (the apiserver forbids more there); the
// only opaque subtree allowed is a preserve-unknown-fields node, which must be documented too.
std::vector<std::string> DocumentationProblems(const YAML::Node& root) {
  std::vector<std::pair<std::string, YAML::Node>> nodes;
  Walk(root, "", &nodes);
  std::vector<std::string> problems;
  for (const auto& [path, node] : nodes) {
    const std::string where = path.empty() ? "<root>" : path;
    if (!node.IsMap()) {
      problems.push_back(where + ": schema is not a map");
      continue;
    }
    if (path == "metadata") {
      if (node.size() != 1 || Str(node["type"]) != "object") {
        problems.push_back("metadata: must be exactly {type: object}");
      }
      continue;
    }
    if (Str(node["description"]).empty()) problems.push_back(where + ": no description");
    if (Str(node["type"]).empty()) problems.push_back(where + ": no type");
    if (node["x-kubernetes-preserve-unknown-fields"] && node["properties"]) {
      problems.push_back(where + ": preserve-unknown node also lists properties");
    }
  }
  return problems;
}

// Resolves "spec.placement.locations[]" or "spec.tags{}" to its schema node. Walks with
// Node::reset: assigning one yaml-cpp Node to another overwrites the referenced tree.
std::optional<YAML::Node> Find(const YAML::Node& root, const std::string& path) {
  YAML::Node cur;
  cur.reset(root);
  std::string rest = path;
  while (!rest.empty()) {
    if (rest.rfind("[]", 0) == 0) {
      if (!cur["items"]) return std::nullopt;
      cur.reset(cur["items"]);
      rest = rest.substr(2);
    } else if (rest.rfind("{}", 0) == 0) {
      if (!cur["additionalProperties"]) return std::nullopt;
      cur.reset(cur["additionalProperties"]);
      rest = rest.substr(2);
    } else {
      if (rest[0] == '.') rest = rest.substr(1);
      size_t end = rest.find_first_of(".[{");
      std::string key = rest.substr(0, end);
      if (!cur["properties"] || !cur["properties"][key]) return std::nullopt;
      cur.reset(cur["properties"][key]);
      rest = end == std::string::npos ? "" : rest.substr(end);
    }
  }
  return cur;
}

// A printer column's jsonPath as a schema path: `.status.conditions[?(@.type=="Ready")].status`
// -> `status.conditions[].status`.
std::string ColumnSchemaPath(std::string json_path) {
  std::string out;
  for (size_t i = 0; i < json_path.size(); ++i) {
    if (json_path[i] == '[') {
      size_t close = json_path.find(']', i);
      out += "[]";
      i = close == std::string::npos ? json_path.size() : close;
    } else {
      out += json_path[i];
    }
  }
  return out.rfind('.', 0) == 0 ? out.substr(1) : out;
}

std::vector<std::string> Strings(const YAML::Node& seq) {
  std::vector<std::string> out;
  if (seq && seq.IsSequence()) {
    for (const auto& n : seq) out.push_back(n.as<std::string>());
  }
  return out;
}

TEST(CrdSchemaTest, DirectoryHoldsExactlyTheFourKinds) {
  std::set<std::string> found;
  for (const auto& entry : fs::directory_iterator(kCrdDir)) {
    if (entry.path().extension() == ".yaml") found.insert(entry.path().filename().string());
  }
  std::set<std::string> want;
  for (const auto& k : Kinds()) want.insert(k.file);
  EXPECT_EQ(found, want);
}

TEST(CrdSchemaTest, NamesScopeVersionAndSubresources) {
  for (const auto& k : Kinds()) {
    SCOPED_TRACE(k.file);
    YAML::Node crd = LoadCrd(k.file);
    EXPECT_EQ(Str(crd["apiVersion"]), "apiextensions.k8s.io/v1");
    EXPECT_EQ(Str(crd["kind"]), "CustomResourceDefinition");
    EXPECT_EQ(Str(crd["metadata"]["name"]), k.plural + ".hybridai.io");
    const YAML::Node spec = crd["spec"];
    EXPECT_EQ(Str(spec["group"]), "hybridai.io");
    EXPECT_EQ(Str(spec["scope"]), k.scope);
    EXPECT_EQ(Str(spec["names"]["kind"]), k.kind);
    EXPECT_EQ(Str(spec["names"]["listKind"]), k.kind + "List");
    EXPECT_EQ(Str(spec["names"]["plural"]), k.plural);
    EXPECT_EQ(Str(spec["names"]["singular"]), k.singular);
    EXPECT_EQ(Strings(spec["names"]["shortNames"]), std::vector<std::string>{k.shortName});
    EXPECT_EQ(Strings(spec["names"]["categories"]), std::vector<std::string>{"hybridai"});
    ASSERT_TRUE(spec["versions"].IsSequence());
    ASSERT_EQ(spec["versions"].size(), 1u);
    const YAML::Node v = spec["versions"][0];
    EXPECT_EQ(Str(v["name"]), "v1alpha1");
    EXPECT_TRUE(v["served"].as<bool>());
    EXPECT_TRUE(v["storage"].as<bool>());
    ASSERT_TRUE(v["subresources"]["status"]);
    EXPECT_TRUE(v["subresources"]["status"].IsMap());
    EXPECT_EQ(v["subresources"]["status"].size(), 0u);
    EXPECT_FALSE(v["subresources"]["scale"]);
    const YAML::Node root = RootSchema(crd);
    EXPECT_EQ(Str(root["type"]), "object");
    EXPECT_EQ(Strings(root["required"]), std::vector<std::string>{"spec"});
    EXPECT_TRUE(Find(root, "status").has_value());
  }
}

TEST(CrdSchemaTest, PrinterColumnsPointAtSchemaFields) {
  for (const auto& k : Kinds()) {
    SCOPED_TRACE(k.file);
    YAML::Node crd = LoadCrd(k.file);
    const YAML::Node cols = crd["spec"]["versions"][0]["additionalPrinterColumns"];
    ASSERT_TRUE(cols.IsSequence());
    std::vector<std::string> names;
    for (const auto& c : cols) {
      const std::string name = Str(c["name"]);
      names.push_back(name);
      SCOPED_TRACE(name);
      const std::string type = Str(c["type"]);
      EXPECT_TRUE(type == "string" || type == "integer" || type == "number" || type == "boolean" ||
                  type == "date")
          << type;
      const std::string path = Str(c["jsonPath"]);
      if (name == "Age") {
        EXPECT_EQ(path, ".metadata.creationTimestamp");
        EXPECT_EQ(type, "date");
        continue;
      }
      EXPECT_FALSE(Str(c["description"]).empty());
      auto field = Find(RootSchema(crd), ColumnSchemaPath(path));
      ASSERT_TRUE(field.has_value()) << path << " is not a field of the schema";
      const std::string field_type = Str((*field)["type"]);
      if (type == "integer" || type == "string") {
        EXPECT_EQ(field_type, type) << path;
      }
    }
    EXPECT_EQ(names, k.columns);
  }
}

TEST(CrdSchemaTest, EveryPropertyHasDescriptionAndType) {
  for (const auto& k : Kinds()) {
    SCOPED_TRACE(k.file);
    const std::vector<std::string> problems = DocumentationProblems(RootSchema(LoadCrd(k.file)));
    EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  }
}

TEST(CrdSchemaTest, DocumentationCheckCatchesAnUndocumentedField) {
  const YAML::Node schema = YAML::Load(R"(
type: object
description: root
properties:
  metadata: {type: object}
  spec:
    type: object
    description: spec
    properties:
      documented: {type: integer, description: fine}
      bare: {type: string}
      untyped: {description: no type}
      list:
        type: array
        description: a list
        items: {type: object, properties: {deep: {type: string, description: d}}}
)");
  const std::vector<std::string> problems = DocumentationProblems(schema);
  const std::vector<std::string> want = {"spec.bare: no description", "spec.untyped: no type",
                                         "spec.list[]: no description"};
  for (const auto& w : want) {
    EXPECT_NE(std::find(problems.begin(), problems.end(), w), problems.end()) << w;
  }
  EXPECT_EQ(problems.size(), want.size()) << ::testing::PrintToString(problems);
}

TEST(CrdSchemaTest, OnlyTheWorkloadTemplateIsOpaque) {
  for (const auto& k : Kinds()) {
    SCOPED_TRACE(k.file);
    std::vector<std::pair<std::string, YAML::Node>> nodes;
    Walk(RootSchema(LoadCrd(k.file)), "", &nodes);
    for (const auto& [path, node] : nodes) {
      if (!node.IsMap() || !node["x-kubernetes-preserve-unknown-fields"]) continue;
      EXPECT_EQ(k.kind + ":" + path, "AIWorkload:spec.template");
      EXPECT_TRUE(node["x-kubernetes-preserve-unknown-fields"].as<bool>());
      ASSERT_TRUE(node["x-kubernetes-embedded-resource"]) << path;
      EXPECT_FALSE(node["x-kubernetes-embedded-resource"].as<bool>());
    }
  }
  auto tmpl = Find(RootSchema(LoadCrd("hybridai.io_aiworkloads.yaml")), "spec.template");
  ASSERT_TRUE(tmpl.has_value());
  EXPECT_TRUE((*tmpl)["x-kubernetes-preserve-unknown-fields"].as<bool>());
}

struct FieldFact {
  std::string file;
  std::string path;
};

TEST(CrdSchemaTest, EnumsAreThoseOfTheDesign) {
  struct EnumFact {
    std::string file;
    std::string path;
    std::vector<std::string> values;
  };
  const std::string mc = "hybridai.io_memberclusters.yaml", aiw = "hybridai.io_aiworkloads.yaml",
                    bdg = "hybridai.io_budgets.yaml";
  const std::vector<std::string> classes = {"Public", "Internal", "Confidential", "Restricted"};
  const std::vector<EnumFact> facts = {
      {mc, "spec.location", {"Cloud", "OnPrem", "Edge"}},
      {mc, "spec.maxDataClassification", classes},
      {mc, "spec.taints[].effect", {"NoSchedule", "NoExecute"}},
      {aiw, "spec.type", {"Inference", "Training", "Batch"}},
      {aiw, "spec.placement.locations[]", {"Cloud", "OnPrem", "Edge"}},
      {aiw, "spec.placement.dataClassification", classes},
      {aiw, "spec.placement.spot", {"Never", "Allowed", "Preferred"}},
      {aiw, "spec.placement.objective", {"Cost", "Energy", "Carbon", "Latency", "Balanced"}},
      {aiw, "spec.placement.tiers[].locations[]", {"Cloud", "OnPrem", "Edge"}},
      {aiw, "spec.placement.failback.mode", {"Never", "WhenRoomReturns"}},
      {aiw, "spec.redundancy.mode", {"None", "Spread", "ActivePassive"}},
      {aiw, "spec.redundancy.topologyKey", {"Provider", "Location", "Region", "Cluster", "Pool"}},
      {aiw,
       "status.phase",
       {"Pending", "Placed", "Running", "Degraded", "Throttled", "Succeeded", "Failed"}},
      {aiw, "status.placements[].role", {"Active", "Standby"}},
      {bdg, "spec.period", {"Daily", "Weekly", "Monthly"}},
      {bdg, "spec.enforcement", {"Deny", "Throttle", "Warn"}},
  };
  for (const auto& f : facts) {
    SCOPED_TRACE(f.file + " " + f.path);
    auto node = Find(RootSchema(LoadCrd(f.file)), f.path);
    ASSERT_TRUE(node.has_value());
    EXPECT_EQ(Strings((*node)["enum"]), f.values);
  }
}

TEST(CrdSchemaTest, DefaultsAreThoseOfTheDesign) {
  struct DefaultFact {
    std::string file;
    std::string path;
    std::string value;
  };
  const std::string mc = "hybridai.io_memberclusters.yaml", gp = "hybridai.io_gpupools.yaml",
                    aiw = "hybridai.io_aiworkloads.yaml", bdg = "hybridai.io_budgets.yaml";
  const std::vector<DefaultFact> facts = {
      {mc, "spec.maxDataClassification", "Internal"},
      {mc, "spec.latencyMs", "0"},
      {mc, "spec.carbonIntensity", "0"},
      {mc, "spec.pue", "1"},
      {mc, "spec.kubeconfigSecretRef.key", "kubeconfig"},
      {gp, "spec.pricing.currency", "USD"},
      {gp, "spec.pricing.spot", "false"},
      {gp, "spec.power.idleWatts", "0"},
      {aiw, "spec.replicas", "1"},
      {aiw, "spec.accelerators.count", "1"},
      {aiw, "spec.placement.dataClassification", "Public"},
      {aiw, "spec.placement.spot", "Allowed"},
      {aiw, "spec.placement.objective", "Balanced"},
      {aiw, "spec.placement.failback.mode", "Never"},
      {aiw, "spec.placement.failback.afterSeconds", "300"},
      {aiw, "spec.redundancy.mode", "None"},
      {aiw, "spec.redundancy.topologyKey", "Cluster"},
      {aiw, "spec.redundancy.minDomains", "2"},
      {aiw, "spec.redundancy.failoverAfterSeconds", "60"},
      {aiw, "spec.priority", "0"},
      {bdg, "spec.period", "Monthly"},
      {bdg, "spec.enforcement", "Warn"},
      {bdg, "spec.warnAtPercent", "80"},
  };
  for (const auto& f : facts) {
    SCOPED_TRACE(f.file + " " + f.path);
    auto node = Find(RootSchema(LoadCrd(f.file)), f.path);
    ASSERT_TRUE(node.has_value());
    ASSERT_TRUE((*node)["default"]) << "no default";
    EXPECT_EQ(Str((*node)["default"]), f.value);
  }
  // The parents of defaulted fields default to {} so the defaults show up in stored objects.
  for (const std::string path : {"spec.accelerators", "spec.placement", "spec.redundancy"}) {
    auto node = Find(RootSchema(LoadCrd(aiw)), path);
    ASSERT_TRUE(node.has_value()) << path;
    ASSERT_TRUE((*node)["default"]) << path;
    EXPECT_TRUE((*node)["default"].IsMap()) << path;
  }
}

TEST(CrdSchemaTest, RequiredFieldsAreThoseOfTheDesign) {
  struct RequiredFact {
    std::string file;
    std::string path;
    std::vector<std::string> required;
  };
  const std::vector<RequiredFact> facts = {
      {"hybridai.io_memberclusters.yaml", "spec", {"location", "provider"}},
      {"hybridai.io_gpupools.yaml", "spec", {"cluster", "accelerator", "pricing", "power"}},
      {"hybridai.io_gpupools.yaml",
       "spec.accelerator",
       {"vendor", "model", "memoryGiB", "resourceName"}},
      {"hybridai.io_gpupools.yaml", "spec.pricing", {"acceleratorHour"}},
      {"hybridai.io_gpupools.yaml", "spec.power", {"acceleratorWatts"}},
      {"hybridai.io_aiworkloads.yaml", "spec", {"type", "template"}},
      {"hybridai.io_budgets.yaml", "spec", {"limits"}},
  };
  for (const auto& f : facts) {
    SCOPED_TRACE(f.file + " " + f.path);
    auto node = Find(RootSchema(LoadCrd(f.file)), f.path);
    ASSERT_TRUE(node.has_value());
    EXPECT_EQ(Strings((*node)["required"]), f.required);
  }
}

TEST(CrdSchemaTest, SpecQuantitiesAreIntegersOrDecimalStrings) {
  const std::string decimal = "^[0-9]+(\\.[0-9]{1,6})?$";
  const std::vector<std::pair<FieldFact, std::string>> decimals = {
      {{"hybridai.io_memberclusters.yaml", "spec.pue"}, decimal},
      {{"hybridai.io_gpupools.yaml", "spec.pue"}, decimal},
      {{"hybridai.io_gpupools.yaml", "spec.pricing.acceleratorHour"}, decimal},
      {{"hybridai.io_aiworkloads.yaml", "spec.limits.maxHourlyCost"}, decimal},
      {{"hybridai.io_budgets.yaml", "spec.limits.energyKWh"}, decimal},
      {{"hybridai.io_budgets.yaml", "spec.limits.carbonKg"}, decimal},
      {{"hybridai.io_budgets.yaml", "spec.limits.cost"}, decimal},
  };
  for (const auto& [f, pattern] : decimals) {
    SCOPED_TRACE(f.file + " " + f.path);
    auto node = Find(RootSchema(LoadCrd(f.file)), f.path);
    ASSERT_TRUE(node.has_value());
    EXPECT_EQ(Str((*node)["type"]), "string");
    EXPECT_EQ(Str((*node)["pattern"]), pattern);
  }
  // No float anywhere in any spec: quantities users write are integers or decimal strings.
  for (const auto& k : Kinds()) {
    std::vector<std::pair<std::string, YAML::Node>> nodes;
    Walk(RootSchema(LoadCrd(k.file)), "", &nodes);
    for (const auto& [path, node] : nodes) {
      if (node.IsMap()) {
        EXPECT_NE(Str(node["type"]), "number") << k.file << " " << path;
      }
    }
  }
  const std::vector<std::pair<FieldFact, int>> minimums = {
      {{"hybridai.io_memberclusters.yaml", "spec.latencyMs"}, 0},
      {{"hybridai.io_memberclusters.yaml", "spec.carbonIntensity"}, 0},
      {{"hybridai.io_gpupools.yaml", "spec.capacity.accelerators"}, 0},
      {{"hybridai.io_gpupools.yaml", "spec.accelerator.memoryGiB"}, 1},
      {{"hybridai.io_gpupools.yaml", "spec.power.acceleratorWatts"}, 0},
      {{"hybridai.io_gpupools.yaml", "spec.power.idleWatts"}, 0},
      {{"hybridai.io_aiworkloads.yaml", "spec.replicas"}, 0},
      {{"hybridai.io_aiworkloads.yaml", "spec.accelerators.count"}, 1},
      {{"hybridai.io_aiworkloads.yaml", "spec.accelerators.minMemoryGiB"}, 0},
      {{"hybridai.io_aiworkloads.yaml", "spec.placement.maxLatencyMs"}, 0},
      {{"hybridai.io_aiworkloads.yaml", "spec.limits.maxPowerWatts"}, 0},
      {{"hybridai.io_aiworkloads.yaml", "spec.redundancy.failoverAfterSeconds"}, 0},
      {{"hybridai.io_budgets.yaml", "spec.limits.powerWatts"}, 0},
      {{"hybridai.io_budgets.yaml", "spec.warnAtPercent"}, 1},
  };
  for (const auto& [f, minimum] : minimums) {
    SCOPED_TRACE(f.file + " " + f.path);
    auto node = Find(RootSchema(LoadCrd(f.file)), f.path);
    ASSERT_TRUE(node.has_value());
    EXPECT_EQ(Str((*node)["type"]), "integer");
    ASSERT_TRUE((*node)["minimum"]);
    EXPECT_EQ((*node)["minimum"].as<int>(), minimum);
  }
}

// The CEL messages start with the field path and word the problem as core/validation.cc does,
// so that both validators' messages share a substring.
TEST(CrdSchemaTest, CelRulesCarryTheirMessages) {
  const YAML::Node aiw = RootSchema(LoadCrd("hybridai.io_aiworkloads.yaml"));
  const YAML::Node bdg = RootSchema(LoadCrd("hybridai.io_budgets.yaml"));
  const YAML::Node gp = RootSchema(LoadCrd("hybridai.io_gpupools.yaml"));
  const YAML::Node mc = RootSchema(LoadCrd("hybridai.io_memberclusters.yaml"));
  auto messages = [](const YAML::Node& root, const std::string& path) {
    std::vector<std::string> out;
    auto node = Find(root, path);
    EXPECT_TRUE(node.has_value()) << path;
    if (!node) return out;
    for (const auto& r : (*node)["x-kubernetes-validations"]) {
      EXPECT_FALSE(Str(r["rule"]).empty()) << path;
      out.push_back(Str(r["message"]));
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(messages(aiw, "spec.type"), V{"spec.type: field is immutable"});
  EXPECT_EQ(messages(aiw, "spec.redundancy"),
            V{"spec.redundancy.minDomains: must be >= 2 when mode is Spread or ActivePassive"});
  EXPECT_EQ(messages(aiw, "spec"),
            (V{"spec.replicas: must be >= minDomains when redundancy.mode is Spread",
               "spec.placement.failback.mode: WhenRoomReturns needs spec.placement.tiers (there "
               "is no preferred tier to return to)",
               "spec.redundancy.mode: Training cannot use Spread (a gang lives in one pool); use "
               "ActivePassive for a standby gang"}));
  EXPECT_EQ(messages(bdg, "spec.limits"),
            V{"spec.limits: must set at least one of powerWatts, energyKWh, carbonKg, cost"});
  EXPECT_EQ(messages(mc, "spec.pue"), V{"spec.pue: must be >= 1"});
  EXPECT_EQ(messages(gp, "spec.pue"), V{"spec.pue: must be >= 1"});
  EXPECT_EQ(messages(gp, "spec.accelerator.resourceName"),
            V{"spec.accelerator.resourceName: must be a qualified name like \"nvidia.com/gpu\""});
  EXPECT_EQ(messages(mc, "spec.taints[].key"), V{"must be a valid label key"});
  EXPECT_EQ(messages(aiw, "spec.placement.clusterSelector.matchExpressions[].key"),
            V{"must be a valid label key"});
  // String maps whose keys must be label keys and values label values: one CEL rule each, and
  // bounds that keep the rules' estimated cost within the apiserver's budget.
  const std::vector<std::pair<YAML::Node, std::string>> label_maps = {
      {aiw, "spec.tags"},
      {aiw, "spec.placement.clusterSelector.matchLabels"},
      {bdg, "spec.selector.tags"},
      {gp, "spec.nodeSelector"},
  };
  for (const auto& [root, path] : label_maps) {
    SCOPED_TRACE(path);
    EXPECT_EQ(messages(root, path), (V{path + ": keys must be valid label keys",
                                       path + ": values must be valid label values"}));
    auto node = Find(root, path);
    ASSERT_TRUE(node.has_value());
    for (const auto& r : (*node)["x-kubernetes-validations"]) {
      EXPECT_EQ(Str(r["messageExpression"]).rfind("'" + path, 0), 0u);
    }
    EXPECT_EQ((*node)["maxProperties"].as<int>(), 64);
    auto values = Find(root, path + "{}");
    ASSERT_TRUE(values.has_value());
    EXPECT_EQ(Str((*values)["type"]), "string");
    EXPECT_EQ((*values)["maxLength"].as<int>(), 63);
  }
}

}  // namespace
