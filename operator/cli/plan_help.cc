// PlanHelp (declared in plan_command.h): the text of `kubectl hybrid plan --help`.
#include "cli/plan_command.h"

namespace hybridai::cli {

std::string PlanHelp() {
  return R"(Place AIWorkloads from manifests offline, with the same placement engine and cost model
as the operator, and print what would run where, what it costs and draws, and whether each
Budget holds. No cluster is contacted: the MemberClusters, GPUPools and Budgets must be in the
manifests too. Meant for pull-request checks of a GitOps repository.

Usage:
  kubectl hybrid plan -f PATH [-f PATH ...] [-o table|json|yaml]

Flags:
  -f, --filename PATH   A manifest file, a directory (its *.yaml, *.yml and *.json files,
                        recursively, in name order) or - for stdin. Repeatable.
  -o, --output FORMAT   table (default), json or yaml.
  -h, --help            This help.

Input:
  Multi-document YAML, JSON, or a v1 List. Objects of other API groups (Namespaces, Secrets,
  Deployments, ...) are skipped with a note on stderr. The manifests are the whole fleet: a
  pool offers spec.capacity.accelerators (status.capacity when the manifest carries one), and
  clusters and pools count as ready unless a Ready condition in their status says False.
  Workloads without a namespace land in "default", as with kubectl.

Budgets:
  A budget's usage is projected over one whole period of its own, as if the period started
  now: cost, energy and carbon are what the planned placements of its workloads add up to over
  24 hours (Daily), 7 days (Weekly) or 30 days (Monthly), plus any usage already recorded in
  the Budget's status; power is their planned draw (a rate, compared with limits.powerWatts
  as is). The verdict is Exceeded when a projected quantity passes its limit, Warning at or
  past warnAtPercent of it, Ok otherwise. A Deny budget also makes the placements that would
  exceed it unschedulable, as the operator would.

Output:
  table   Workloads with their placements (cluster/pool xREPLICAS, role), cost per hour, power
          and grams of CO2e per hour; then budgets, pools, and why anything was not placed.
  json    {"workloads": [...], "budgets": [...], "pools": [...]}; money as decimal strings
          ("8.20"), power in watts, carbon in grams per hour.
  yaml    The same document as YAML.

Exit status:
  0  every workload placed and no budget exceeded
  1  a workload is unschedulable or a budget is exceeded
  2  invalid input (every error on stderr, as file[doc] namespace/name: field: message) or
     wrong usage

Examples:
  kubectl hybrid plan -f manifests/samples/
  kubectl hybrid plan -f fleet/ -f workloads/llama.yaml -o json
  kustomize build overlays/prod | kubectl hybrid plan -f -
)";
}

}  // namespace hybridai::cli
