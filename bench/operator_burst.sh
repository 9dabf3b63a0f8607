#!/usr/bin/env bash
# Burst benchmark of the operator on a private fleet (bench/burst_fleet.yaml: room for 1,000
# one-GPU workloads), in one run:
#   1. the raw rate: N Deployments created directly in the members by a plain client;
#   2. the operator: N one-GPU Inference AIWorkloads created in the hub, until every one has its
#      Deployment in a member.
# Both are driven by bench/burst_load with W parallel writers (so the creator is not what is
# measured), timed from just before each create to a member watch first seeing its Deployment.
# Reports both rates, their ratio, the operator's latencies, RSS and CPU seconds, and the load
# average. Removes everything it created.
#
#   bench/operator_burst.sh [N [W]]     defaults: 1000 workloads, 16 writers
#
# The operator runs with a raised client rate limit (--kube-api-qps 1000 --kube-api-burst 2000):
# at the default 50 QPS its hub client alone (a finalizer and a status write per workload) would
# cap a burst at about 25 workloads/s; and with $WORKERS (default 32) workers, since each
# reconcile waits on a few round trips to the apiservers. The hub has the chart's finalizer
# MutatingAdmissionPolicy, as a Helm install on Kubernetes >= 1.36 does. The CPU seconds of every apiserver and
# etcd during each phase show where the time goes.
source "$(dirname "$0")/../e2e/fleet/testlib.sh"
source "$(dirname "$0")/../e2e/tests/lib/operator.sh"
source "$(dirname "$0")/burst_lib.sh"
N=${1:-1000}
W=${2:-16}
op_setup "$T_ROOT/bench/burst_fleet.yaml"
NS=$OP_NS
LOAD=$(dirname "$OP_BIN")/burst_load
[ -x "$LOAD" ] || t_fail "no burst_load next to $OP_BIN (ninja -C build burst_load)"

op_install_finalizer_policy
op_start bench --kube-api-qps 1000 --kube-api-burst 2000 --workers "${WORKERS:-32}"
t_eventually 120 "members Ready" bash -c \
  "[ \"\$(kubectl --context hub get mc -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\n\"}{end}' | grep -c True)\" = 4 ]"
t_eventually 120 "pools measured" bash -c \
  "[ \"\$(kubectl --context hub get gp -o jsonpath='{range .items[*]}{.status.readyNodes}{\"\n\"}{end}' | grep -c 2)\" = 7 ]"

# 1. The raw rate, in a namespace of its own (deleted before the operator's turn).
RAW_NS="$NS-raw"
OP_NAMESPACES+=("$RAW_NS")
t_log "raw: $N Deployments straight into the members, $W writers"
load_raw_before=$(bench_load1)
fleet_raw_before=$(bench_fleet_cpu)
"$LOAD" --kubeconfig "$FLEET_DIR/kubeconfig" --mode deployments --namespace "$RAW_NS" \
  --count "$N" --writers "$W" --members cloud,onprem,edge 2>"$OP_LOG_DIR/raw.err" | tee "$OP_LOG_DIR/raw.out" ||
  t_fail "raw burst: $(tail -3 "$OP_LOG_DIR/raw.err")"
load_raw=$(bench_load1)
fleet_raw=$(bench_cpu_delta "$fleet_raw_before" "$(bench_fleet_cpu)")
raw_rate=$(bench_burst_value "$OP_LOG_DIR/raw.err" rate)
for c in cloud onprem edge; do kubectl --context "$c" delete namespace "$RAW_NS" --wait=false >/dev/null 2>&1 || true; done
for c in cloud onprem edge; do
  t_eventually 600 "raw namespace gone from $c" bash -c "! kubectl --context $c get namespace $RAW_NS >/dev/null 2>&1"
done

# 2. The operator.
t_log "operator: $N AIWorkloads into the hub, $W writers"
cpu_before=$(bench_cpu_seconds "${OP_PID[bench]}")
load_op_before=$(bench_load1)
fleet_op_before=$(bench_fleet_cpu)
"$LOAD" --kubeconfig "$FLEET_DIR/kubeconfig" --mode aiworkloads --namespace "$NS" \
  --count "$N" --writers "$W" --members hub,cloud,onprem,edge 2>"$OP_LOG_DIR/op.err" | tee "$OP_LOG_DIR/op.out" ||
  t_fail "operator burst: $(tail -3 "$OP_LOG_DIR/op.err")"
load_op=$(bench_load1)
fleet_op=$(bench_cpu_delta "$fleet_op_before" "$(bench_fleet_cpu)")
cpu_after=$(bench_cpu_seconds "${OP_PID[bench]}")
op_rate=$(bench_burst_value "$OP_LOG_DIR/op.err" rate)
rss=$(bench_rss_mib "${OP_PID[bench]}")

echo "operator_burst: N=$N writers=$W"
echo "  raw (Deployments straight into the members): $(sed -n 's/^  first create/first create/p' "$OP_LOG_DIR/raw.out")"
echo "    load average 1 min: $load_raw_before before, $load_raw after"
echo "    fleet CPU: $fleet_raw"
echo "  operator (AIWorkloads into the hub):          $(sed -n 's/^  first create/first create/p' "$OP_LOG_DIR/op.out")"
echo "    $(sed -n 's/^  latency/latency/p' "$OP_LOG_DIR/op.out")"
echo "    load average 1 min: $load_op_before before, $load_op after"
echo "    fleet CPU: $fleet_op"
echo "  operator / raw rate: $(awk -v a="$op_rate" -v b="$raw_rate" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
echo "  operator CPU during the burst: $(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { printf "%.1f s", b - a }')"
echo "  operator RSS at the end: $rss, $N workloads"
echo "  $(nproc) CPUs"
OP_PASSED=1
