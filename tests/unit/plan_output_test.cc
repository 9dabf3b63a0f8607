// The plan renderers: JSON keys and money format (the contract), YAML typing, table alignment
// and colour only on request.
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "cli/plan_output.h"
#include "cli/text_table.h"

namespace hybridai::cli {
namespace {

PlanReport SampleReport() {
  PlanReport r;
  WorkloadRow llama;
  llama.namespace_ = "team-a";
  llama.name = "llama";
  llama.type = "Inference";
  llama.replicas = 2;
  llama.placed = true;
  llama.placements.push_back(
      {"aws-eu", "aws-h100", 2, 2, "Active", *Decimal::Parse("8.2"), 1680, 504});
  llama.placements.push_back({"dc-paris", "dc-paris-h100", 2, 2, "Standby", Decimal(), 0, 0});
  llama.hourlyCost = *Decimal::Parse("8.2");
  llama.powerWatts = 1680;
  llama.carbonGramsPerHour = 504;
  r.workloads.push_back(llama);

  WorkloadRow big;
  big.namespace_ = "team-a";
  big.name = "giant-train";
  big.type = "Training";
  big.replicas = 64;
  big.placed = false;
  big.reasons = {"0/2 pools fit: 2 insufficient accelerators", "gang needs one pool"};
  r.workloads.push_back(big);

  BudgetRow b;
  b.namespace_ = "team-a";
  b.name = "vision";
  b.verdict = "Warning";
  b.enforcement = "Deny";
  b.period = "Monthly";
  b.powerWatts = 1680;
  b.cost = *Decimal::Parse("5904");
  b.powerLimit = 2000;
  b.costLimit = *Decimal::Parse("6000");
  b.messages = {"cost projected 5904.00 >= 80% of limit 6000.00"};
  r.budgets.push_back(b);

  r.pools.push_back({"aws-h100", "aws-eu", "NVIDIA H100 80Gi", false, 32, 2});
  r.pools.push_back({"dc-paris-h100", "dc-paris", "NVIDIA H100 80Gi", false, 16, 2});
  return r;
}

TEST(PlanOutputJson, HasExactlyTheContractKeys) {
  const auto j = nlohmann::json::parse(RenderJson(SampleReport()));
  auto keys = [](const nlohmann::json& o) {
    std::vector<std::string> out;
    for (const auto& [k, v] : o.items()) out.push_back(k);
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys(j), (V{"budgets", "pools", "workloads"}));
  EXPECT_EQ(keys(j["workloads"][0]), (V{"carbonGramsPerHour", "hourlyCost", "name", "namespace",
                                        "placed", "placements", "powerWatts", "reasons"}));
  EXPECT_EQ(keys(j["workloads"][0]["placements"][0]),
            (V{"accelerators", "carbonGramsPerHour", "cluster", "hourlyCost", "pool", "powerWatts",
               "replicas", "role"}));
  EXPECT_EQ(keys(j["budgets"][0]), (V{"name", "namespace", "usage", "verdict"}));
  EXPECT_EQ(keys(j["budgets"][0]["usage"]), (V{"cost", "powerWatts"}));
  EXPECT_EQ(keys(j["pools"][0]), (V{"allocated", "capacity", "name"}));
}

TEST(PlanOutputJson, MoneyIsADecimalStringWithTwoFractionDigits) {
  const auto j = nlohmann::json::parse(RenderJson(SampleReport()));
  EXPECT_EQ(j["workloads"][0]["hourlyCost"], "8.20");
  EXPECT_EQ(j["workloads"][0]["placements"][0]["hourlyCost"], "8.20");
  EXPECT_EQ(j["workloads"][0]["placements"][1]["hourlyCost"], "0.00");
  EXPECT_EQ(j["workloads"][0]["placements"][1]["role"], "Standby");
  EXPECT_EQ(j["budgets"][0]["usage"]["cost"], "5904.00");
  EXPECT_EQ(j["workloads"][0]["powerWatts"], 1680);
  EXPECT_EQ(j["workloads"][0]["carbonGramsPerHour"], 504);
}

TEST(PlanOutputJson, UnplacedWorkloadHasNoPlacementsAndItsReasons) {
  const auto j = nlohmann::json::parse(RenderJson(SampleReport()));
  const auto& w = j["workloads"][1];
  EXPECT_EQ(w["placed"], false);
  EXPECT_TRUE(w["placements"].is_array());
  EXPECT_TRUE(w["placements"].empty());
  ASSERT_EQ(w["reasons"].size(), 2u);
  EXPECT_EQ(w["reasons"][0], "0/2 pools fit: 2 insufficient accelerators");
  EXPECT_EQ(j["workloads"][0]["reasons"], nlohmann::json::array());
}

TEST(PlanOutputYaml, IsTheSameDocumentWithMoneyStillStrings) {
  const std::string text = RenderYaml(SampleReport());
  const YAML::Node y = YAML::Load(text);
  const YAML::Node w = y["workloads"][0];
  EXPECT_EQ(w["name"].as<std::string>(), "llama");
  EXPECT_EQ(w["placed"].as<bool>(), true);
  EXPECT_EQ(w["powerWatts"].as<int64_t>(), 1680);
  // Quoted scalars carry the non-specific tag "!"; a plain 8.20 would be read as a float.
  EXPECT_EQ(w["hourlyCost"].Tag(), "!");
  EXPECT_EQ(w["hourlyCost"].as<std::string>(), "8.20");
  EXPECT_EQ(w["reasons"].size(), 0u);
  EXPECT_TRUE(w["reasons"].IsSequence());
  EXPECT_EQ(y["workloads"][1]["placements"].size(), 0u);
  EXPECT_EQ(y["budgets"][0]["usage"]["cost"].Tag(), "!");
  EXPECT_EQ(y["pools"][1]["capacity"].as<int>(), 16);
  EXPECT_EQ(text.find("\033["), std::string::npos);
}

TEST(PlanOutputYaml, QuotesStringsThatWouldReadAsOtherTypes) {
  PlanReport r;
  WorkloadRow w;
  w.namespace_ = "no";  // YAML 1.1 reads a plain `no` as false
  w.name = "1e3";
  w.placed = false;
  w.reasons = {"null", "true", "plain words stay plain"};
  r.workloads.push_back(w);
  const std::string text = RenderYaml(r);
  const YAML::Node y = YAML::Load(text);
  EXPECT_EQ(y["workloads"][0]["namespace"].Tag(), "!");
  EXPECT_EQ(y["workloads"][0]["name"].Tag(), "!");
  EXPECT_EQ(y["workloads"][0]["reasons"][0].Tag(), "!");
  EXPECT_EQ(y["workloads"][0]["reasons"][1].Tag(), "!");
  EXPECT_NE(text.find("- plain words stay plain"), std::string::npos) << text;
}

TEST(PlanOutputTable, AlignsColumnsAndShowsEveryPlacement) {
  const std::string table = RenderTable(SampleReport(), /*color=*/false);
  std::istringstream lines(table);
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.rfind("WORKLOAD", 0), 0u) << table;
  for (const char* column : {"TYPE", "REPLICAS", "PLACEMENT", "COST/H", "POWER", "CO2 G/H"}) {
    EXPECT_NE(header.find(column), std::string::npos) << column;
  }
  // The PLACEMENT column starts at the same offset on the header and both placement lines.
  const size_t col = header.find("PLACEMENT");
  EXPECT_EQ(first.find("aws-eu/aws-h100 x2, Active"), col) << table;
  EXPECT_EQ(second.find("dc-paris/dc-paris-h100 x2, Standby"), col) << table;
  // Right-aligned numbers end where their header ends.
  const size_t cost_end = header.find("COST/H") + std::string("COST/H").size();
  EXPECT_EQ(first.find("8.20") + 4, cost_end) << table;
  EXPECT_NE(first.find("1680 W"), std::string::npos);
  EXPECT_NE(table.find("team-a/giant-train"), std::string::npos);
  EXPECT_NE(table.find("unschedulable"), std::string::npos);
}

TEST(PlanOutputTable, ExplainsUnplacedWorkloadsAndBudgetsOverThreshold) {
  const std::string table = RenderTable(SampleReport(), false);
  EXPECT_NE(table.find("why team-a/giant-train is unschedulable: 0/2 pools fit: 2 insufficient "
                       "accelerators; gang needs one pool"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("budget team-a/vision (Warning): cost projected 5904.00"), std::string::npos)
      << table;
  EXPECT_NE(table.find("5904.00 / 6000.00 USD"), std::string::npos) << table;
  EXPECT_NE(table.find("1680 / 2000 W"), std::string::npos) << table;
  EXPECT_NE(table.find("NVIDIA H100 80Gi"), std::string::npos) << table;
  EXPECT_NE(table.find("TOTAL"), std::string::npos) << table;
}

TEST(PlanOutputTable, ColoursOnlyWhenAsked) {
  EXPECT_EQ(RenderTable(SampleReport(), false).find('\033'), std::string::npos);
  const std::string coloured = RenderTable(SampleReport(), true);
  EXPECT_NE(coloured.find("\033[33mWarning\033[0m"), std::string::npos) << coloured;
  EXPECT_NE(coloured.find("\033[31munschedulable\033[0m"), std::string::npos) << coloured;
}

TEST(PlanOutputTable, EmptyReportSaysSo) {
  EXPECT_EQ(RenderTable(PlanReport{}, false), "No AIWorkloads found.\n");
}

TEST(TextTable, ColourDoesNotShiftColumns) {
  TextTable t({{"A"}, {"B", Align::Right}, {"C"}});
  t.AddRow({Cell("red", Color::Red), "1", "x"});
  t.AddRow({"longer-name", Cell("100", Color::Green), "y"});
  const std::string plain = t.Render(false);
  EXPECT_EQ(plain,
            "A               B   C\n"
            "red             1   x\n"
            "longer-name   100   y\n");
  std::string coloured = t.Render(true);
  for (const char* code : {"\033[31m", "\033[32m", "\033[0m"}) {
    for (size_t at; (at = coloured.find(code)) != std::string::npos;) {
      coloured.erase(at, std::string(code).size());
    }
  }
  EXPECT_EQ(coloured, plain);
}

TEST(TextTable, CountsCodePointsNotBytes) {
  TextTable t({{"NAME"}, {"N", Align::Right}});
  t.AddRow({"équipe", "1"});
  t.AddRow({"team", "22"});
  EXPECT_EQ(t.Render(false),
            "NAME      N\n"
            "équipe    1\n"
            "team     22\n");
}

}  // namespace
}  // namespace hybridai::cli
