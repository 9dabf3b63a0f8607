// Spend that people see: the spend report's grouping, month-to-date and projection, its tables
// and flags, the tag label names of the metrics, collected metric families, and every spend
// family exposed from the hub caches.
#include "cli/spend_command.h"

#include <sstream>

#include <gtest/gtest.h>

#include "cli/command_line.h"
#include "cli/kubectl_hybrid.h"
#include "controller_test_fixture.h"
#include "controllers/spend_metrics.h"
#include "runtime/metrics.h"

namespace hybridai {
namespace {

using nlohmann::json;

json Workload(const std::string& ns, const std::string& name, const std::string& team,
              const char* hourly, const char* mtdCost, const char* since = "2026-12-01T00:00:00Z") {
  return {{"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec", {{"tags", {{"team", team}, {"costCenter", "cc-" + team}}}}},
          {"status",
           {{"cost", {{"hourly", hourly}, {"accumulated", "100.00"}, {"currency", "USD"}}},
            {"energy", {{"powerWatts", 770}, {"energyKWh", "1"}, {"carbonKg", "0.3"}}},
            {"monthToDate",
             {{"since", since}, {"cost", mtdCost}, {"energyKWh", "2"}, {"carbonKg", "0.5"}}},
            {"placements", json::array({{{"role", "Active"}, {"carbonGramsPerHour", 231}}})}}}};
}

TEST(Spend, GroupsByTagWithMonthToDateAndProjection) {
  cli::SpendInput in;
  in.workloads = {Workload("team-a", "w1", "vision", "4.10", "10.00"),
                  Workload("team-a", "w2", "vision", "1.00", "5.50"),
                  Workload("team-a", "w3", "speech", "2.00", "1.00"),
                  // Last month's figures do not count this month.
                  Workload("team-a", "w4", "speech", "0", "99.00", "2026-11-01T00:00:00Z")};
  in.budgets = {{{"metadata", {{"namespace", "team-a"}, {"name", "vision"}}},
                 {"spec",
                  {{"selector", {{"tags", {{"team", "vision"}}}}},
                   {"period", "Monthly"},
                   {"enforcement", "Throttle"},
                   {"limits", {{"cost", "800.00"}}}}},
                 {"status",
                  {{"usage", {{"cost", "15.50"}}},
                   {"projected", {{"cost", "900.00"}}},
                   {"throttledWorkloads", 1},
                   {"conditions", json::array({{{"type", "Exceeded"}, {"status", "False"}},
                                               {{"type", "Warning"}, {"status", "True"}}})}}}}};
  // 2026-12-31T00:00Z: one day left in December.
  const json r = cli::BuildSpendReport(in, "team", 1798675200);
  ASSERT_EQ(r["groups"].size(), 2u);
  const json& speech = r["groups"][0];
  const json& vision = r["groups"][1];
  EXPECT_EQ(vision["team"], "vision");
  EXPECT_EQ(vision["workloads"], 2);
  EXPECT_EQ(vision["hourlyCost"], "5.10");
  EXPECT_EQ(vision["monthToDate"]["cost"], "15.50");
  EXPECT_EQ(vision["projectedMonth"]["cost"], "137.90");  // 15.50 + 5.10 x 24
  EXPECT_EQ(speech["monthToDate"]["cost"], "1.00");
  EXPECT_EQ(r["budgets"][0]["state"], "Warning");
  EXPECT_EQ(r["budgets"][0]["limits"]["cost"], "800.00");

  const std::string table = cli::RenderSpendTables(r, "team", false);
  EXPECT_NE(table.find("vision"), std::string::npos) << table;
  EXPECT_NE(table.find("137.90"), std::string::npos) << table;
  EXPECT_NE(table.find("Warning, 1 throttled"), std::string::npos) << table;
  // By another tag.
  const json byCc = cli::BuildSpendReport(in, "costCenter", 1798675200);
  EXPECT_EQ(byCc["groups"][1]["costCenter"], "cc-vision");
}

TEST(Spend, NamesAreEscapedInTables) {
  cli::SpendInput in;
  in.workloads = {Workload("team-a", "w1", "evil\n\x1b[2Jplan: 0 errors", "1", "1")};
  const std::string table =
      cli::RenderSpendTables(cli::BuildSpendReport(in, "team", 1798675200), "team", false);
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_EQ(table.find("\nplan: 0 errors"), std::string::npos);
}

TEST(Spend, CommandLineAndHubErrors) {
  auto p = cli::ParseCommandLine({"spend", "-A", "--by", "costCenter", "-ojson"});
  ASSERT_TRUE(p.command) << p.error;
  EXPECT_EQ(p.command->verb, cli::Verb::Spend);
  EXPECT_TRUE(p.command->spend.allNamespaces);
  EXPECT_EQ(p.command->spend.by, "costCenter");
  EXPECT_EQ(p.command->spend.output, cli::OutputFormat::Json);
  EXPECT_FALSE(cli::ParseCommandLine({"spend", "--by"}).command);
  EXPECT_FALSE(cli::ParseCommandLine({"spend", "-o", "xml"}).command);
  EXPECT_FALSE(cli::ParseCommandLine({"spend", "extra"}).command);

  std::istringstream in;
  std::ostringstream out, err;
  cli::CliIo io{in, out, err};
  cli::SpendOptions o;
  const int rc =
      cli::RunSpend(o, io, [](const cli::SpendOptions&, cli::SpendInput&, std::string& e) {
        e = "listing aiworkloads: connection refused";
        return false;
      });
  EXPECT_EQ(rc, cli::kExitUsage);
  EXPECT_NE(err.str().find("connection refused"), std::string::npos);
  // Without a hub connection: a clear error, not a crash.
  std::ostringstream out2, err2;
  cli::CliIo io2{in, out2, err2};
  EXPECT_EQ(cli::RunKubectlHybrid({"spend", "-A"}, io2), cli::kExitUsage);
  EXPECT_NE(err2.str().find("hub"), std::string::npos) << err2.str();
}

TEST(SpendMetrics, TagLabelNames) {
  EXPECT_EQ(controllers::TagLabelName("team"), "team");
  EXPECT_EQ(controllers::TagLabelName("costCenter"), "cost_center");
  EXPECT_EQ(controllers::TagLabelName("example.com/owner"), "example_com_owner");
  EXPECT_EQ(controllers::TagLabelName("namespace"), "tag_namespace");
  EXPECT_EQ(controllers::TagLabelName("1st"), "tag_1st");
}

TEST(SpendMetrics, CollectedFamiliesExistExactlyAsLongAsTheirSeries) {
  runtime::MetricsRegistry r;
  std::vector<std::pair<std::vector<std::string>, double>> series;
  r.AddCollected("hybridai_x_watts", "help", runtime::MetricType::Gauge, {"namespace", "team"},
                 [&](const runtime::MetricsRegistry::Emit& emit) {
                   for (const auto& [labels, v] : series) emit(labels, v);
                 });
  EXPECT_EQ(r.Expose(), "");
  series = {{{"a", "vi\"sion"}, 1.5}};
  EXPECT_EQ(r.Expose(),
            "# HELP hybridai_x_watts help\n# TYPE hybridai_x_watts gauge\n"
            "hybridai_x_watts{namespace=\"a\",team=\"vi\\\"sion\"} 1.5\n");
}

// Every spend family from hub caches holding a running workload (an Active and a Standby
// placement), a throttled one, a cluster-less placement and a budget near its limits.
TEST(SpendMetrics, EveryFamilyFromTheHubCaches) {
  testing::Hub hub;
  namespace kinds = runtime::kinds;
  hub.api->Seed(kinds::kMemberCluster, testing::ClusterJson("aws-eu", "aws"));
  hub.api->Seed(kinds::kMemberCluster, testing::ClusterJson("dc-paris", "dc-paris", "OnPrem"));
  json chat = Workload("team-a", "chat", "nlp", "4.40", "12.50");
  chat["apiVersion"] = "hybridai.io/v1alpha1";
  chat["kind"] = "AIWorkload";
  chat["spec"]["type"] = "Inference";
  chat["status"]["placements"] =
      json::array({{{"cluster", "aws-eu"},
                    {"pool", "aws-h100"},
                    {"role", "Active"},
                    {"replicas", 2},
                    {"powerWatts", 1680},
                    {"carbonGramsPerHour", 504}},
                   {{"cluster", "dc-paris"},
                    {"pool", "paris-h100"},
                    {"role", "Standby"},
                    {"replicas", 0},
                    {"powerWatts", 0},
                    {"carbonGramsPerHour", 0}},
                   {{"cluster", "gone"}, {"pool", "x"}, {"role", "Active"}, {"powerWatts", 7}}});
  hub.api->Seed(kinds::kAIWorkload, chat);
  json train = Workload("team-b", "train", "vision", "2.20", "1.25");
  train["apiVersion"] = "hybridai.io/v1alpha1";
  train["kind"] = "AIWorkload";
  train["spec"]["type"] = "Training";
  train["status"]["throttledReplicas"] = 1;
  train["status"]["placements"] =
      json::array({{{"cluster", "dc-paris"}, {"pool", "paris-h100"}, {"role", "Active"}}});
  hub.api->Seed(kinds::kAIWorkload, train);
  hub.api->Seed(
      kinds::kBudget,
      {{"apiVersion", "hybridai.io/v1alpha1"},
       {"kind", "Budget"},
       {"metadata", {{"namespace", "team-a"}, {"name", "nlp"}}},
       {"spec",
        {{"selector", {{"tags", {{"team", "nlp"}}}}},
         {"period", "Monthly"},
         {"limits", {{"cost", "100.00"}, {"powerWatts", 2000}}},
         {"enforcement", "Deny"}}},
       {"status",
        {{"usage",
          {{"cost", "80.50"}, {"energyKWh", "12.5"}, {"carbonKg", "3.75"}, {"powerWatts", 1680}}},
         {"projected", {{"cost", "120.25"}, {"energyKWh", "20"}, {"carbonKg", "6"}}},
         {"conditions", json::array({{{"type", "Warning"}, {"status", "True"}},
                                     {{"type", "Exceeded"}, {"status", "False"}}})}}}});
  hub.Start();
  runtime::MetricsRegistry r;
  controllers::RegisterSpendMetrics(r, hub.Caches(), {"team", "costCenter"});
  // The whole exposition: names, labels and values are a contract (docs/metrics.md). Only
  // Active placements of workloads not throttled have placement series.
  EXPECT_EQ(
      r.Expose(),
      R"(# HELP hybridai_budget_carbon_grams Budget usage: carbon in grams CO2e so far this period.
# TYPE hybridai_budget_carbon_grams gauge
hybridai_budget_carbon_grams{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 3750
# HELP hybridai_budget_carbon_grams_projected Budget usage projected to the period's end: carbon in grams CO2e.
# TYPE hybridai_budget_carbon_grams_projected gauge
hybridai_budget_carbon_grams_projected{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 6000
# HELP hybridai_budget_cost Budget usage: cost so far this period.
# TYPE hybridai_budget_cost gauge
hybridai_budget_cost{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 80.5
# HELP hybridai_budget_cost_limit Budget limit: cost per period.
# TYPE hybridai_budget_cost_limit gauge
hybridai_budget_cost_limit{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 100
# HELP hybridai_budget_cost_projected Budget usage projected to the period's end: cost.
# TYPE hybridai_budget_cost_projected gauge
hybridai_budget_cost_projected{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 120.25
# HELP hybridai_budget_energy_joules Budget usage: energy in joules so far this period.
# TYPE hybridai_budget_energy_joules gauge
hybridai_budget_energy_joules{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 4.5e+07
# HELP hybridai_budget_energy_joules_projected Budget usage projected to the period's end: energy in joules.
# TYPE hybridai_budget_energy_joules_projected gauge
hybridai_budget_energy_joules_projected{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 7.2e+07
# HELP hybridai_budget_exceeded 1 while the budget's Exceeded condition is True.
# TYPE hybridai_budget_exceeded gauge
hybridai_budget_exceeded{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 0
# HELP hybridai_budget_power_watts Budget usage: power in watts drawn now.
# TYPE hybridai_budget_power_watts gauge
hybridai_budget_power_watts{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 1680
# HELP hybridai_budget_power_watts_limit Budget limit: power in watts.
# TYPE hybridai_budget_power_watts_limit gauge
hybridai_budget_power_watts_limit{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 2000
# HELP hybridai_budget_warning 1 while the budget's Warning condition is True.
# TYPE hybridai_budget_warning gauge
hybridai_budget_warning{namespace="team-a",budget="nlp",enforcement="Deny",team="nlp",cost_center=""} 1
# HELP hybridai_placement_carbon_grams_per_hour Carbon an Active placement emits per hour in grams CO2e (what runs).
# TYPE hybridai_placement_carbon_grams_per_hour gauge
hybridai_placement_carbon_grams_per_hour{namespace="team-a",workload="chat",cluster="aws-eu",pool="aws-h100",location="Cloud"} 504
hybridai_placement_carbon_grams_per_hour{namespace="team-a",workload="chat",cluster="gone",pool="x",location=""} 0
# HELP hybridai_placement_power_watts Power an Active placement is rated to draw in watts, PUE included.
# TYPE hybridai_placement_power_watts gauge
hybridai_placement_power_watts{namespace="team-a",workload="chat",cluster="aws-eu",pool="aws-h100",location="Cloud"} 1680
hybridai_placement_power_watts{namespace="team-a",workload="chat",cluster="gone",pool="x",location=""} 7
# HELP hybridai_workload_carbon_grams_total Carbon emitted since creation in grams CO2e.
# TYPE hybridai_workload_carbon_grams_total counter
hybridai_workload_carbon_grams_total{namespace="team-b",workload="train",type="Training",currency="USD",team="vision",cost_center="cc-vision"} 300
hybridai_workload_carbon_grams_total{namespace="team-a",workload="chat",type="Inference",currency="USD",team="nlp",cost_center="cc-nlp"} 300
# HELP hybridai_workload_cost_total Cost accumulated since the workload was created, in its currency.
# TYPE hybridai_workload_cost_total counter
hybridai_workload_cost_total{namespace="team-b",workload="train",type="Training",currency="USD",team="vision",cost_center="cc-vision"} 100
hybridai_workload_cost_total{namespace="team-a",workload="chat",type="Inference",currency="USD",team="nlp",cost_center="cc-nlp"} 100
# HELP hybridai_workload_energy_joules_total Energy used since creation in joules (kWh x 3.6e6).
# TYPE hybridai_workload_energy_joules_total counter
hybridai_workload_energy_joules_total{namespace="team-b",workload="train",type="Training",currency="USD",team="vision",cost_center="cc-vision"} 3600000
hybridai_workload_energy_joules_total{namespace="team-a",workload="chat",type="Inference",currency="USD",team="nlp",cost_center="cc-nlp"} 3600000
# HELP hybridai_workload_hourly_cost What the workload's running placements cost per hour, in its currency.
# TYPE hybridai_workload_hourly_cost gauge
hybridai_workload_hourly_cost{namespace="team-b",workload="train",type="Training",currency="USD",team="vision",cost_center="cc-vision"} 2.2
hybridai_workload_hourly_cost{namespace="team-a",workload="chat",type="Inference",currency="USD",team="nlp",cost_center="cc-nlp"} 4.4
# HELP hybridai_workload_month_cost Cost accumulated in the current calendar month (UTC).
# TYPE hybridai_workload_month_cost gauge
hybridai_workload_month_cost{namespace="team-b",workload="train",type="Training",currency="USD",team="vision",cost_center="cc-vision"} 1.25
hybridai_workload_month_cost{namespace="team-a",workload="chat",type="Inference",currency="USD",team="nlp",cost_center="cc-nlp"} 12.5
# HELP hybridai_workload_power_watts Power the workload draws now in watts, PUE included.
# TYPE hybridai_workload_power_watts gauge
hybridai_workload_power_watts{namespace="team-b",workload="train",type="Training",currency="USD",team="vision",cost_center="cc-vision"} 770
hybridai_workload_power_watts{namespace="team-a",workload="chat",type="Inference",currency="USD",team="nlp",cost_center="cc-nlp"} 770
# HELP hybridai_workload_throttled_replicas Replicas a Throttle budget has scaled down.
# TYPE hybridai_workload_throttled_replicas gauge
hybridai_workload_throttled_replicas{namespace="team-b",workload="train",type="Training",currency="USD",team="vision",cost_center="cc-vision"} 1
hybridai_workload_throttled_replicas{namespace="team-a",workload="chat",type="Inference",currency="USD",team="nlp",cost_center="cc-nlp"} 0
)");
}

}  // namespace
}  // namespace hybridai
