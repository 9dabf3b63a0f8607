#!/usr/bin/env bash
# Load benchmark of the operator on the test fleet: the latency from `kubectl apply` of an
# AIWorkload to its Deployment existing in the chosen member, over N workloads (default 100)
# applied one after another; and the operator's RSS at the end. Bursts are measured by
# bench/operator_burst.sh, with parallel writers and from the start of each create. Starts a private fleet from bench/operator_fleet.yaml (four times the GPUs of the
# default one, so 100 one-GPU workloads fit) and removes everything it created.
#
#   bench/operator_load.sh [N]        HYBRIDAI_OPERATOR_BIN picks the binary (default build/)
#
# The apply time is taken when `kubectl apply` returns (the object exists in the hub); the
# creation time when a watch on the member, started beforehand, first reports the Deployment.
# Both clocks are this machine's, so the numbers include the watch's delivery delay.
source "$(dirname "$0")/../e2e/fleet/testlib.sh"
source "$(dirname "$0")/../e2e/tests/lib/operator.sh"
N=${1:-100}
op_setup "$T_ROOT/bench/operator_fleet.yaml"
NS=$OP_NS
WORK=$OP_LOG_DIR

op_start bench
t_eventually 120 "members Ready" bash -c \
  "[ \"\$(kubectl --context hub get mc -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\n\"}{end}' | grep -c True)\" = 4 ]"
t_eventually 120 "pools measured" bash -c \
  "[ \"\$(kubectl --context hub get gp -o jsonpath='{range .items[*]}{.status.readyNodes}{\"\n\"}{end}' | grep -c 2)\" = 7 ]"

# Watches on every cluster, stamping each Deployment the first time it is seen.
watch_pids=()
for c in hub $OP_MEMBERS; do
  kubectl --context "$c" create namespace "$NS" >/dev/null 2>&1 || true
  kubectl --context "$c" get deployments -n "$NS" -o name -w 2>/dev/null \
    > >(while read -r line; do echo "$EPOCHREALTIME $line"; done >>"$WORK/created.$c") &
  watch_pids+=($!)
done
t_on_exit "kill ${watch_pids[*]} 2>/dev/null || true"
sleep 2

workload() {
  cat <<EOF
apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: $1}
spec:
  type: Inference
  replicas: 1
  accelerators: {count: 1}
  placement: {objective: Balanced}
  tags: {team: bench, costCenter: cc-bench}
  template:
    spec:
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
---
EOF
}

# latencies PREFIX: one line per workload PREFIX-i: milliseconds from apply to Deployment.
latencies() {
  local prefix=$1
  cat "$WORK"/created.* | awk -v p="$prefix" -v applied="$WORK/applied.$prefix" '
    BEGIN { while ((getline l < applied) > 0) { split(l, a, " "); at[a[2]] = a[1] } }
    { n = $2; sub(/^deployment.apps\//, "", n)
      for (w in at) if (index(n, w "-") == 1 && !(w in seen)) { seen[w] = 1; print int(($1 - at[w]) * 1000) } }'
}

summary() {
  local prefix=$1 what=$2 got
  got=$(latencies "$prefix" | sort -n)
  local count p50 p99 max
  count=$(grep -c . <<<"$got" || true)
  [ "$count" = "$N" ] || t_fail "$what: $count of $N Deployments seen"
  p50=$(awk -v n="$count" 'NR == int((n + 1) * 0.50) {print}' <<<"$got")
  p99=$(awk -v n="$count" 'NR == (int(n * 0.99) > 0 ? int(n * 0.99) : 1) {print}' <<<"$got")
  max=$(tail -1 <<<"$got")
  echo "$what: n=$count p50=${p50} ms p99=${p99} ms max=${max} ms"
}

wait_all() {
  local prefix=$1
  # A watch prints every change of a Deployment: count names, not lines.
  t_eventually 600 "$N Deployments of $prefix created" bash -c \
    "[ \"\$(cat $WORK/created.* | awk '{print \$2}' | grep '^deployment.apps/$prefix-' | sort -u | wc -l)\" -ge $N ]"
}

# Warm-up (WARMUP=0 skips it): four workloads first, placed and deleted, so the measured ones do not pay
# for what happens once per member and namespace in the member the first ones go to (the namespace
# created there, the first connections); the run reports which it did.
if [ "${WARMUP:-1}" = 1 ]; then
  for i in 1 2 3 4; do
    workload "warm-$i" | kubectl --context hub apply -n "$NS" -f - >/dev/null || t_fail "apply warm-$i"
  done
  t_eventually 120 "warm-up workloads placed" bash -c \
    "[ \"\$(kubectl --context hub get aiw -n $NS -o jsonpath='{range .items[*]}{.status.phase}{\"\\n\"}{end}' | grep -c -E 'Running|Placed')\" = 4 ]"
  kubectl --context hub delete aiw -n "$NS" --all --wait=true >/dev/null
fi

# Phase 1: one apply after another.
: >"$WORK/applied.seq"
for i in $(seq 1 "$N"); do
  workload "seq-$i" | kubectl --context hub apply -n "$NS" -f - >/dev/null || t_fail "apply seq-$i"
  echo "$EPOCHREALTIME seq-$i" >>"$WORK/applied.seq"
done
wait_all seq
RESULT_SEQ=$(summary seq "sequential applies")
t_log "$RESULT_SEQ"
kubectl --context hub delete aiw -n "$NS" --all --wait=false >/dev/null
t_eventually 600 "sequential batch deleted" bash -c "[ -z \"\$(kubectl --context hub get aiw -n $NS -o name)\" ]"

rss=$(awk '/^VmRSS/ {print $2}' "/proc/${OP_PID[bench]}/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/${OP_PID[bench]}/status")
echo "operator_load: N=$N (warm-up: ${WARMUP:-1})"
echo "  $RESULT_SEQ"
echo "  operator RSS at the end: $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB), $N workloads alive"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
OP_PASSED=1
