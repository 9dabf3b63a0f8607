// Spend that people see: the spend report's grouping, month-to-date and projection, its tables
// and flags, the tag label names of the metrics, and collected metric families.
#include "cli/spend_command.h"

#include <sstream>

#include <gtest/gtest.h>

#include "cli/command_line.h"
#include "cli/kubectl_hybrid.h"
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

}  // namespace
}  // namespace hybridai
