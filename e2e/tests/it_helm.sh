#!/usr/bin/env bash
# helm from the tool cache runs and talks to the fleet; once charts/hybrid-operator exists its
# chart must lint cleanly and render, and the rendered objects must pass the hub apiserver's
# server-side dry run (CRDs from crds/ installed first, when present).
source "$(dirname "$0")/../fleet/testlib.sh"
t_tools

version=$(helm version --short) || t_fail "helm version"
t_contains "$version" "v3." "helm version"
t_log "helm $version"

CHART=${HYBRIDAI_CHART_DIR:-$T_ROOT/charts/hybrid-operator}
if [ ! -f "$CHART/Chart.yaml" ]; then
  t_pass "helm $version runs; no chart yet at charts/hybrid-operator, lint/template skipped"
  exit 0
fi

lint=$(helm lint --strict "$CHART" 2>&1) || t_fail "helm lint --strict $CHART:
$lint"
rendered=$(mktemp)
t_on_exit "rm -f '$rendered'"
helm template hybrid-operator "$CHART" --namespace hybrid-system >"$rendered" 2>&1 ||
  t_fail "helm template: $(cat "$rendered")"
[ -s "$rendered" ] || t_fail "helm template rendered nothing"

t_fleet
if compgen -G "$T_ROOT/crds/*.yaml" >/dev/null; then
  t_kubectl hub apply --server-side -f "$T_ROOT/crds/" >/dev/null || t_fail "install CRDs"
fi
t_kubectl hub create namespace hybrid-system --dry-run=client -o yaml | t_kubectl hub apply -f - >/dev/null
out=$(t_kubectl hub apply --dry-run=server -n hybrid-system -f "$rendered" 2>&1) ||
  t_fail "rendered chart rejected by the hub apiserver:
$out"
t_pass "helm lint, template and server dry run of ${CHART#"$T_ROOT/"}"
