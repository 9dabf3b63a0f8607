#include "cli/kubectl_hybrid.h"

#include "cli/command_line.h"
#include "cli/plan_command.h"
#include "cli/spend_command.h"

namespace hybridai::cli {
namespace {

std::string HelpFor(const std::string& topic) {
  if (topic == "plan") return PlanHelp();
  if (topic == "spend") return SpendHelp();
  if (topic == "version") {
    return "Print the kubectl-hybrid version.\n\nUsage:\n  kubectl hybrid version\n";
  }
  return TopLevelHelp();
}

}  // namespace

std::string TopLevelHelp() {
  return R"(kubectl-hybrid: plan and inspect AI workloads across a hybrid fleet of clusters
(hybridai.io/v1alpha1: MemberCluster, GPUPool, AIWorkload, Budget).

Usage:
  kubectl hybrid <command> [flags]      (as a kubectl plugin)
  kubectl-hybrid <command> [flags]      (standalone)

Commands:
  plan      Place AIWorkloads from manifests offline and print placements, cost, power and
            budget verdicts (for pull-request checks)
  spend     Show each team's spend this month and every Budget's usage, live from the hub
  version   Print the version
  help      Help about a command

Use "kubectl hybrid <command> --help" for more about a command.
)";
}

int RunKubectlHybrid(const std::vector<std::string>& args, CliIo& io, const SpendFetch& hub) {
  const ParsedCommandLine parsed = ParseCommandLine(args);
  if (!parsed.command) {
    io.err << "error: " << parsed.error << "\n\n" << HelpFor(parsed.usage_topic);
    return kExitUsage;
  }
  const CommandLine& command = *parsed.command;
  switch (command.verb) {
    case Verb::Help:
      io.out << HelpFor(command.help_topic);
      return kExitOk;
    case Verb::Version:
      io.out << "kubectl-hybrid " << kCliVersion << " (hybridai.io/v1alpha1)\n";
      return kExitOk;
    case Verb::Plan:
      return RunPlan(command.plan, io);
    case Verb::Spend:
      return RunSpend(command.spend, io, hub);
  }
  return kExitUsage;
}

}  // namespace hybridai::cli
