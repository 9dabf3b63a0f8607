#!/usr/bin/env bash
# Sets everything up and runs the offline planner on the sample fleet: the placements, cost,
# power and budget verdicts the operator would produce for manifests/samples/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/bin/kubectl-hybrid plan -f manifests/samples/ "$@"
