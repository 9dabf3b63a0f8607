// kubectl-hybrid: the hybridai CLI, usable standalone or as the kubectl plugin `kubectl hybrid`.
// All behaviour lives in cli/kubectl_hybrid.h; this file only binds the process (its streams,
// and a client of the hub for `spend`) to it.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/kubectl_hybrid.h"
#include "core/escape.h"

// HYBRIDAI_CLI_OFFLINE: the sanitized build of tests/fuzz, which has no Kubernetes client; its
// `spend` says it cannot reach a hub.
#ifndef HYBRIDAI_CLI_OFFLINE
#include "runtime/kube_client.h"
#include "runtime/kubeconfig.h"

namespace {

// `kubectl hybrid spend`'s view of the hub: AIWorkloads and Budgets, listed in pages.
bool FetchFromHub(const hybridai::cli::SpendOptions& o, hybridai::cli::SpendInput& in,
                  std::string& error) {
  namespace runtime = hybridai::runtime;
  auto config = runtime::LoadClientConfig(o.kubeconfig, o.context);
  if (!config.ok()) {
    error = "kubeconfig: " + config.error().message;
    return false;
  }
  runtime::KubeClientOptions opts;
  opts.userAgent = "kubectl-hybrid";
  auto client = runtime::NewKubeClient(config.value(), opts);
  if (!client.ok()) {
    error = "hub client: " + client.error().message;
    return false;
  }
  std::string ns = o.allNamespaces ? "" : (o.ns.empty() ? config.value().namespace_ : o.ns);
  if (!o.allNamespaces && ns.empty()) ns = "default";
  for (auto [kind, out] : {std::pair{&runtime::kinds::kAIWorkload, &in.workloads},
                           std::pair{&runtime::kinds::kBudget, &in.budgets}}) {
    runtime::ListOptions lo;
    lo.limit = 500;
    do {
      auto list = client.value()->List(*kind, ns, lo);
      if (!list.ok()) {
        error = "listing " + kind->resource + (ns.empty() ? "" : " in " + ns) + ": " +
                list.error().message;
        return false;
      }
      for (auto& item : list.value().items) out->push_back(std::move(item));
      lo.continueToken = list.value().continueToken;
    } while (!lo.continueToken.empty());
  }
  return true;
}

}  // namespace
#endif

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  // The hub client's log is for problems only, and never on stdout: that is the report's.
  spdlog::set_default_logger(spdlog::stderr_logger_st("kubectl-hybrid"));
  spdlog::set_level(spdlog::level::warn);
  std::vector<std::string> args(argv + 1, argv + argc);
  // Colour only for a person at a terminal; NO_COLOR (no-color.org) and TERM=dumb turn it off.
  const char* term = std::getenv("TERM");
  const bool color = isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr &&
                     !(term != nullptr && std::string(term) == "dumb");
  hybridai::cli::CliIo io{std::cin, std::cout, std::cerr, color};
  int code = hybridai::cli::kExitUsage;
  try {
#ifdef HYBRIDAI_CLI_OFFLINE
    code = hybridai::cli::RunKubectlHybrid(args, io);
#else
    code = hybridai::cli::RunKubectlHybrid(args, io, FetchFromHub);
#endif
  } catch (const std::exception& e) {
    std::cerr << "kubectl-hybrid: internal error: " << hybridai::EscapeControl(e.what()) << "\n";
    return hybridai::cli::kExitUsage;
  }
  std::cout.flush();
  if (!std::cout) {
    // Output that could not be written (`> /dev/full`) is a failure, whatever the verb said;
    // `plan` reports its own (and then returns kExitUsage).
    if (code != hybridai::cli::kExitUsage) {
      std::cerr << "kubectl-hybrid: cannot write to standard output\n";
    }
    return hybridai::cli::kExitUsage;
  }
  return code;
}
