// Codecs: JSON <-> types round trips for every kind, defaults, type errors, YAML scalar typing.
#include "core/codec.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "core/enums.h"

namespace hybridai::api {
namespace {

Decimal D(std::string_view s) {
  return *Decimal::Parse(s);
}

json Yaml(const std::string& text) {
  Diagnostic err;
  auto j = YamlToJson(YAML::Load(text), &err);
  EXPECT_TRUE(j.has_value()) << err.ToString();
  return j.value_or(json());
}

std::string Messages(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) out += d.ToString() + "\n";
  return out;
}

// Round trip: encode, decode, encode again; the two encodings must be identical and decoding
// must report nothing. Field-by-field presence is asserted by each test on the first encoding.
template <class T>
json RoundTrip(const T& object) {
  json first = ToJson(object);
  std::vector<Diagnostic> diags;
  std::optional<T> back = Decode<T>(first, &diags);
  EXPECT_TRUE(back.has_value()) << Messages(diags);
  EXPECT_TRUE(diags.empty()) << Messages(diags);
  if (back) {
    EXPECT_EQ(ToJson(*back), first);
  }
  // Through text too, as it travels to and from the API server.
  auto reparsed = Decode<T>(json::parse(first.dump()), nullptr);
  EXPECT_TRUE(reparsed.has_value());
  if (reparsed) {
    EXPECT_EQ(ToJson(*reparsed), first);
  }
  return first;
}

ObjectMeta Meta(std::string name, std::string ns = "") {
  ObjectMeta m;
  m.name = std::move(name);
  m.namespace_ = std::move(ns);
  m.uid = "0b7c-11";
  m.resourceVersion = "4711";
  m.generation = 3;
  m.creationTimestamp = "2024-05-01T10:00:00Z";
  m.labels = {{"team", "vision"}};
  m.annotations = {{"note", "x"}};
  m.finalizers = {"hybridai.io/cleanup"};
  return m;
}

Condition Cond(std::string type) {
  return Condition{std::move(type), "True", 3, "2024-05-01T10:00:00Z", "AllGood", "fine"};
}

TEST(CodecTest, MemberClusterRoundTrip) {
  MemberCluster mc;
  mc.metadata = Meta("aws-eu");
  mc.spec.location = Location::Edge;
  mc.spec.provider = "aws";
  mc.spec.region = "eu-west-1";
  mc.spec.kubeconfigSecretRef = SecretKeyRef{"hybrid-system", "aws-eu", "config"};
  mc.spec.maxDataClassification = DataClassification::Confidential;
  mc.spec.latencyMs = 35;
  mc.spec.carbonIntensity = 300;
  mc.spec.pue = D("1.2");
  mc.spec.taints = {{"maintenance", "", TaintEffect::NoExecute}};
  mc.status.conditions = {Cond("Ready")};
  mc.status.kubernetesVersion = "v1.31.0";
  mc.status.lastProbeTime = "2024-05-01T10:00:05Z";
  json j = RoundTrip(mc);
  EXPECT_EQ(j["apiVersion"], "hybridai.io/v1alpha1");
  EXPECT_EQ(j["kind"], "MemberCluster");
  EXPECT_EQ(j["metadata"]["generation"], 3);
  EXPECT_FALSE(j["metadata"].contains("namespace"));
  EXPECT_EQ(j["spec"]["location"], "Edge");
  EXPECT_EQ(j["spec"]["pue"], "1.2");
  EXPECT_EQ(j["spec"]["kubeconfigSecretRef"]["key"], "config");
  EXPECT_EQ(j["spec"]["taints"][0]["effect"], "NoExecute");
  EXPECT_EQ(j["spec"]["maxDataClassification"], "Confidential");
  EXPECT_EQ(j["status"]["kubernetesVersion"], "v1.31.0");
  EXPECT_EQ(j["status"]["conditions"][0]["reason"], "AllGood");
}

TEST(CodecTest, GPUPoolRoundTrip) {
  GPUPool gp;
  gp.metadata = Meta("aws-eu-h100");
  gp.spec.cluster = "aws-eu";
  gp.spec.nodeSelector = {{"node.kubernetes.io/instance-type", "p5.48xlarge"}};
  gp.spec.tolerations = {{"nvidia.com/gpu", "Exists", "", "NoSchedule", 30}};
  gp.spec.accelerator = {"NVIDIA", "H100", 80, "nvidia.com/gpu"};
  gp.spec.capacity.accelerators = 32;
  gp.spec.pricing = {D("4.1"), "EUR", true};
  gp.spec.power = {700, 90};
  gp.spec.carbonIntensity = 250;
  gp.spec.pue = D("1.1");
  gp.status = GPUPoolStatus{32, 8, 4, {Cond("Ready")}};
  json j = RoundTrip(gp);
  EXPECT_EQ(j["spec"]["pricing"]["acceleratorHour"], "4.10");
  EXPECT_EQ(j["spec"]["pricing"]["spot"], true);
  EXPECT_EQ(j["spec"]["accelerator"]["memoryGiB"], 80);
  EXPECT_EQ(j["spec"]["tolerations"][0]["operator"], "Exists");
  EXPECT_EQ(j["spec"]["tolerations"][0]["tolerationSeconds"], 30);
  EXPECT_EQ(j["spec"]["capacity"]["accelerators"], 32);
  EXPECT_EQ(j["spec"]["pue"], "1.1");
  EXPECT_EQ(j["status"]["allocated"]["accelerators"], 8);
  EXPECT_EQ(j["status"]["readyNodes"], 4);

  gp.status.reset();
  gp.spec.capacity.accelerators.reset();
  gp.spec.pue.reset();
  json k = RoundTrip(gp);
  EXPECT_FALSE(k.contains("status"));
  EXPECT_FALSE(k["spec"].contains("capacity"));
  EXPECT_FALSE(k["spec"].contains("pue"));
}

TEST(CodecTest, AIWorkloadRoundTrip) {
  AIWorkload w;
  w.metadata = Meta("llama", "team-a");
  auto& s = w.spec;
  s.type = WorkloadType::Training;
  s.replicas = 4;
  s.tmpl = json::parse(R"({"spec":{"containers":[{"name":"main","image":"llama:1"}]}})");
  s.accelerators = {2, {"NVIDIA", "AMD"}, {"H100", "MI300X"}, 40};
  s.placement.locations = {Location::Cloud, Location::OnPrem};
  s.placement.dataClassification = DataClassification::Restricted;
  s.placement.maxLatencyMs = 20;
  s.placement.regions = {"eu-west-1"};
  s.placement.clusterSelector.matchLabels = {{"tier", "gold"}};
  s.placement.clusterSelector.matchExpressions = {{"zone", "In", {"a", "b"}}};
  s.placement.spot = SpotPolicy::Preferred;
  s.placement.objective = Objective::Carbon;
  s.tags = {{"team", "vision"}, {"costCenter", "cc-1234"}};
  s.limits = {6000, D("40")};
  s.redundancy = {RedundancyMode::ActivePassive, TopologyKey::Provider, 3, 120};
  s.priority = -5;
  w.status.phase = Phase::Running;
  w.status.observedGeneration = 3;
  w.status.placements = {
      {"aws-eu", "h100", 4, 8, Role::Active, D("32.8"), 6160, 1848, std::nullopt},
      {"dc-paris", "a100", 0, 8, Role::Standby, D("0"), 0, 0, std::nullopt}};
  w.status.readyReplicas = 4;
  w.status.cost = {D("16.4"), D("212.75"), "USD"};
  w.status.energy = {3080, D("41.2"), D("12.4")};
  w.status.conditions = {Cond("Placed"), Cond("Ready")};
  w.status.lastAccountingTime = "2024-05-01T11:00:00Z";
  json j = RoundTrip(w);
  EXPECT_EQ(j["metadata"]["namespace"], "team-a");
  EXPECT_EQ(j["spec"]["type"], "Training");
  EXPECT_EQ(j["spec"]["template"]["spec"]["containers"][0]["image"], "llama:1");
  EXPECT_EQ(j["spec"]["placement"]["locations"], json::parse(R"(["Cloud","OnPrem"])"));
  EXPECT_EQ(j["spec"]["placement"]["clusterSelector"]["matchExpressions"][0]["operator"], "In");
  EXPECT_EQ(j["spec"]["limits"]["maxHourlyCost"], "40.00");
  EXPECT_EQ(j["spec"]["redundancy"]["mode"], "ActivePassive");
  EXPECT_EQ(j["spec"]["priority"], -5);
  EXPECT_EQ(j["status"]["placements"][1]["role"], "Standby");
  EXPECT_EQ(j["status"]["placements"][0]["hourlyCost"], "32.80");
  EXPECT_EQ(j["status"]["cost"]["hourly"], "16.40");
  EXPECT_EQ(j["status"]["energy"]["energyKWh"], "41.2");
}

TEST(CodecTest, PlacementTiersAndFailbackRoundTrip) {
  AIWorkload w;
  w.metadata = Meta("chat", "team-a");
  w.spec.tmpl = json::parse(R"({"spec":{"containers":[{"name":"main","image":"chat:1"}]}})");
  PlacementTier home;
  home.locations = {Location::OnPrem};
  PlacementTier edge;
  edge.locations = {Location::Edge};
  edge.maxLatencyMs = 20;
  PlacementTier cloud;
  cloud.locations = {Location::Cloud};
  cloud.regions = {"eu-west-1", "eu-central-1"};
  cloud.clusterSelector.matchLabels = {{"contract", "reserved"}};
  w.spec.placement.tiers = {home, edge, cloud};
  w.spec.placement.failback = {FailbackMode::WhenRoomReturns, 120};
  w.status.placements = {{"dc-paris", "a100", 2, 2, Role::Active, D("2"), 1680, 504, 0},
                         {"aws-eu", "h100", 4, 4, Role::Active, D("16.4"), 3080, 924, 2}};
  json j = RoundTrip(w);
  const json& pl = j["spec"]["placement"];
  EXPECT_EQ(pl["tiers"].size(), 3u);
  EXPECT_EQ(pl["tiers"][0], json::parse(R"({"locations":["OnPrem"]})"));
  EXPECT_EQ(pl["tiers"][1]["maxLatencyMs"], 20);
  EXPECT_EQ(pl["tiers"][2]["regions"], json::parse(R"(["eu-west-1","eu-central-1"])"));
  EXPECT_EQ(pl["tiers"][2]["clusterSelector"]["matchLabels"]["contract"], "reserved");
  EXPECT_EQ(pl["failback"], json::parse(R"({"mode":"WhenRoomReturns","afterSeconds":120})"));
  EXPECT_EQ(j["status"]["placements"][0]["tier"], 0);
  EXPECT_EQ(j["status"]["placements"][1]["tier"], 2);

  // Without tiers, placements carry no tier and the default failback is not written out.
  AIWorkload plain;
  plain.metadata = Meta("plain", "team-a");
  plain.status.placements = {
      {"aws-eu", "h100", 1, 1, Role::Active, D("4.1"), 770, 231, std::nullopt}};
  json p = RoundTrip(plain);
  EXPECT_FALSE(p["spec"]["placement"].contains("failback"));
  EXPECT_FALSE(p["spec"]["placement"].contains("tiers"));
  EXPECT_FALSE(p["status"]["placements"][0].contains("tier"));

  // Unknown fields inside a tier are named with their path.
  json bad = j;
  bad["spec"]["placement"]["tiers"][1]["zone"] = "a";
  std::vector<Diagnostic> diags;
  Decode<AIWorkload>(bad, &diags);
  EXPECT_NE(Messages(diags).find("spec.placement.tiers[1]"), std::string::npos) << Messages(diags);
}

TEST(CodecTest, BudgetRoundTrip) {
  Budget b;
  b.metadata = Meta("vision", "team-a");
  b.spec.selector.tags = {{"team", "vision"}};
  b.spec.period = BudgetPeriod::Weekly;
  b.spec.limits = {20000, D("5000"), D("1500.5"), D("60000")};
  b.spec.enforcement = Enforcement::Throttle;
  b.spec.warnAtPercent = 90;
  b.status.usage = {100, D("1.5"), D("0.3"), D("12.5")};
  b.status.projected = {100, D("3"), D("0.6"), D("25")};
  b.status.conditions = {Cond("Warning")};
  b.status.periodStart = "2024-05-01T00:00:00Z";
  json j = RoundTrip(b);
  EXPECT_EQ(j["spec"]["limits"]["cost"], "60000.00");
  EXPECT_EQ(j["spec"]["limits"]["carbonKg"], "1500.5");
  EXPECT_EQ(j["spec"]["enforcement"], "Throttle");
  EXPECT_EQ(j["status"]["usage"]["cost"], "12.50");
  EXPECT_EQ(j["status"]["projected"]["energyKWh"], "3");
}

TEST(CodecTest, DefaultsApplyToAbsentFields) {
  auto mc = DecodeMemberCluster(Yaml("metadata: {name: a}\nspec: {location: OnPrem, provider: x, "
                                     "kubeconfigSecretRef: {name: s}}"),
                                nullptr);
  ASSERT_TRUE(mc);
  EXPECT_EQ(mc->spec.maxDataClassification, DataClassification::Internal);
  EXPECT_EQ(mc->spec.latencyMs, 0);
  EXPECT_EQ(mc->spec.carbonIntensity, 0);
  EXPECT_EQ(mc->spec.pue, D("1"));
  EXPECT_EQ(mc->spec.kubeconfigSecretRef->key, "kubeconfig");
  EXPECT_EQ(mc->spec.kubeconfigSecretRef->namespace_, "");

  auto gp = DecodeGPUPool(Yaml("metadata: {name: p}\nspec: {cluster: a, accelerator: {vendor: "
                               "NVIDIA, model: H100, memoryGiB: 80, resourceName: nvidia.com/gpu},"
                               " pricing: {acceleratorHour: '1'}, power: {acceleratorWatts: 700}}"),
                          nullptr);
  ASSERT_TRUE(gp);
  EXPECT_EQ(gp->spec.pricing.currency, "USD");
  EXPECT_FALSE(gp->spec.pricing.spot);
  EXPECT_EQ(gp->spec.power.idleWatts, 0);
  EXPECT_FALSE(gp->status.has_value());

  auto w = DecodeAIWorkload(Yaml("metadata: {name: w, namespace: n}\nspec: {type: Batch, "
                                 "template: {}}"),
                            nullptr);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->spec.replicas, 1);
  EXPECT_EQ(w->spec.accelerators.count, 1);
  EXPECT_EQ(w->spec.placement.dataClassification, DataClassification::Public);
  EXPECT_EQ(w->spec.placement.spot, SpotPolicy::Allowed);
  EXPECT_EQ(w->spec.placement.objective, Objective::Balanced);
  EXPECT_EQ(w->spec.redundancy.mode, RedundancyMode::None);
  EXPECT_EQ(w->spec.redundancy.topologyKey, TopologyKey::Cluster);
  EXPECT_EQ(w->spec.redundancy.minDomains, 2);
  EXPECT_EQ(w->spec.redundancy.failoverAfterSeconds, 60);
  EXPECT_EQ(w->spec.priority, 0);

  auto b =
      DecodeBudget(Yaml("metadata: {name: b, namespace: n}\nspec: {limits: {cost: '5'}}"), nullptr);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->spec.period, BudgetPeriod::Monthly);
  EXPECT_EQ(b->spec.enforcement, Enforcement::Warn);
  EXPECT_EQ(b->spec.warnAtPercent, 80);
}

TEST(CodecTest, FloatMoneyIsRejectedWithAClearMessage) {
  std::vector<Diagnostic> diags;
  auto gp = DecodeGPUPool(Yaml("metadata: {name: p}\nspec: {cluster: a, accelerator: {vendor: "
                               "NVIDIA, model: H100, memoryGiB: 80, resourceName: nvidia.com/gpu},"
                               " pricing: {acceleratorHour: 4.1}, power: {acceleratorWatts: 7}}"),
                          &diags);
  EXPECT_FALSE(gp);
  ASSERT_EQ(diags.size(), 1u) << Messages(diags);
  EXPECT_EQ(diags[0].ToString(),
            "p: spec.pricing.acceleratorHour: must be a decimal string like \"4.10\", got number "
            "4.1");
}

TEST(CodecTest, ReportsEveryTypeErrorWithItsPath) {
  std::vector<Diagnostic> diags;
  auto w = DecodeAIWorkload(Yaml(R"(
kind: AIWorkload
metadata: {name: w, namespace: n}
spec:
  type: inference
  replicas: "3"
  template: []
  accelerators: {count: 1.5, vendors: [NVIDIA, 7]}
  placement: {locations: [Cloud, Moon]}
  tags: {team: 12}
  limits: {maxHourlyCost: "-1"}
  redundancy: {minDomains: 99999999999999999999}
  replica: 3
)"),
                            &diags);
  EXPECT_FALSE(w);
  std::string all = Messages(diags);
  for (const char* want : {
           "n/w: spec.type: must be one of Inference, Training, Batch, got \"inference\"",
           "n/w: spec.replicas: must be an integer, got string \"3\"",
           "n/w: spec.template: must be an object, got list",
           "n/w: spec.accelerators.count: must be an integer, got number 1.5",
           "n/w: spec.accelerators.vendors[1]: must be a string, got number 7",
           "n/w: spec.placement.locations[1]: must be one of Cloud, OnPrem, Edge, got \"Moon\"",
           "n/w: spec.tags[team]: must be a string, got number 12",
           "n/w: spec.limits.maxHourlyCost: must be >= 0, got \"-1\"",
           "n/w: spec.redundancy.minDomains: must be a 64-bit integer",
           "warning: n/w: spec.replica: unknown field (ignored)",
       }) {
    EXPECT_NE(all.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << all;
  }
}

TEST(CodecTest, KindMismatchAndNonObjectsAreErrorsNotCrashes) {
  std::vector<Diagnostic> diags;
  EXPECT_FALSE(DecodeBudget(json::parse(R"({"kind":"GPUPool"})"), &diags));
  EXPECT_NE(Messages(diags).find("kind: must be Budget, got \"GPUPool\""), std::string::npos);
  diags.clear();
  EXPECT_FALSE(DecodeBudget(json::array(), &diags));
  EXPECT_FALSE(DecodeBudget(json(), &diags));
  EXPECT_FALSE(DecodeMemberCluster(json::parse(R"({"metadata":[],"spec":"x"})"), &diags));
  EXPECT_TRUE(HasErrors(diags));
}

TEST(CodecTest, TooManyFractionDigitsIsNamed) {
  std::vector<Diagnostic> diags;
  DecodeMemberCluster(Yaml("metadata: {name: a}\nspec: {location: Cloud, provider: x, pue: "
                           "'1.1234567'}"),
                      &diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].message, "must have at most 6 fraction digits, got \"1.1234567\"");
}

TEST(CodecTest, ToJsonAdlHook) {
  Budget b;
  b.metadata.name = "x";
  json j = b;
  EXPECT_EQ(j["kind"], "Budget");
}

// ---- YAML scalar typing ----
TEST(YamlToJsonTest, PlainScalarsAreTypedQuotedStayStrings) {
  json j = Yaml(R"(
int: 42
neg: -7
hex: 0x1F
oct: 0o17
float: 4.10
exp: 1e3
t: true
f: False
n1: null
n2: ~
n3:
quoted_int: "42"
single_quoted: '4.10'
quoted_bool: "true"
quoted_null: "null"
word: hello
yes_is_a_string: yes
version: 1.2.3
str_tag: !!str 12
float_tag: !!float 3
big: 18446744073709551615
huge: 123456789012345678901234567890
)");
  EXPECT_TRUE(j["int"].is_number_integer());
  EXPECT_EQ(j["int"], 42);
  EXPECT_EQ(j["neg"], -7);
  EXPECT_EQ(j["hex"], 31);
  EXPECT_EQ(j["oct"], 15);
  EXPECT_TRUE(j["float"].is_number_float());
  EXPECT_DOUBLE_EQ(j["float"].get<double>(), 4.1);
  EXPECT_DOUBLE_EQ(j["exp"].get<double>(), 1000.0);
  EXPECT_EQ(j["t"], true);
  EXPECT_EQ(j["f"], false);
  EXPECT_TRUE(j["n1"].is_null());
  EXPECT_TRUE(j["n2"].is_null());
  EXPECT_TRUE(j["n3"].is_null());
  EXPECT_EQ(j["quoted_int"], "42");
  EXPECT_EQ(j["single_quoted"], "4.10");
  EXPECT_EQ(j["quoted_bool"], "true");
  EXPECT_EQ(j["quoted_null"], "null");
  EXPECT_EQ(j["word"], "hello");
  EXPECT_EQ(j["yes_is_a_string"], "yes");
  EXPECT_EQ(j["version"], "1.2.3");
  EXPECT_EQ(j["str_tag"], "12");
  EXPECT_TRUE(j["float_tag"].is_number_float());
  EXPECT_TRUE(j["big"].is_number_unsigned());
  EXPECT_TRUE(j["huge"].is_number_float());
}

TEST(YamlToJsonTest, StructureAndBlockScalars) {
  json j = Yaml("a: [1, two, {b: c}]\nm: |\n  line1\n  line2\n");
  EXPECT_EQ(j["a"], json::parse(R"([1, "two", {"b": "c"}])"));
  EXPECT_EQ(j["m"], "line1\nline2\n");
}

TEST(YamlToJsonTest, DuplicateKeysAndBadTagsAreErrors) {
  Diagnostic err;
  EXPECT_FALSE(YamlToJson(YAML::Load("a: 1\nb: 2\na: 3\n"), &err));
  EXPECT_NE(err.message.find("duplicate key \"a\""), std::string::npos) << err.message;
  EXPECT_EQ(err.line, 3);
  EXPECT_FALSE(YamlToJson(YAML::Load("a: !!int abc\n"), &err));
  EXPECT_NE(err.message.find("not a valid !!int"), std::string::npos) << err.message;
  EXPECT_FALSE(YamlToJson(YAML::Load("? [a, b]\n: c\n"), &err));
  EXPECT_NE(err.message.find("map keys must be scalars"), std::string::npos) << err.message;
}

TEST(YamlToJsonTest, AliasBombsAndCyclesAreBounded) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = c;
  }
  Diagnostic err;
  EXPECT_FALSE(YamlToJson(YAML::Load(bomb), &err));
  EXPECT_NE(err.message.find("nodes"), std::string::npos) << err.message;

  std::string deep(200, '[');
  deep += std::string(200, ']');
  EXPECT_FALSE(YamlToJson(YAML::Load(deep), &err));
  EXPECT_NE(err.message.find("nesting"), std::string::npos) << err.message;
}

TEST(EnumsTest, ParseAndToStringAreExactInverses) {
  EXPECT_EQ(Parse<Location>("OnPrem"), Location::OnPrem);
  EXPECT_FALSE(Parse<Location>("onprem").has_value());
  EXPECT_EQ(ToString(RedundancyMode::ActivePassive), "ActivePassive");
  EXPECT_EQ(AllowedValues<Location>(), "Cloud, OnPrem, Edge");
  for (auto name : NamesOf<Phase>()) EXPECT_EQ(ToString(*Parse<Phase>(name)), name);
  EXPECT_EQ(ToString(static_cast<Objective>(99)), "");
}

}  // namespace
}  // namespace hybridai::api
