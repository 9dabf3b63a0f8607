#!/usr/bin/env bash
# Fake GPU nodes behave like real ones for scheduling: a Deployment asking for an accelerator
# lands on a node that has it and reaches Running (controller-manager, scheduler and KWOK at
# work) in every cluster; one asking for more than any node has stays Pending; the spot taint
# keeps pods without a toleration off the spot nodes.
source "$(dirname "$0")/../fleet/testlib.sh"
t_fleet

# deploy CONTEXT NAMESPACE NAME RESOURCE COUNT [NODE-SELECTOR-YAML] [TOLERATIONS-YAML]
deploy() {
  local ctx=$1 ns=$2 name=$3 res=$4 count=$5 selector=${6:-"{}"} tolerations=${7:-"[]"}
  t_kubectl "$ctx" apply -n "$ns" -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $name}
spec:
  replicas: 1
  selector: {matchLabels: {app: $name}}
  template:
    metadata: {labels: {app: $name}}
    spec:
      nodeSelector: $selector
      tolerations: $tolerations
      containers:
        - name: main
          image: registry.k8s.io/pause:3.10
          resources:
            limits: {"$res": "$count"}
EOF
}

# running_on CONTEXT NAMESPACE NAME: the node of the Deployment's Running pod, or fails.
running_on() {
  local out
  out=$(t_kubectl "$1" get pods -n "$2" -l "app=$3" \
    -o jsonpath='{range .items[*]}{.status.phase} {.spec.nodeName}{"\n"}{end}')
  [ "$(echo "$out" | awk '$1 == "Running"' | wc -l)" = 1 ] || return 1
  echo "$out" | awk '$1 == "Running" {print $2}'
}

node_label() { t_kubectl "$1" get node "$2" -o jsonpath="{.metadata.labels.$3}"; }
node_allocatable() {
  t_kubectl "$1" get node "$2" -o go-template="{{index .status.allocatable \"$3\"}}"
}

for pair in hub:nvidia.com/gpu cloud:nvidia.com/gpu onprem:nvidia.com/gpu onprem:amd.com/gpu \
  edge:nvidia.com/gpu; do
  c=${pair%%:*} res=${pair#*:}
  t_namespace "$c"
  ns=$T_NS
  name=gpu-$(echo "$res" | cut -d. -f1)
  deploy "$c" "$ns" "$name" "$res" 1
  t_kubectl "$c" rollout status -n "$ns" "deployment/$name" --timeout=120s >/dev/null ||
    t_fail "$c: deployment asking for $res did not become available"
  node=$(running_on "$c" "$ns" "$name") || t_fail "$c: no Running pod for $name"
  have=$(node_allocatable "$c" "$node" "$res")
  [ -n "$have" ] && [ "$have" -ge 1 ] || t_fail "$c: pod asking for $res runs on $node, which has '$have' of it"
  t_equals "$(node_label "$c" "$node" 'hybridai\.io/fleet-cluster')" "$c" "$c: node's fleet-cluster label"
  t_log "$c: $res pod Running on $node ($(node_label "$c" "$node" 'node\.kubernetes\.io/instance-type'))"
done

# More GPUs than any node has: stays Pending with the scheduler's reason.
t_namespace hub
deploy hub "$T_NS" too-big nvidia.com/gpu 16
t_eventually 60 "too-big pod reported unschedulable" bash -c \
  "kubectl --context hub get events -n '$T_NS' --field-selector reason=FailedScheduling -o jsonpath='{.items[*].message}' | grep -q 'Insufficient nvidia.com/gpu'"
phase=$(t_kubectl hub get pods -n "$T_NS" -l app=too-big -o jsonpath='{.items[*].status.phase}')
t_equals "$phase" Pending "pod asking for 16 GPUs"

# Spot nodes: without a toleration a pod pinned to them stays Pending; with it, it runs there.
t_namespace cloud
spot='{node.kubernetes.io/instance-type: g5.12xlarge}'
deploy cloud "$T_NS" no-toleration nvidia.com/gpu 1 "$spot"
deploy cloud "$T_NS" spot-ok nvidia.com/gpu 1 "$spot" \
  '[{key: hybridai.io/spot, operator: Equal, value: "true", effect: NoSchedule}]'
t_kubectl cloud rollout status -n "$T_NS" deployment/spot-ok --timeout=120s >/dev/null ||
  t_fail "cloud: tolerating deployment did not become available on spot nodes"
node=$(running_on cloud "$T_NS" spot-ok) || t_fail "cloud: spot-ok not Running"
t_equals "$(node_label cloud "$node" 'node\.kubernetes\.io/instance-type')" g5.12xlarge "spot-ok node type"
t_eventually 60 "no-toleration pod reported unschedulable" bash -c \
  "kubectl --context cloud get events -n '$T_NS' --field-selector reason=FailedScheduling -o jsonpath='{.items[*].message}' | grep -q 'untolerated taint'"
t_equals "$(t_kubectl cloud get pods -n "$T_NS" -l app=no-toleration -o jsonpath='{.items[*].status.phase}')" \
  Pending "pod without spot toleration"
t_pass "GPU pods Running in every cluster, oversized ones Pending, spot taint honoured"
