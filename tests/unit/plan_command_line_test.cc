// kubectl-hybrid argument parsing: kubectl's flag spellings, help, version, and a clear error
// (never an exception) for everything else.
#include <gtest/gtest.h>

#include "cli/command_line.h"

namespace hybridai::cli {
namespace {

using Args = std::vector<std::string>;

TEST(PlanCommandLine, AcceptsEveryFlagSpelling) {
  const auto parsed = ParseCommandLine({"plan", "-f", "a.yaml", "--filename", "dir/",
                                        "--filename=b.yaml", "-fc.yaml", "-f=-", "-o", "json"});
  ASSERT_TRUE(parsed.command) << parsed.error;
  EXPECT_EQ(parsed.command->verb, Verb::Plan);
  EXPECT_EQ(parsed.command->plan.filenames, (Args{"a.yaml", "dir/", "b.yaml", "c.yaml", "-"}));
  EXPECT_EQ(parsed.command->plan.output, OutputFormat::Json);

  for (const Args& args :
       {Args{"plan", "-f", "x", "-oyaml"}, Args{"plan", "-f", "x", "-o=yaml"},
        Args{"plan", "--output=yaml", "-f", "x"}, Args{"plan", "--output", "yaml", "-f", "x"}}) {
    const auto p = ParseCommandLine(args);
    ASSERT_TRUE(p.command) << p.error;
    EXPECT_EQ(p.command->plan.output, OutputFormat::Yaml);
  }
}

TEST(PlanCommandLine, DefaultsToTable) {
  const auto parsed = ParseCommandLine({"plan", "-f", "-"});
  ASSERT_TRUE(parsed.command);
  EXPECT_EQ(parsed.command->plan.output, OutputFormat::Table);
  EXPECT_EQ(parsed.command->plan.filenames, Args{"-"});
}

TEST(PlanCommandLine, HelpAnywhereInPlanAsksForPlanHelp) {
  for (const Args& args :
       {Args{"plan", "--help"}, Args{"plan", "-f", "x", "-h"}, Args{"help", "plan"}}) {
    const auto parsed = ParseCommandLine(args);
    ASSERT_TRUE(parsed.command) << parsed.error;
    EXPECT_EQ(parsed.command->verb, Verb::Help);
    EXPECT_EQ(parsed.command->help_topic, "plan");
  }
  const auto top = ParseCommandLine({"--help"});
  ASSERT_TRUE(top.command);
  EXPECT_EQ(top.command->verb, Verb::Help);
  EXPECT_EQ(top.command->help_topic, "");
}

TEST(PlanCommandLine, Version) {
  for (const Args& args : {Args{"version"}, Args{"--version"}}) {
    const auto parsed = ParseCommandLine(args);
    ASSERT_TRUE(parsed.command);
    EXPECT_EQ(parsed.command->verb, Verb::Version);
  }
  EXPECT_FALSE(ParseCommandLine({"version", "extra"}).command);
}

struct BadCase {
  Args args;
  std::string error_contains;
  std::string usage_topic;
};

TEST(PlanCommandLine, RejectsBadUsageWithAMessage) {
  const std::vector<BadCase> cases = {
      {{}, "no command", ""},
      {{"deploy"}, "unknown command \"deploy\"", ""},
      {{"--frobnicate"}, "unknown flag: --frobnicate", ""},
      {{"plan"}, "no manifests given", "plan"},
      {{"plan", "-f"}, "flag needs an argument: -f/--filename", "plan"},
      {{"plan", "--filename="}, "flag needs an argument", "plan"},
      {{"plan", "-f", "x", "-o"}, "flag needs an argument: -o/--output", "plan"},
      {{"plan", "-f", "x", "-o", "xml"}, "unknown output format \"xml\"", "plan"},
      {{"plan", "-f", "x", "--dry-run"}, "unknown flag: --dry-run", "plan"},
      {{"plan", "-f", "x", "extra.yaml"}, "unexpected argument \"extra.yaml\"", "plan"},
      {{"plan", "-"}, "read stdin with -f -", "plan"},
      {{"help", "deploy"}, "unknown command \"deploy\"", ""},
  };
  for (const auto& c : cases) {
    const auto parsed = ParseCommandLine(c.args);
    EXPECT_FALSE(parsed.command) << c.error_contains;
    EXPECT_NE(parsed.error.find(c.error_contains), std::string::npos)
        << "got: " << parsed.error << ", want: " << c.error_contains;
    EXPECT_EQ(parsed.usage_topic, c.usage_topic) << c.error_contains;
  }
}

TEST(PlanCommandLine, OutputFormats) {
  EXPECT_EQ(ParseOutputFormat("table"), OutputFormat::Table);
  EXPECT_EQ(ParseOutputFormat("wide"), OutputFormat::Table);
  EXPECT_EQ(ParseOutputFormat("json"), OutputFormat::Json);
  EXPECT_EQ(ParseOutputFormat("yaml"), OutputFormat::Yaml);
  EXPECT_EQ(ParseOutputFormat("JSON"), std::nullopt);
  EXPECT_EQ(ParseOutputFormat(""), std::nullopt);
}

}  // namespace
}  // namespace hybridai::cli
