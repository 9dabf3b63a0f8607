#!/usr/bin/env bash
# Every file of manifests/samples/ passes a server-side dry run and then a real apply on the hub,
# in file-name order (the namespaces file comes first). Removes what it created.
source "$(dirname "$0")/../fleet/testlib.sh"
compgen -G "$T_ROOT/crds/*.yaml" >/dev/null || t_fail "no CRDs in crds/"
compgen -G "$T_ROOT/manifests/samples/*.yaml" >/dev/null || t_fail "no samples in manifests/samples/"
t_fleet

t_kubectl hub apply --server-side --force-conflicts -f "$T_ROOT/crds/" >/dev/null || t_fail "apply crds/"
t_established hub crd/{memberclusters,gpupools,aiworkloads,budgets}.hybridai.io

mapfile -t files < <(ls "$T_ROOT"/manifests/samples/*.yaml | LC_ALL=C sort)
applied=()
cleanup() {
  local i
  for ((i = ${#applied[@]} - 1; i >= 0; i--)); do
    kubectl --context hub delete -f "${applied[$i]}" --ignore-not-found --wait=true --timeout=120s >/dev/null 2>&1 || true
  done
}
t_on_exit cleanup

count=0
for f in "${files[@]}"; do
  rel=${f#"$T_ROOT/"}
  out=$(t_kubectl hub apply --dry-run=server -f "$f" 2>&1) || t_fail "$rel: server dry run rejected it:
$out"
  out=$(t_kubectl hub apply -f "$f" 2>&1) || t_fail "$rel: apply rejected it:
$out"
  applied+=("$f")
  count=$((count + $(echo "$out" | grep -c .)))
  t_log "$rel: ok"
done
t_pass "${#files[@]} sample files, $count objects, dry run and apply"
