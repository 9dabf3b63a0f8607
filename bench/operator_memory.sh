#!/usr/bin/env bash
# Memory of the running operator with N AIWorkloads (default 10,000) in the hub. Starts a private
# fleet from bench/operator_fleet.yaml and the operator; creates N workloads spread over K
# namespaces (default 20, as many teams would) with build/bin/watch_load (8 writers, each object
# carrying the annotation `kubectl apply` leaves);
# waits until the operator has written a status for every one (the fleet's GPUs hold a few dozen;
# the rest stay Pending with their reasons); reads the operator's RSS; then restarts the operator
# and reads it again once the restarted one has caught up (a cold start with N cached objects).
# The fleet and everything in it are removed at the end.
#
#   bench/operator_memory.sh [N [K]]   HYBRIDAI_OPERATOR_BIN / HYBRIDAI_BUILD_DIR pick the binaries
#
# The operator runs with --kube-api-qps 500 and 32 workers: at the default 50 QPS the finalizer
# and status writes alone would take ~7 minutes for 10,000 workloads. Memory does not depend on
# either. The first pass is reported from the first create and from the last one (the hub
# accepts creates at a rate of its own), and a restart's catch-up from the operator's start.
source "$(dirname "$0")/../e2e/fleet/testlib.sh"
source "$(dirname "$0")/../e2e/tests/lib/operator.sh"
N=${1:-10000}
K=${2:-20}
LOAD=${HYBRIDAI_BUILD_DIR:-$T_ROOT/build}/bin/watch_load
[ -x "$LOAD" ] || t_fail "no $LOAD: build it (ninja -C build watch_load)"
op_setup "$T_ROOT/bench/operator_fleet.yaml"
NS=$OP_NS
FLAGS=(--kube-api-qps 500 --kube-api-burst 1000 --workers 32)

rss_of() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/${OP_PID[$1]}/status"; }
hwm_of() { awk '/^VmHWM/ {print int($2 / 1024)}' "/proc/${OP_PID[$1]}/status"; }
# metric NAME QUERY: the sum of a metric's samples whose line contains QUERY.
metric() { op_get "$1" /metrics | awk -v q="$2" 'index($0, q) == 1 {s += $NF} END {print s + 0}'; }
NAMESPACES=()
for i in $(seq 1 "$K"); do NAMESPACES+=("$NS-$i"); done
# phases: the status phase of every load workload, one a line ("" before the first status).
phases() {
  kubectl --context hub get aiw -A -l app.kubernetes.io/part-of=load \
    -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}'
}
statuses() { phases | grep -c .; }
# caught_up NAME: the operator's queue is empty and it has finished a full reconcile (one that
# ends in a resync, after the finalizer step) of at least $1 workloads. Read from its metrics:
# polling the hub for 10,000 objects would load the apiserver more than the operator does.
caught_up() {
  [ "$(metric "$1" 'workqueue_depth{name="aiworkload"}')" = 0 ] &&
    [ "$(metric "$1" 'controller_runtime_reconcile_total{controller="aiworkload",result="requeue_after"}')" -ge "$2" ]
}

op_start mem1 "${FLAGS[@]}"
t_eventually 120 "members Ready" bash -c \
  "[ \"\$(kubectl --context hub get mc -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\n\"}{end}' | grep -c True)\" = 4 ]"
IDLE=$(rss_of mem1)

start=$SECONDS
for ns in "${NAMESPACES[@]}"; do
  "$LOAD" --context hub --namespace "$ns" --count $((N / K)) --writers 8 --create-only >/dev/null ||
    t_fail "watch_load could not create $((N / K)) workloads in $ns"
done
CREATE_S=$((SECONDS - start))
created_at=$SECONDS
t_log "created $N workloads in $K namespaces in $CREATE_S s"
TOTAL=$((N / K * K))
t_eventually 1800 "operator mem1 caught up" caught_up mem1 "$TOTAL"
got=$(statuses)
[ "$got" -ge "$TOTAL" ] || t_fail "only $got of $TOTAL workloads have a status"
sleep 15  # jemalloc's background purge (dirty pages decay in 5 s)
FIRST_S=$((SECONDS - start - 15))
AFTER_CREATE_S=$((SECONDS - created_at - 15))
RSS1=$(rss_of mem1)
HWM1=$(hwm_of mem1)
PHASES=$(phases | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep = ", "}')

op_stop mem1 TERM
start=$SECONDS
op_start mem2 "${FLAGS[@]}"
t_eventually 600 "operator mem2 ready" op_get mem2 /readyz
t_eventually 900 "operator mem2 caught up" caught_up mem2 "$TOTAL"
SYNC_S=$((SECONDS - start))
sleep 15
RSS2=$(rss_of mem2)
HWM2=$(hwm_of mem2)

echo "operator_memory: N=$N in $K namespaces ($PHASES)"
echo "  operator RSS before any workload:            $IDLE MiB"
echo "  after creating and reconciling $N:          $RSS1 MiB (peak $HWM1 MiB)"
echo "  first pass: ${FIRST_S} s from the first create (creating took ${CREATE_S} s), ${AFTER_CREATE_S} s after the last"
echo "  restarted with $N cached, caught up:        $RSS2 MiB (peak $HWM2 MiB; ${SYNC_S} s to catch up)"
echo "  allocator after catching up: $(op_get mem2 /metrics | awk '/^hybridai_allocator_allocated_bytes/ {printf "%d MiB live", $2 / 1048576}')"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
# The private fleet goes away whole; deleting N workloads one by one would only take time.
OP_NAMESPACES=()
OP_PASSED=1
