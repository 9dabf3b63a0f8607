#!/usr/bin/env bash
# The Argo CD health checks of manifests/argocd/resource_customizations (label unit): every
# case of each kind's health_test.yaml, run by Lua 5.1 (Argo CD embeds gopher-lua, a Lua 5.1)
# from Debian's lua5.1 and lua-yaml; fails if a kind has no check or no cases.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$ROOT/manifests/argocd/resource_customizations/hybridai.io
command -v lua5.1 >/dev/null || { echo "argocd_health: lua5.1 missing (scripts/setup.sh installs it)" >&2; exit 1; }
for kind in AIWorkload MemberCluster GPUPool Budget; do
  for f in health.lua health_test.yaml; do
    [ -f "$DIR/$kind/$f" ] || { echo "argocd_health: FAIL: no $kind/$f" >&2; exit 1; }
  done
done
cd "$DIR"
lua5.1 "$ROOT/manifests/argocd/health_test.lua" AIWorkload MemberCluster GPUPool Budget
