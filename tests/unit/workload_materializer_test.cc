// The member objects built for an AIWorkload placement: labels, a selector that never moves,
// pinning to the pool (node selector, tolerations, accelerator resources), standby handling,
// Job specifics, member object names that fit a DNS label, and the spec-hash annotation.
#include "controllers/workload_materializer.h"

#include <set>

#include <gtest/gtest.h>

namespace hybridai::controllers {
namespace {

using nlohmann::json;

api::AIWorkload Workload(api::WorkloadType type = api::WorkloadType::Inference) {
  api::AIWorkload w;
  w.metadata.name = "chat";
  w.metadata.namespace_ = "team-a";
  w.metadata.uid = "uid-42";
  w.metadata.generation = 3;
  w.spec.type = type;
  w.spec.replicas = 2;
  w.spec.accelerators.count = 2;
  w.spec.tags = {{"team", "nlp"}, {"costCenter", "cc-4200"}};
  w.spec.tmpl = json::parse(R"({
    "metadata": {"labels": {"app": "chat"}},
    "spec": {
      "nodeSelector": {"topology.kubernetes.io/zone": "a"},
      "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
      "containers": [
        {"name": "server", "image": "vllm:1",
         "resources": {"requests": {"cpu": "4"}, "limits": {"memory": "32Gi"}}},
        {"name": "sidecar", "image": "proxy:1"}
      ]
    }
  })");
  return w;
}

api::Placement Active(int64_t replicas = 2) {
  api::Placement p;
  p.cluster = "aws-eu";
  p.pool = "aws-h100";
  p.replicas = replicas;
  p.accelerators = replicas * 2;
  p.role = api::Role::Active;
  return p;
}

api::Placement Standby() {
  api::Placement p = Active();
  p.cluster = "dc-paris";
  p.pool = "dc-paris-h100";
  p.role = api::Role::Standby;
  return p;
}

api::GPUPool Pool() {
  api::GPUPool pool;
  pool.metadata.name = "aws-h100";
  pool.spec.cluster = "aws-eu";
  pool.spec.nodeSelector = {{"node.kubernetes.io/instance-type", "p5.48xlarge"}};
  pool.spec.tolerations = {{"gpu", "Exists", "", "NoSchedule", std::nullopt},
                           {"nvidia.com/gpu", "Exists", "", "NoSchedule", std::nullopt}};
  pool.spec.accelerator = {"NVIDIA", "H100", 80, "nvidia.com/gpu"};
  return pool;
}

std::string SpecHash(const json& object) {
  return object["metadata"]["annotations"].value(kAnnotationSpecHash, "");
}

TEST(WorkloadMaterializer, DeploymentLabelsAreTagsPlusHybridLabels) {
  const json d = BuildDeployment(Workload(), Active(), Pool());
  EXPECT_EQ(d["apiVersion"], "apps/v1");
  EXPECT_EQ(d["kind"], "Deployment");
  EXPECT_EQ(d["metadata"]["name"], "chat-aws-h100");
  EXPECT_EQ(d["metadata"]["namespace"], "team-a");
  EXPECT_EQ(d["metadata"]["annotations"][kAnnotationWorkloadUid], "uid-42");
  const json want = {{"team", "nlp"},           {"costCenter", "cc-4200"},
                     {kLabelWorkload, "chat"},  {kLabelWorkloadNamespace, "team-a"},
                     {kLabelCluster, "aws-eu"}, {kLabelPool, "aws-h100"},
                     {kLabelRole, "Active"},    {kLabelManagedBy, kManagedByValue}};
  EXPECT_EQ(d["metadata"]["labels"], want);

  // Pods carry the user's labels and the same labels except the role.
  const json& pod_labels = d["spec"]["template"]["metadata"]["labels"];
  EXPECT_EQ(pod_labels["app"], "chat");
  EXPECT_EQ(pod_labels["team"], "nlp");
  EXPECT_EQ(pod_labels[kLabelWorkload], "chat");
  EXPECT_EQ(pod_labels[kLabelPool], "aws-h100");
  EXPECT_FALSE(pod_labels.contains(kLabelRole));
}

TEST(WorkloadMaterializer, HybridLabelsWinOverTagsWithTheSameKey) {
  api::AIWorkload w = Workload();
  w.spec.tags[kLabelWorkload] = "someone-else";
  w.spec.tags[kLabelManagedBy] = "helm";
  const json d = BuildDeployment(w, Active(), Pool());
  EXPECT_EQ(d["metadata"]["labels"][kLabelWorkload], "chat");
  EXPECT_EQ(d["metadata"]["labels"][kLabelManagedBy], kManagedByValue);
  EXPECT_EQ(d["spec"]["template"]["metadata"]["labels"][kLabelWorkload], "chat");
}

TEST(WorkloadMaterializer, SelectorIsStableAndMatchesThePods) {
  const json base = BuildDeployment(Workload(), Active(), Pool())["spec"]["selector"];
  const json want = {
      {"matchLabels",
       {{kLabelWorkload, "chat"}, {kLabelWorkloadNamespace, "team-a"}, {kLabelPool, "aws-h100"}}}};
  EXPECT_EQ(base, want);

  // A Deployment's selector is immutable: nothing a user or a failover changes may move it.
  api::AIWorkload retagged = Workload();
  retagged.spec.tags["team"] = "vision";
  retagged.spec.tmpl["metadata"]["labels"]["app"] = "chat-v2";
  api::Placement promoted = Active(5);
  promoted.cluster = "other-cluster";
  api::Placement standby = Active();
  standby.role = api::Role::Standby;
  EXPECT_EQ(BuildDeployment(retagged, Active(), Pool())["spec"]["selector"], base);
  EXPECT_EQ(BuildDeployment(Workload(), promoted, Pool())["spec"]["selector"], base);
  EXPECT_EQ(BuildDeployment(Workload(), standby, Pool())["spec"]["selector"], base);

  const json d = BuildDeployment(Workload(), Active(), Pool());
  for (const auto& [k, v] : d["spec"]["selector"]["matchLabels"].items())
    EXPECT_EQ(d["spec"]["template"]["metadata"]["labels"][k], v) << k;
}

TEST(WorkloadMaterializer, NodeSelectorMergesThePoolsIntoTheTemplates) {
  const json d = BuildDeployment(Workload(), Active(), Pool());
  const json want = {{"topology.kubernetes.io/zone", "a"},
                     {"node.kubernetes.io/instance-type", "p5.48xlarge"}};
  EXPECT_EQ(d["spec"]["template"]["spec"]["nodeSelector"], want);

  // The pool's value wins: a template cannot pin its pods outside the pool it was placed on.
  api::AIWorkload w = Workload();
  w.spec.tmpl["spec"]["nodeSelector"]["node.kubernetes.io/instance-type"] = "g5.xlarge";
  EXPECT_EQ(
      BuildDeployment(
          w, Active(),
          Pool())["spec"]["template"]["spec"]["nodeSelector"]["node.kubernetes.io/instance-type"],
      "p5.48xlarge");

  // Neither has one: no empty nodeSelector appears.
  api::AIWorkload plain = Workload();
  plain.spec.tmpl["spec"].erase("nodeSelector");
  api::GPUPool open = Pool();
  open.spec.nodeSelector.clear();
  EXPECT_FALSE(
      BuildDeployment(plain, Active(), open)["spec"]["template"]["spec"].contains("nodeSelector"));
}

TEST(WorkloadMaterializer, PoolTolerationsAreAddedOnce) {
  const json d = BuildDeployment(Workload(), Active(), Pool());
  const json want = json::parse(R"([
    {"key": "gpu", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
  ])");
  EXPECT_EQ(d["spec"]["template"]["spec"]["tolerations"], want);

  // Building from a template that already went through the materializer adds nothing.
  api::AIWorkload again = Workload();
  again.spec.tmpl = d["spec"]["template"];
  EXPECT_EQ(BuildDeployment(again, Active(), Pool())["spec"]["template"]["spec"]["tolerations"],
            want);

  // A pool without tolerations leaves the template's alone, and adds none to a template without.
  api::GPUPool none = Pool();
  none.spec.tolerations.clear();
  api::AIWorkload bare = Workload();
  bare.spec.tmpl["spec"].erase("tolerations");
  EXPECT_FALSE(
      BuildDeployment(bare, Active(), none)["spec"]["template"]["spec"].contains("tolerations"));
}

TEST(WorkloadMaterializer, AcceleratorLimitAndRequestOnTheFirstContainer) {
  const json d = BuildDeployment(Workload(), Active(), Pool());
  const json& containers = d["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  const json& res = containers[0]["resources"];
  EXPECT_EQ(res["limits"]["nvidia.com/gpu"], "2");
  EXPECT_EQ(res["requests"]["nvidia.com/gpu"], "2");
  // What the user asked for stays.
  EXPECT_EQ(res["requests"]["cpu"], "4");
  EXPECT_EQ(res["limits"]["memory"], "32Gi");
  EXPECT_FALSE(containers[1].contains("resources"));

  // The count comes from spec.accelerators.count and the name from the pool.
  api::AIWorkload w = Workload();
  w.spec.accelerators.count = 8;
  api::GPUPool amd = Pool();
  amd.spec.accelerator.resourceName = "amd.com/gpu";
  const json r =
      BuildDeployment(w, Active(), amd)["spec"]["template"]["spec"]["containers"][0]["resources"];
  EXPECT_EQ(r["limits"]["amd.com/gpu"], "8");
  EXPECT_EQ(r["requests"]["amd.com/gpu"], "8");
}

TEST(WorkloadMaterializer, TemplateWithoutContainersOrNotAnObjectDoesNotCrash) {
  api::AIWorkload w = Workload();
  w.spec.tmpl = json::object();
  const json d = BuildDeployment(w, Active(), Pool());
  EXPECT_EQ(d["spec"]["template"]["metadata"]["labels"][kLabelWorkload], "chat");
  w.spec.tmpl = json::array();
  EXPECT_EQ(BuildMemberObject(w, Active(), Pool())["kind"], "Deployment");
  w.spec.tmpl = json::parse(R"({"spec": {"containers": "oops"}, "metadata": 3})");
  EXPECT_EQ(
      BuildDeployment(w, Active(), Pool())["spec"]["template"]["metadata"]["labels"][kLabelPool],
      "aws-h100");
}

TEST(WorkloadMaterializer, DeploymentReplicasAndStandbyScaledToZero) {
  EXPECT_EQ(BuildDeployment(Workload(), Active(3), Pool())["spec"]["replicas"], 3);
  const json standby = BuildDeployment(Workload(), Standby(), Pool());
  EXPECT_EQ(standby["spec"]["replicas"], 0);
  EXPECT_EQ(standby["metadata"]["labels"][kLabelRole], "Standby");
  EXPECT_EQ(standby["metadata"]["name"], "chat-dc-paris-h100");
}

TEST(WorkloadMaterializer, JobIsGangSizedAndStandbySuspended) {
  const api::AIWorkload w = Workload(api::WorkloadType::Training);
  const json job = BuildJob(w, Active(4), Pool());
  EXPECT_EQ(job["apiVersion"], "batch/v1");
  EXPECT_EQ(job["kind"], "Job");
  EXPECT_EQ(job["spec"]["parallelism"], 4);
  EXPECT_EQ(job["spec"]["completions"], 4);
  EXPECT_EQ(job["spec"]["suspend"], false);
  EXPECT_EQ(job["metadata"]["labels"][kLabelWorkload], "chat");
  EXPECT_EQ(job["spec"]["template"]["spec"]["nodeSelector"]["node.kubernetes.io/instance-type"],
            "p5.48xlarge");
  EXPECT_EQ(
      job["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"],
      "2");
  EXPECT_EQ(BuildJob(w, Standby(), Pool())["spec"]["suspend"], true);
}

TEST(WorkloadMaterializer, JobRestartPolicy) {
  api::AIWorkload w = Workload(api::WorkloadType::Batch);
  auto policy = [&] {
    return BuildJob(w, Active(), Pool())["spec"]["template"]["spec"].value("restartPolicy", "");
  };
  EXPECT_EQ(policy(), "OnFailure");
  w.spec.tmpl["spec"]["restartPolicy"] = "Always";  // invalid for a Job
  EXPECT_EQ(policy(), "OnFailure");
  w.spec.tmpl["spec"]["restartPolicy"] = "Never";
  EXPECT_EQ(policy(), "Never");
  // A Deployment keeps whatever the template says (its default is Always).
  EXPECT_EQ(BuildDeployment(w, Active(), Pool())["spec"]["template"]["spec"]["restartPolicy"],
            "Never");
}

TEST(WorkloadMaterializer, MemberObjectKindFollowsTheWorkloadType) {
  EXPECT_EQ(BuildMemberObject(Workload(api::WorkloadType::Inference), Active(), Pool())["kind"],
            "Deployment");
  EXPECT_EQ(BuildMemberObject(Workload(api::WorkloadType::Training), Active(), Pool())["kind"],
            "Job");
  EXPECT_EQ(BuildMemberObject(Workload(api::WorkloadType::Batch), Active(), Pool())["kind"], "Job");
}

TEST(WorkloadMaterializer, ShortNamesAreKept) {
  EXPECT_EQ(MemberObjectName("chat", "aws-h100"), "chat-aws-h100");
  const std::string exactly46 = std::string(37, 'w') + "-" + std::string(8, 'p');
  ASSERT_EQ(exactly46.size(), 46u);
  EXPECT_EQ(MemberObjectName(std::string(37, 'w'), std::string(8, 'p')), exactly46);
}

TEST(WorkloadMaterializer, LongNamesAreShortenedWithAStableHash) {
  const std::string workload = "a-very-long-inference-workload-name-for-llama-70b";
  const std::string name = MemberObjectName(workload, "dc-paris-h100");
  EXPECT_LE(name.size(), 46u);
  EXPECT_EQ(name, MemberObjectName(workload, "dc-paris-h100"));  // deterministic
  // Ends in "-" and eight hex digits, after a head that keeps the start of the name.
  ASSERT_GT(name.size(), 9u);
  const std::string suffix = name.substr(name.size() - 9);
  EXPECT_EQ(suffix[0], '-');
  EXPECT_EQ(suffix.find_first_not_of("0123456789abcdef", 1), std::string::npos) << name;
  EXPECT_EQ(name.rfind("a-very-long-inference", 0), 0u) << name;

  // Names that share their first 37 characters still differ.
  std::set<std::string> names;
  for (const char* pool : {"dc-paris-h100", "dc-paris-h200", "aws-h100", "gcp-a100"})
    names.insert(MemberObjectName(workload, pool));
  EXPECT_EQ(names.size(), 4u);

  // The head never ends with a separator before the hash (no "--" or ".-").
  // (Workload names of 26..45 characters put one of the separators at the cut.)
  for (int cut = 26; cut < 46; ++cut) {
    const std::string w(cut, 'x');
    const std::string n = MemberObjectName(w, "pool-with-a-long-name");
    EXPECT_LE(n.size(), 46u);
    EXPECT_EQ(n.find("--"), std::string::npos) << n;
    EXPECT_EQ(n.find(".-"), std::string::npos) << n;
  }
}

TEST(WorkloadMaterializer, SpecHashChangesWithTheTemplateAndNothingElse) {
  const api::AIWorkload w = Workload();
  const std::string base = SpecHash(BuildMemberObject(w, Active(), Pool()));
  ASSERT_EQ(base.size(), 8u);
  EXPECT_EQ(SpecHash(BuildMemberObject(w, Active(), Pool())), base);

  // Status, resourceVersion and generation are not part of the member object.
  api::AIWorkload same = w;
  same.metadata.resourceVersion = "999";
  same.metadata.generation = 17;
  same.status.phase = api::Phase::Running;
  same.status.readyReplicas = 2;
  same.status.placements = {Active()};
  same.status.lastAccountingTime = "2025-01-01T00:00:00Z";
  EXPECT_EQ(SpecHash(BuildMemberObject(same, Active(), Pool())), base);
  // Nor is the placement's price, power or carbon.
  api::Placement repriced = Active();
  repriced.hourlyCost = *Decimal::Parse("9.99");
  repriced.powerWatts = 1234;
  repriced.carbonGramsPerHour = 77;
  EXPECT_EQ(SpecHash(BuildMemberObject(w, repriced, Pool())), base);

  api::AIWorkload image = w;
  image.spec.tmpl["spec"]["containers"][0]["image"] = "vllm:2";
  EXPECT_NE(SpecHash(BuildMemberObject(image, Active(), Pool())), base);
  api::AIWorkload labelled = w;
  labelled.spec.tmpl["metadata"]["labels"]["version"] = "2";
  EXPECT_NE(SpecHash(BuildMemberObject(labelled, Active(), Pool())), base);
  EXPECT_NE(SpecHash(BuildMemberObject(w, Active(3), Pool())), base);
  api::AIWorkload tagged = w;
  tagged.spec.tags["team"] = "vision";
  EXPECT_NE(SpecHash(BuildMemberObject(tagged, Active(), Pool())), base);
  api::GPUPool moved = Pool();
  moved.spec.nodeSelector["extra"] = "x";
  EXPECT_NE(SpecHash(BuildMemberObject(w, Active(), moved)), base);
}

}  // namespace
}  // namespace hybridai::controllers
