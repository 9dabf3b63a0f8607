#!/usr/bin/env bash
# The CRDs in crds/ install on a real kube-apiserver and become Established; kubectl explain
# shows their descriptions; short names, the hybridai category and the printer columns work.
source "$(dirname "$0")/../fleet/testlib.sh"
compgen -G "$T_ROOT/crds/*.yaml" >/dev/null || t_fail "no CRDs in crds/"
t_fleet

t_kubectl hub apply --server-side --force-conflicts -f "$T_ROOT/crds/" >/dev/null || t_fail "apply crds/"
t_established hub crd/{memberclusters,gpupools,aiworkloads,budgets}.hybridai.io
# Discovery is refreshed asynchronously after Established.
t_eventually 30 "short names served" t_kubectl hub get mc,gp

explain=$(t_kubectl hub explain aiworkload.spec) || t_fail "kubectl explain aiworkload.spec"
t_contains "$explain" "DESCRIPTION:" "explain aiworkload.spec"
for field in type replicas template accelerators placement tags limits redundancy priority; do
  t_contains "$explain" "$field" "explain aiworkload.spec"
  # a described field has text between its DESCRIPTION: header and the next section
  desc=$(t_kubectl hub explain "aiworkload.spec.$field" | awk '/^DESCRIPTION:/ {on = 1; next} /^[A-Z]+:/ {on = 0} on && NF')
  [ -n "$desc" ] || t_fail "aiworkload.spec.$field has no description in kubectl explain"
done
for path in membercluster.spec gpupool.spec budget.spec; do
  desc=$(t_kubectl hub explain "$path" | awk '/^FIELDS:/ {on = 1; next} on && NF' | wc -l)
  [ "$desc" -gt 3 ] || t_fail "kubectl explain $path shows no fields"
done

t_namespace hub
minimal='apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: columns}
spec:
  type: Inference
  replicas: 1
  accelerators: {count: 1}
  template:
    spec:
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
'
out=$(echo "$minimal" | t_kubectl hub apply -n "$T_NS" -f - 2>&1) || t_fail "create a minimal AIWorkload: $out"
columns=$(t_kubectl hub get crd aiworkloads.hybridai.io \
  -o jsonpath='{range .spec.versions[?(@.name=="v1alpha1")].additionalPrinterColumns[*]}{.name}{"\n"}{end}')
[ -n "$columns" ] || t_fail "aiworkloads CRD defines no printer columns"
listing=$(t_kubectl hub get aiw -n "$T_NS")
header=${listing%%$'\n'*}
while read -r col; do
  t_contains "$header" "$(echo "$col" | tr 'a-z' 'A-Z')" "kubectl get aiw header"
done <<<"$columns"
row=$(t_kubectl hub get aiw -n "$T_NS" --no-headers)
t_contains "$row" "columns" "kubectl get aiw row"
t_contains "$(t_kubectl hub get hybridai -n "$T_NS" -o name)" "aiworkload.hybridai.io/columns" \
  "kubectl get hybridai (category)"
t_kubectl hub get --raw "/apis/hybridai.io/v1alpha1/namespaces/$T_NS/aiworkloads/columns/status" >/dev/null ||
  t_fail "aiworkloads have no status subresource"
t_pass "CRDs Established, explain, short names, category, printer columns ($(echo $columns))"
