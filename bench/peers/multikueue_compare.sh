#!/usr/bin/env bash
# Side by side with Kueue MultiKueue (the pinned peer, bench/peers/install_kueue.sh), on one
# private fleet (bench/burst_fleet.yaml: a hub and three members), in one run:
#   1. raw:      N one-GPU Jobs created straight in the three members by a plain client;
#   2. operator: N one-GPU Batch AIWorkloads created in the hub, until every one has its Job in a
#                member (the operator with --kube-api-qps 1000 --kube-api-burst 2000, as
#                bench/operator_burst.sh runs it, with the chart's finalizer policy in the hub);
#                they select the three member clusters, like raw and Kueue (the hub is a member
#                of the sample fleet);
#   3. kueue:    N one-GPU Jobs created in the hub for MultiKueue (a manager Kueue in the hub, one
#                worker Kueue in each member), until every one has its Job in a member; Kueue as
#                shipped (the release's controller_manager_config.yaml: client rate 300 QPS,
#                burst 500, controller concurrency 10 for Workloads and 5 for Jobs);
#   4. kueue-qps: the same with the Kueue client rate raised to 1000 QPS, burst 2000, in every
#                instance. Worker clients that the manager opens to the members are not covered by
#                that setting in this version (client-go's 5 QPS, burst 10, per API kind).
#                Phase 3's Jobs are deleted from the hub, and its Workloads waited out (up to
#                KUEUE_DRAIN seconds, default 600) while its Kueues still run, so that this phase
#                does not start behind them.
# All driven by bench/burst_load with W parallel writers (no client-side limit), timed from just
# before each create to a member watch first seeing the Job. Only the controllers of the phase
# being measured run during it. Between phases the script waits until the previous phase's Jobs
# have completed in the members, so that their pods do not load the next phase.
#
#   bench/peers/multikueue_compare.sh [N [W]]     defaults: 1000 each, 16 writers
#
# Prints a Markdown table (rates, p50/p99, controller CPU seconds and RSS, load average) and the
# CPU seconds every fleet apiserver and etcd spent in each phase. A benchmark: scripts/test.sh and
# CI never run it. Environment: KUEUE_TIMEOUT (seconds per Kueue phase, default 1800),
# WORKERS (operator workers, default 32), HYBRIDAI_KEEP_LOGS=1 to keep the logs, PROFILE=1 for CPU
# profiles of the hub's and a member's kube-apiserver during the operator's burst (kept with the
# logs; see "profiles" below).
#
# Kueue runs out of cluster against the fleet's apiservers: its CRDs are applied server-side, its
# webhooks are never called (Jobs are created as its webhook would leave them: suspended,
# labelled with the queue, spec.managedBy kueue.x-k8s.io/multikueue), and the webhook and metrics
# servers get a self-signed certificate. This Kueue version reads the metrics certificate from the
# fixed path /etc/kueue/metrics/certs: the script creates it when absent and removes what it
# created. Each Kueue holds inotify instances for its certificate watchers: on a machine running
# several fleets, fs.inotify.max_user_instances (128 by default) may need raising.
source "$(dirname "$0")/../../e2e/fleet/testlib.sh"
source "$(dirname "$0")/../../e2e/tests/lib/operator.sh"
source "$(dirname "$0")/../burst_lib.sh"
N=${1:-1000}
W=${2:-16}
[[ $N =~ ^[1-9][0-9]{0,5}$ && $W =~ ^[1-9][0-9]{0,2}$ ]] || t_fail "usage: $0 [N [W]] (N <= 999999, W <= 999)"
KUEUE_TIMEOUT=${KUEUE_TIMEOUT:-1800}
MEMBERS="cloud onprem edge"

KUEUE_DIR=$("$T_ROOT/bench/peers/install_kueue.sh" | tail -1)
KUEUE=$KUEUE_DIR/bin/kueue
[ -x "$KUEUE" ] || t_fail "no Kueue binary in $KUEUE_DIR"
KUEUE_VERSION=$(basename "$KUEUE_DIR" | cut -d- -f2)

if [ "${PROFILE:-0}" = 1 ]; then
  export HYBRIDAI_FLEET_APISERVER_ARGS="${HYBRIDAI_FLEET_APISERVER_ARGS:-} --profiling=true"
  export HYBRIDAI_KEEP_LOGS=1 # the profiles stay beside the logs
fi
op_setup "$T_ROOT/bench/burst_fleet.yaml"
[ -n "$T_OWN_FLEET" ] || t_fail "expected a private fleet"
# The fleet is private and torn down whole at the end: deleting thousands of objects one by one
# first would only slow the exit.
OP_NAMESPACES=()
LOAD=$(dirname "$OP_BIN")/burst_load
[ -x "$LOAD" ] || t_fail "no burst_load next to $OP_BIN (ninja -C build burst_load)"
OP_VERSION=$(git -C "$T_ROOT" describe --always --dirty 2>/dev/null) || OP_VERSION=""

# --- Kueue processes -------------------------------------------------------------------------
declare -A KQ_PID=() KQ_HEALTH=()
KQ_ETC_MADE="" # the part of /etc/kueue/metrics/certs this script created, removed at the end

kq_stop() {
  local name=$1 pid=${KQ_PID[$1]:-} i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    _op_pid_running "$pid" || break
    sleep 0.1
  done
  if _op_pid_running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  unset "KQ_PID[$name]"
}

kq_cleanup() {
  local name
  for name in "${!KQ_PID[@]}"; do kq_stop "$name"; done
  if [ -n "$KQ_ETC_MADE" ]; then
    rm -f /etc/kueue/metrics/certs/tls.crt /etc/kueue/metrics/certs/tls.key
    case $KQ_ETC_MADE in
    /etc/kueue) rmdir /etc/kueue/metrics/certs /etc/kueue/metrics /etc/kueue 2>/dev/null ;;
    /etc/kueue/metrics) rmdir /etc/kueue/metrics/certs /etc/kueue/metrics 2>/dev/null ;;
    /etc/kueue/metrics/certs) rmdir /etc/kueue/metrics/certs 2>/dev/null ;;
    esac
  fi
  return 0
}
t_on_exit kq_cleanup

KQ_CERTS=$OP_LOG_DIR/kueue-certs
mkdir -p "$KQ_CERTS"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$KQ_CERTS/tls.key" -out "$KQ_CERTS/tls.crt" \
  >/dev/null 2>&1 || t_fail "openssl: no self-signed certificate"
if [ ! -e /etc/kueue/metrics/certs/tls.crt ]; then
  for d in /etc/kueue /etc/kueue/metrics /etc/kueue/metrics/certs; do
    if [ ! -e "$d" ]; then
      KQ_ETC_MADE=$d
      break
    fi
  done
  mkdir -p /etc/kueue/metrics/certs || t_fail "cannot create /etc/kueue/metrics/certs"
  [ -n "$KQ_ETC_MADE" ] || KQ_ETC_MADE=/etc/kueue/metrics/certs/tls.crt
  cp "$KQ_CERTS/tls.crt" "$KQ_CERTS/tls.key" /etc/kueue/metrics/certs/
fi

# kq_start NAME CLUSTER [QPS BURST]: a Kueue for CLUSTER (the manager in the hub, a worker in a
# member) on free loopback ports; returns once /readyz answers.
kq_start() {
  local name=$1 cluster=$2 qps=${3:-} burst=${4:-} dir ports
  dir=$OP_LOG_DIR/kueue-$name
  mkdir -p "$dir"
  mapfile -t ports < <(op_free_ports 3)
  {
    echo "apiVersion: config.kueue.x-k8s.io/v1beta2"
    echo "kind: Configuration"
    echo "namespace: kueue-system"
    echo "health: {healthProbeBindAddress: '127.0.0.1:${ports[0]}'}"
    echo "metrics: {bindAddress: '127.0.0.1:${ports[1]}'}"
    echo "webhook: {host: 127.0.0.1, port: ${ports[2]}, certDir: '$KQ_CERTS'}"
    echo "leaderElection: {leaderElect: false}"
    echo "internalCertManagement: {enable: false}"
    echo "integrations: {frameworks: [batch/job]}"
    # As the release's controller_manager_config.yaml ships it: without it every controller,
    # the MultiKueue dispatcher included, reconciles one object at a time.
    echo "controller:"
    echo "  groupKindConcurrency: {Job.batch: 5, Pod: 5, Workload.kueue.x-k8s.io: 10, LocalQueue.kueue.x-k8s.io: 5, Cohort.kueue.x-k8s.io: 1, ClusterQueue.kueue.x-k8s.io: 5, ResourceFlavor.kueue.x-k8s.io: 1}"
    [ -z "$qps" ] || echo "clientConnection: {qps: $qps, burst: $burst}"
  } >"$dir/config.yaml"
  KQ_HEALTH[$name]=${ports[0]}
  KQ_PID[$name]=$(
    KUBECONFIG=$FLEET_DIR/$cluster.kubeconfig "$KUEUE" --config "$dir/config.yaml" \
      --feature-gates=VisibilityOnDemand=false </dev/null >>"$dir/kueue.log" 2>&1 &
    echo $!
  )
  local i
  for ((i = 0; i < 240; i++)); do
    curl -fsS --max-time 2 "http://127.0.0.1:${ports[0]}/readyz" >/dev/null 2>&1 && return 0
    _op_pid_running "${KQ_PID[$name]}" || break
    sleep 0.5
  done
  tail -20 "$dir/kueue.log" >&2
  if grep -q "couldn't initialize inotify" "$dir/kueue.log"; then
    t_fail "kueue $name: no inotify instance left for its certificate watchers (fs.inotify.max_user_instances is $(cat /proc/sys/fs/inotify/max_user_instances); raise it, e.g. sysctl -w fs.inotify.max_user_instances=1024)"
  fi
  t_fail "kueue $name did not become ready (log $dir/kueue.log)"
}

# --- Kueue objects ---------------------------------------------------------------------------
t_log "Kueue $KUEUE_VERSION CRDs and queues in the hub and the members"
for c in hub $MEMBERS; do
  t_kubectl "$c" apply --server-side --force-conflicts -f "$KUEUE_DIR/crds/" >/dev/null ||
    t_fail "apply Kueue CRDs to $c"
done
for c in hub $MEMBERS; do
  t_established "$c" crd/{workloads,clusterqueues,localqueues,multikueueclusters}.kueue.x-k8s.io
  t_kubectl "$c" create namespace kueue-system >/dev/null 2>&1 || true
done
# The same quota everywhere, far above the burst: admission is never what waits.
queue_objects() { # ADMISSION_CHECK (empty in the members)
  cat <<EOF
apiVersion: kueue.x-k8s.io/v1beta2
kind: ResourceFlavor
metadata: {name: default}
---
apiVersion: kueue.x-k8s.io/v1beta2
kind: ClusterQueue
metadata: {name: bench}
spec:
  namespaceSelector: {}
  resourceGroups:
    - coveredResources: [nvidia.com/gpu]
      flavors: [{name: default, resources: [{name: nvidia.com/gpu, nominalQuota: "1000000"}]}]
EOF
  [ -z "$1" ] || echo "  admissionChecksStrategy: {admissionChecks: [{name: $1}]}"
}
for c in $MEMBERS; do
  queue_objects "" | t_kubectl "$c" apply -f - >/dev/null || t_fail "Kueue queues in $c"
  t_kubectl hub create secret generic "$c-kubeconfig" -n kueue-system \
    --from-file=kubeconfig="$FLEET_DIR/$c.kubeconfig" >/dev/null || t_fail "secret $c-kubeconfig"
done
{
  queue_objects bench
  for c in $MEMBERS; do
    cat <<EOF
---
apiVersion: kueue.x-k8s.io/v1beta2
kind: MultiKueueCluster
metadata: {name: $c}
spec: {clusterSource: {kubeConfig: {locationType: Secret, location: $c-kubeconfig}}}
EOF
  done
  cat <<EOF
---
apiVersion: kueue.x-k8s.io/v1beta2
kind: MultiKueueConfig
metadata: {name: bench}
spec: {clusters: [$(echo $MEMBERS | sed 's/ /, /g')]}
---
apiVersion: kueue.x-k8s.io/v1beta2
kind: AdmissionCheck
metadata: {name: bench}
spec:
  controllerName: kueue.x-k8s.io/multikueue
  parameters: {apiGroup: kueue.x-k8s.io, kind: MultiKueueConfig, name: bench}
EOF
} | t_kubectl hub apply -f - >/dev/null || t_fail "Kueue MultiKueue objects in the hub"

# queue_namespace NS: NS and a LocalQueue "bench" in it, in the hub and every member.
queue_namespace() {
  local c
  for c in hub $MEMBERS; do
    t_kubectl "$c" create namespace "$1" >/dev/null || t_fail "namespace $1 in $c"
    printf 'apiVersion: kueue.x-k8s.io/v1beta2\nkind: LocalQueue\nmetadata: {name: bench, namespace: %s}\nspec: {clusterQueue: bench}\n' "$1" |
      t_kubectl "$c" apply -f - >/dev/null || t_fail "LocalQueue in $c/$1"
  done
}

# --- profiles --------------------------------------------------------------------------------
# With PROFILE=1 the fleet's apiservers serve /debug/pprof, and a CPU profile of the hub's and the
# cloud member's apiserver is taken over the first PROFILE_SECONDS (default 30) of the operator's
# burst; `go tool pprof -top` of each is printed after the table when a Go toolchain is found.
BURST_ARGS=()
PROFILE_PIDS=()
profile_start() { # LABEL
  [ "${PROFILE:-0}" = 1 ] || return 0
  local c
  for c in hub cloud; do
    t_kubectl "$c" get --raw "/debug/pprof/profile?seconds=${PROFILE_SECONDS:-30}" \
      >"$OP_LOG_DIR/$1-$c-apiserver.pprof" 2>"$OP_LOG_DIR/$1-$c-apiserver.pprof.err" &
    PROFILE_PIDS+=($!)
  done
}
profile_end() {
  local p
  for p in "${PROFILE_PIDS[@]}"; do wait "$p" || t_log "a profile failed: see $OP_LOG_DIR/*.pprof.err"; done
  PROFILE_PIDS=()
}

# --- phases ----------------------------------------------------------------------------------
ROWS=()
FLEET_ROWS=()

# settle NS CONTEXT...: waits (up to 5 minutes, no failure) until every Job of NS has succeeded,
# so that the pods of one phase do not run into the next.
settle() {
  local ns=$1 c left i
  shift
  for ((i = 0; i < 300; i++)); do
    left=0
    for c in "$@"; do
      left=$((left + $(t_kubectl "$c" get jobs -n "$ns" -o jsonpath='{range .items[*]}{.status.succeeded}{"\n"}{end}' 2>/dev/null | grep -cvx 1 || true)))
    done
    [ "$left" = 0 ] && break
    sleep 1
  done
  t_log "settled $ns: $left Jobs not yet complete after ${i} s"
  sleep 5
}

# burst LABEL MODE NS MEMBERS [TIMEOUT]: one burst_load run; sets B_RATE B_P50 B_P99 B_SEEN
# B_CREATE B_LOAD (before -> after) B_FLEET (CPU per fleet process); returns burst_load's status.
burst() {
  local label=$1 mode=$2 ns=$3 members=$4 timeout=${5:-300} load_before fleet_before rc=0
  t_log "$label: $N $mode by $W writers"
  load_before=$(bench_load1)
  fleet_before=$(bench_fleet_cpu)
  "$LOAD" --kubeconfig "$FLEET_DIR/kubeconfig" --mode "$mode" --namespace "$ns" --count "$N" \
    --writers "$W" --members "$members" --timeout "$timeout" "${BURST_ARGS[@]}" \
    2>"$OP_LOG_DIR/$label.err" | tee "$OP_LOG_DIR/$label.out" >&2 || rc=$?
  B_LOAD="$load_before -> $(bench_load1)"
  B_FLEET=$(bench_cpu_delta "$fleet_before" "$(bench_fleet_cpu)")
  B_RATE=$(bench_burst_value "$OP_LOG_DIR/$label.err" rate)
  B_P50=$(bench_burst_value "$OP_LOG_DIR/$label.err" p50_ms)
  B_P99=$(bench_burst_value "$OP_LOG_DIR/$label.err" p99_ms)
  B_SEEN=$(bench_burst_value "$OP_LOG_DIR/$label.err" seen)
  B_CREATE=$(bench_burst_value "$OP_LOG_DIR/$label.err" create_seconds)
  FLEET_ROWS+=("$label: $B_FLEET")
  return "$rc"
}

# row LABEL WHAT CONTROLLER_CPU CONTROLLER_RSS
row() {
  ROWS+=("| $1 | $2 | ${B_SEEN:-0}/$N | **${B_RATE:-0}/s** | $(awk -v a="${B_P50:-0}" -v b="${B_P99:-0}" 'BEGIN {printf "%.2f s | %.2f s", a / 1000, b / 1000}') | ${B_CREATE:-?} s | $3 | $4 | $B_LOAD |")
}

# 1. raw
RAW_NS=bench-raw
burst raw jobs "$RAW_NS" cloud,onprem,edge || t_fail "raw burst: $(tail -3 "$OP_LOG_DIR/raw.err")"
RAW_RATE=$B_RATE
row raw "Jobs straight into the 3 members (plain client)" "-" "-"
# shellcheck disable=SC2086
settle "$RAW_NS" $MEMBERS

# 2. operator
op_install_finalizer_policy
op_start bench --kube-api-qps 1000 --kube-api-burst 2000 --workers "${WORKERS:-32}"
t_eventually 120 "members Ready" bash -c \
  "[ \"\$(kubectl --context hub get mc -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\n\"}{end}' | grep -c True)\" = 4 ]"
t_eventually 120 "pools measured" bash -c \
  "[ \"\$(kubectl --context hub get gp -o jsonpath='{range .items[*]}{.status.readyNodes}{\"\n\"}{end}' | grep -c 2)\" = 7 ]"
OP_NS_BENCH=bench-op
cpu_before=$(bench_cpu_seconds "${OP_PID[bench]}")
# The same three workers as raw and Kueue: the hub is a member of the sample fleet (gcp-us, the
# one "us" cluster), so the workloads select the "eu" clusters, and the hub runs no Jobs of its own.
BURST_ARGS=(--cluster-label hybridai.io/jurisdiction=eu)
profile_start operator
burst operator batch "$OP_NS_BENCH" cloud,onprem,edge || t_fail "operator burst: $(tail -3 "$OP_LOG_DIR/operator.err")"
BURST_ARGS=()
profile_end
OP_RATE=$B_RATE OP_P99=$B_P99
op_cpu=$(awk -v a="$cpu_before" -v b="$(bench_cpu_seconds "${OP_PID[bench]}")" 'BEGIN {printf "%.1f s", b - a}')
OP_RSS=$(bench_rss_mib "${OP_PID[bench]}")
OP_RSS_KIB=$(awk '/^VmRSS/ {print $2}' "/proc/${OP_PID[bench]}/status")
row operator "Batch AIWorkloads in the hub -> Jobs in the 3 members" "$op_cpu" "$OP_RSS"
op_stop bench
settle "$OP_NS_BENCH" hub $MEMBERS

# 3, 4. Kueue MultiKueue, as shipped and with its client rate raised.
kueue_phase() { # LABEL NS [QPS BURST]
  local label=$1 ns=$2 qps=${3:-} burst_=${4:-} c mgr_before work_before rc=0 mgr_cpu work_cpu work_rss=0
  queue_namespace "$ns"
  kq_start "$label-hub" hub "$qps" "$burst_"
  for c in $MEMBERS; do kq_start "$label-$c" "$c" "$qps" "$burst_"; done
  t_eventually 120 "MultiKueue clusters Active" t_kubectl hub wait --for condition=Active --timeout=5s \
    multikueuecluster/cloud multikueuecluster/onprem multikueuecluster/edge
  t_eventually 60 "admission check Active" t_kubectl hub wait --for condition=Active --timeout=5s admissioncheck/bench
  t_eventually 60 "ClusterQueue Active" t_kubectl hub wait --for condition=Active --timeout=5s clusterqueue/bench
  mgr_before=$(bench_cpu_seconds "${KQ_PID[$label-hub]}")
  work_before=0
  for c in $MEMBERS; do
    work_before=$(awk -v a="$work_before" -v b="$(bench_cpu_seconds "${KQ_PID[$label-$c]}")" 'BEGIN {print a + b}')
  done
  burst "$label" kueue-jobs "$ns" cloud,onprem,edge "$KUEUE_TIMEOUT" || rc=$?
  [ "$rc" = 0 ] || t_log "$label: not every Job reached a member within ${KUEUE_TIMEOUT} s (partial figures)"
  mgr_cpu=$(awk -v a="$mgr_before" -v b="$(bench_cpu_seconds "${KQ_PID[$label-hub]}")" 'BEGIN {printf "%.1f", b - a}')
  work_cpu=0
  for c in $MEMBERS; do
    work_cpu=$(awk -v a="$work_cpu" -v b="$(bench_cpu_seconds "${KQ_PID[$label-$c]}")" 'BEGIN {print a + b}')
    work_rss=$((work_rss + $(awk '/^VmRSS/ {print $2}' "/proc/${KQ_PID[$label-$c]}/status")))
  done
  work_cpu=$(awk -v a="$work_before" -v b="$work_cpu" 'BEGIN {printf "%.1f", b - a}')
  KQ_RSS_KIB[$label]=$(awk '/^VmRSS/ {print $2}' "/proc/${KQ_PID[$label-hub]}/status")
  KQ_P99[$label]=$B_P99
  KQ_RATE[$label]=$B_RATE
  row "$label" "Jobs in the hub -> MultiKueue -> Jobs in 3 members${qps:+ (client $qps QPS, burst $burst_)}" \
    "$mgr_cpu s (workers $work_cpu s)" "$(bench_rss_mib "${KQ_PID[$label-hub]}") (workers $((work_rss / 1024)) MiB)"
  # The next phase shares the hub's queue: take this one's Jobs out of it while Kueue runs.
  t_kubectl hub delete jobs --all -n "$ns" --wait=false >/dev/null 2>&1 || true
  local left i
  for ((i = 0; i < ${KUEUE_DRAIN:-600}; i += 2)); do
    # A failed list counts as not drained.
    left=$(t_kubectl hub get workloads.kueue.x-k8s.io -n "$ns" -o name 2>/dev/null | wc -l) || left=unknown
    [ "$left" = 0 ] && break
    sleep 2
  done
  t_log "$label: hub Jobs deleted; $left Workloads left in the hub after $i s"
  for c in hub $MEMBERS; do kq_stop "$label-$c"; done
  # shellcheck disable=SC2086
  settle "$ns" $MEMBERS
}
declare -A KQ_RSS_KIB=() KQ_P99=() KQ_RATE=()
kueue_phase kueue bench-kq
kueue_phase kueue-qps bench-kqq 1000 2000

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
{
  echo "multikueue_compare: N=$N writers=$W, $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "  operator: $OP_BIN${OP_VERSION:+ (checkout $OP_VERSION)}; Kueue $KUEUE_VERSION ($KUEUE)"
  echo
  echo "| run | what | reached a member | rate | p50 | p99 | creates took | controller CPU | controller RSS at the end | load average 1 min |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  for k in kueue kueue-qps; do
    echo "operator vs $k: rate x$(ratio "$OP_RATE" "${KQ_RATE[$k]}") (goal >= 3), p99 x$(ratio "$OP_P99" "${KQ_P99[$k]}") (goal <= 0.5), manager RSS x$(ratio "$OP_RSS_KIB" "${KQ_RSS_KIB[$k]}") (goal <= 0.5)"
  done
  echo "operator vs raw: rate x$(ratio "$OP_RATE" "$RAW_RATE") (goal >= 0.5)"
  echo
  echo "CPU seconds per fleet process during each burst:"
  printf '  %s\n' "${FLEET_ROWS[@]}"
}
if [ "${PROFILE:-0}" = 1 ]; then
  GO=$(command -v go || echo /usr/local/go/bin/go)
  for f in "$OP_LOG_DIR"/*.pprof; do
    [ -s "$f" ] || continue
    echo
    echo "Profile $f: where the request handlers spent their CPU (cumulative):"
    if [ -x "$GO" ]; then
      "$GO" tool pprof -top -cum -nodecount=400 "$f" 2>/dev/null |
        grep -E 'Total samples|finishRequest|StatusREST\).Update|createHandler|patchResource.func2|serveWatch|WatchServer|Authentication|managedfields.*FieldManager\).Update|cel.\(\*Validator\).Validate$|gcBgMarkWorker|mallocgc$' |
        head -20
    else
      echo "  (no Go toolchain: read it with go tool pprof)"
    fi
  done
fi
OP_PASSED=1
