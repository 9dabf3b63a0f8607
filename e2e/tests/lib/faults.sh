# Sourced by e2e/tests/e2e_faults.sh and bench/faults.sh, after e2e/fleet/testlib.sh,
# e2e/fleet/lib.sh and e2e/tests/lib/operator.sh (op_setup done). Runs a burst of one-GPU
# AIWorkloads (Inference and Batch, alternately) into the hub while a fault is injected into the
# fleet or the operator, then measures what came of it:
#   lost        hub workloads that never reach their phase (Inference Running, Batch Succeeded);
#   duplicated  workloads with more than one member object (Deployment or Job) at the end;
#   orphaned    member objects carrying the operator's labels for a workload that no longer
#               exists: while it runs (a name the hub does not have) and after every workload of
#               the burst has been deleted;
#   seconds     from the end of the fault (the component back) to every workload converged.
# The operator runs as it would under a kubelet: supervised, restarted a second after it exits
# (a lost lease, a SIGKILL), with leader election on. Every fleet component a fault stops is
# started again, with the same arguments and data, before the test ends whatever happens.

FAULT_MEMBER_OF_CONTEXT=""
FAULT_CONVERGE_LIMIT=${FAULT_CONVERGE_LIMIT:-300}
FAULT_ROWS=()
FAULT_FAILED=0
declare -A FAULT_PIDFILE=()

fault_kubectl() { kubectl --request-timeout=10s --context "$@"; }

# _fault_supervise PIDFILE LOG CMD...: runs CMD, and again a second after each exit (once
# PIDFILE.hold is gone), until TERM; the running child's pid is kept in PIDFILE. Runs detached
# (see fault_op_start).
_fault_supervise() {
  set +e
  local pidfile=$1 log=$2 stop=0 child=""
  shift 2
  trap 'stop=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT
  while [ "$stop" = 0 ]; do
    "$@" </dev/null >>"$log" 2>&1 &
    child=$!
    echo "$child" >"$pidfile"
    while kill -0 "$child" 2>/dev/null; do wait "$child" 2>/dev/null; done
    [ "$stop" = 0 ] || break
    # PIDFILE.hold holds the restart back (a replica kept down while another takes over).
    while [ -e "$pidfile.hold" ] && [ "$stop" = 0 ]; do sleep 0.2; done
    echo "----- supervisor: exited, restarting at $(date -u +%T) -----" >>"$log"
    sleep 1
  done
}

# fault_op_start NAME [FLAGS...]: a supervised operator with leader election, on free ports;
# OP_PID[NAME] is the supervisor (op_stop and op_cleanup stop both), FAULT_PIDFILE[NAME] holds
# the operator process's pid. Returns once /healthz answers.
fault_op_start() {
  local name=$1 ports
  shift
  mapfile -t ports < <(op_free_ports 2)
  OP_PROBE[$name]=${ports[0]}
  OP_METRICS[$name]=${ports[1]}
  OP_LOG[$name]=$OP_LOG_DIR/$name.log
  FAULT_PIDFILE[$name]=$OP_LOG_DIR/$name.pid
  OP_PID[$name]=$(
    _fault_supervise "${FAULT_PIDFILE[$name]}" "${OP_LOG[$name]}" \
      "$OP_BIN" --kubeconfig "$FLEET_DIR/kubeconfig" --context hub \
      --health-probe-bind-address "127.0.0.1:${OP_PROBE[$name]}" \
      --metrics-bind-address "127.0.0.1:${OP_METRICS[$name]}" \
      --leader-elect --leader-election-id "$OP_LEASE" --cluster-probe 5 \
      --kube-api-qps 1000 --kube-api-burst 2000 --workers "${WORKERS:-16}" "$@" \
      </dev/null >/dev/null 2>&1 &
    echo $!
  )
  t_eventually 60 "operator $name serves /healthz" op_get "$name" /healthz
  t_log "operator $name started under a supervisor (pid ${OP_PID[$name]})"
}

# fault_op_pid NAME: the running operator process of NAME.
fault_op_pid() { cat "${FAULT_PIDFILE[$1]}"; }

# fault_leader: the name of the replica that leads now (its metrics say so), or nothing.
fault_leader() {
  local name
  for name in "${!FAULT_PIDFILE[@]}"; do
    op_get "$name" /metrics 2>/dev/null | grep -q '^leader_election_master_status{.*} 1' && {
      echo "$name"
      return 0
    }
  done
  return 1
}

# fault_restore: every fleet process a fault may have stopped runs again (a frozen one is
# continued, a dead one relaunched with its recorded arguments) and every apiserver is ready.
fault_restore() {
  local name pid c i
  for name in $(fleet_names "$FLEET_DIR"); do
    pid=$(cat "$FLEET_DIR/pids/$name.pid" 2>/dev/null) || continue
    kill -CONT "$pid" 2>/dev/null || true
    if ! fleet_pid_alive "$FLEET_DIR" "$name" && [ -s "$FLEET_DIR/pids/$name.argv" ]; then
      t_log "restoring $name"
      fleet_relaunch "$FLEET_DIR" "$name" || true
    fi
  done
  for c in $FLEET_CLUSTERS; do
    for i in $(seq 1 120); do
      fault_kubectl "$c" get --raw /readyz >/dev/null 2>&1 && break
      sleep 0.5
    done
  done
}

# fault_arm: records the arguments of every fleet process, so that fault_restore can bring any
# of them back; registers fault_restore to run when the test ends.
fault_arm() {
  local name
  for name in $(fleet_names "$FLEET_DIR"); do
    fleet_pid_alive "$FLEET_DIR" "$name" && { fleet_save_argv "$FLEET_DIR" "$name" || t_fail "cannot record $name"; }
  done
  t_on_exit fault_restore
}

# fault_manifests NS N DIR: N workloads in files of 20, DIR/chunk-*.yaml.
fault_manifests() {
  local ns=$1 n=$2 dir=$3 i type policy
  mkdir -p "$dir"
  for ((i = 0; i < n; i++)); do
    if ((i % 2 == 0)); then type=Inference policy=Always; else type=Batch policy=Never; fi
    cat >>"$dir/chunk-$(printf %04d $((i / 20))).yaml" <<EOF
---
apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: w-$(printf %04d "$i"), namespace: $ns}
spec:
  type: $type
  replicas: 1
  accelerators: {count: 1}
  placement: {objective: Balanced}
  redundancy: {mode: None, failoverAfterSeconds: 10}
  tags: {team: faults, costCenter: cc-faults}
  template:
    spec:
      restartPolicy: $policy
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
EOF
  done
}

# _fault_load DIR: applies every chunk, each retried until the hub takes it (the hub may be
# down for a while: that is the point), with a deadline.
_fault_load() {
  local dir=$1 f deadline=$((SECONDS + FAULT_CONVERGE_LIMIT))
  for f in "$dir"/chunk-*.yaml; do
    until fault_kubectl hub apply -f "$f" >/dev/null 2>&1; do
      [ "$SECONDS" -lt "$deadline" ] || {
        echo "load: $f not applied in time" >&2
        return 1
      }
      sleep 1
    done
  done
}

# fault_hub_count NS: workloads the hub has in NS (nothing when it cannot answer).
fault_hub_count() {
  fault_kubectl hub get aiw -n "$1" --no-headers 2>/dev/null | wc -l
}

# fault_wait_created NS COUNT: until the hub has at least COUNT workloads in NS.
fault_wait_created() {
  local i
  for i in $(seq 1 600); do
    [ "$(fault_hub_count "$1")" -ge "$2" ] && return 0
    sleep 0.2
  done
}

# fault_census NS: "bad DUP ORPHANS" where bad counts workloads not (yet) in their phase,
# DUP workloads with more than one member object, ORPHANS member objects whose workload the
# hub does not have. Fails when any cluster cannot answer.
fault_census() {
  local ns=$1 c hub members="" out
  hub=$(fault_kubectl hub get aiw -n "$ns" \
    -o jsonpath='{range .items[*]}{.metadata.name} {.spec.type} {.status.phase}{"\n"}{end}') || return 1
  for c in $FLEET_CLUSTERS; do
    out=$(fault_kubectl "$c" get deployments,jobs -A -l "hybridai.io/workload-namespace=$ns" \
      -o jsonpath='{range .items[*]}{.metadata.labels.hybridai\.io/workload} {.metadata.deletionTimestamp}{"\n"}{end}') || return 1
    members+="$out"$'\n'
  done
  awk -v n="$FAULT_EXPECT" '
    FNR == NR { if (NF >= 2) { seen[$1] = $2; total++
                  if (!(($2 == "Inference" && $3 == "Running") || ($2 == "Batch" && $3 == "Succeeded"))) bad++
                  else if ($2 == "Inference") running[$1] = 1 }
                next }
    NF == 1 { copies[$1]++ }
    END {
      bad += (n > total ? n - total : 0)
      # A Running Inference workload has its Deployment somewhere: else it is lost all the same.
      for (w in running) if (!(w in copies)) bad++
      for (w in copies) { if (!(w in seen)) orphans += copies[w]; else if (copies[w] > 1) dup++ }
      printf "%d %d %d\n", bad, dup, orphans
    }' <(printf '%s\n' "$hub") <(printf '%s\n' "$members")
}

# fault_member_left NS: member objects (not being deleted) still labelled for NS, all clusters.
fault_member_left() {
  local ns=$1 c total=0 n
  for c in $FLEET_CLUSTERS; do
    n=$(fault_kubectl "$c" get deployments,jobs -A -l "hybridai.io/workload-namespace=$ns" \
      -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{"\n"}{end}' |
      awk 'NF == 1' | wc -l) || return 1
    total=$((total + n))
  done
  echo "$total"
}

_fault_relists() { cat "$OP_LOG_DIR"/*.log 2>/dev/null | grep -c 'watch relist' || true; }

# fault_row LABEL N INJECT [ARGS...]: one measured row. A fresh namespace, a burst of N
# workloads in the background, INJECT ARGS run meanwhile (it returns once the fault is over and
# the component is back), then convergence, then every workload deleted and the members checked
# for leftovers. Appends a line to FAULT_ROWS and prints it.
fault_row() {
  local label=$1 n=$2 inject=$3 ns dir load_pid t_start t_back census bad dup orph conv_s=-1
  local load_before load_after relists_before left deadline took
  shift 3
  op_namespace
  ns=$OP_NS
  FAULT_EXPECT=$n
  dir=$OP_LOG_DIR/$ns
  fault_manifests "$ns" "$n" "$dir"
  relists_before=$(_fault_relists)
  load_before=$(cut -d' ' -f1 /proc/loadavg)
  t_log "$label: $n workloads into $ns"
  t_start=$SECONDS
  _fault_load "$dir" &
  load_pid=$!
  FAULT_NS=$ns
  "$inject" "$@"
  t_back=$SECONDS
  wait "$load_pid" || t_log "$label: the load did not finish"
  census="? ? ?"
  deadline=$((SECONDS + FAULT_CONVERGE_LIMIT))
  while :; do
    census=$(fault_census "$ns" 2>/dev/null) || census="? ? ?"
    [ "$census" = "0 0 0" ] && { conv_s=$((SECONDS - t_back)); break; }
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 1
  done
  read -r bad dup orph <<<"$census"
  took=$((SECONDS - t_start))
  load_after=$(cut -d' ' -f1 /proc/loadavg)
  # Every workload deleted: the operator must take every member object with it.
  fault_kubectl hub delete aiw --all -n "$ns" --wait=false >/dev/null 2>&1 || true
  t_eventually "$FAULT_CONVERGE_LIMIT" "$label: workloads of $ns deleted" \
    bash -c "[ \"\$(kubectl --request-timeout=10s --context hub get aiw -n $ns --no-headers 2>/dev/null | wc -l)\" = 0 ]"
  left=-1
  for i in $(seq 1 30); do
    left=$(fault_member_left "$ns" 2>/dev/null) || left=-1
    [ "$left" = 0 ] && break
    sleep 1
  done
  [ "$orph" = "?" ] || orph=$((orph + (left > 0 ? left : 0)))
  [ "$left" -ge 0 ] || orph="?"
  local row
  row=$(printf '%-34s %9s %5s %5s %8s %10s %7s %7s  %s' "$label" "$n" "$bad" "$dup" "$orph" \
    "$conv_s" "$took" "$(($(_fault_relists) - relists_before))" "$load_before/$load_after")
  FAULT_ROWS+=("$row")
  echo "$row"
  [ "$bad/$dup/$orph" = 0/0/0 ] && [ "$conv_s" -ge 0 ] || FAULT_FAILED=1
}

fault_header() {
  printf '%-34s %9s %5s %5s %8s %10s %7s %7s  %s\n' fault workloads lost dup orphaned \
    converge_s total_s relists "load1 before/after"
}

fault_table() {
  fault_header
  printf '%s\n' "${FAULT_ROWS[@]}"
}

# ---- the faults: each is called while the burst runs and returns once it is over -----------

# The first third of the burst is in before any fault.
_fault_third() { fault_wait_created "$FAULT_NS" $((FAULT_EXPECT / 3)); }

_fault_wait_ready() {
  local c=$1 i
  for i in $(seq 1 240); do
    fault_kubectl "$c" get --raw /readyz >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  t_log "warning: $c not ready again"
}

inject_none() { :; }

# _fault_on_member CONTEXT: says how many workloads of the burst are placed on that member now
# (a member fault that hits none proves nothing).
_fault_on_member() {
  local mc n
  mc=$(op_member_of "$1")
  n=$(fault_kubectl hub get aiw -n "$FAULT_NS" -o jsonpath='{range .items[*]}{.status.clusters}{"\n"}{end}' |
    grep -cx "$mc" || true)
  t_log "fault on $1 ($mc), where $n workloads of the burst are placed"
}

# inject_restart COMPONENT: the fleet process COMPONENT (hub-apiserver, etcd, ...) stopped and
# started again with the same arguments and data.
inject_restart() {
  _fault_third
  fleet_restart "$FLEET_DIR" "$1" || t_fail "restart $1"
  local c
  for c in $FLEET_CLUSTERS; do _fault_wait_ready "$c"; done
}

# inject_kill_member CONTEXT SECONDS: the member apiserver SIGKILLed, started again SECONDS later.
inject_kill_member() {
  _fault_third
  _fault_on_member "$1"
  kill -KILL "$(cat "$FLEET_DIR/pids/$1-apiserver.pid")"
  sleep "$2"
  fleet_relaunch "$FLEET_DIR" "$1-apiserver" || t_fail "relaunch $1-apiserver"
  _fault_wait_ready "$1"
}

# inject_freeze_member CONTEXT SECONDS: the member apiserver SIGSTOPped (a partition), then
# continued SECONDS later.
inject_freeze_member() {
  local pid
  _fault_third
  pid=$(cat "$FLEET_DIR/pids/$1-apiserver.pid")
  _fault_on_member "$1"
  kill -STOP "$pid"
  sleep "$2"
  kill -CONT "$pid"
  _fault_wait_ready "$1"
}

# inject_kill_operator NAME TIMES GAP: the operator process SIGKILLed TIMES times, GAP seconds
# apart, starting once a fifth of the burst is in.
inject_kill_operator() {
  local name=$1 times=$2 gap=$3 k
  fault_wait_created "$FAULT_NS" $((FAULT_EXPECT / 5))
  for ((k = 0; k < times; k++)); do
    kill -KILL "$(fault_op_pid "$name")" 2>/dev/null || true
    sleep "$gap"
  done
  t_eventually 60 "operator $name back" op_get "$name" /healthz
}

# inject_kill_leader: the replica that leads is SIGKILLed once and kept down until another
# replica has taken the lease over (it cannot before the lease expires), then started again.
inject_kill_leader() {
  local leader now deadline
  _fault_third
  # Metrics requests can time out under load: ask again rather than take a failure for an answer.
  deadline=$((SECONDS + 60))
  until leader=$(fault_leader); do
    [ "$SECONDS" -lt "$deadline" ] || t_fail "no replica leads"
    sleep 0.5
  done
  touch "${FAULT_PIDFILE[$leader]}.hold"
  t_log "killing the leader, $leader (pid $(fault_op_pid "$leader"))"
  kill -KILL "$(fault_op_pid "$leader")" || t_fail "cannot kill $leader"
  deadline=$((SECONDS + 60))
  until now=$(fault_leader) && [ "$now" != "$leader" ]; do
    [ "$SECONDS" -lt "$deadline" ] || t_fail "no other replica took the lease over within 60 s"
    sleep 0.5
  done
  t_log "$now took the lease over; starting $leader again"
  rm -f "${FAULT_PIDFILE[$leader]}.hold"
}

# _fault_compact: etcd's history compacted up to its head revision.
_fault_compact() {
  local rev url=http://127.0.0.1:$FLEET_ETCD_PORT
  rev=$(curl -sf -X POST "$url/v3/kv/range" -d '{"key":"AA==","limit":1}' | jq -r .header.revision) &&
    curl -sf -X POST "$url/v3/kv/compaction" -d "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null ||
    t_log "warning: compaction at ${rev:-?} failed"
}

# inject_compact CONTEXT SECONDS: etcd's history compacted to its head every 2 s for SECONDS
# while the burst runs. A watch that stays connected never notices (the apiserver's watch cache
# is ahead of the compaction), so halfway through the member CONTEXT's apiserver is stopped,
# etcd compacted meanwhile, and the apiserver started again: the operator's watches of that
# member resume from revisions that are gone, are answered 410 Gone, and must relist.
inject_compact() {
  local ctx=$1 end=$((SECONDS + $2)) half=$((SECONDS + $2 / 2)) bounced=0
  fault_wait_created "$FAULT_NS" 1
  while [ "$SECONDS" -lt "$end" ]; do
    _fault_compact
    if [ "$bounced" = 0 ] && [ "$SECONDS" -ge "$half" ]; then
      bounced=1
      _fault_on_member "$ctx"
      fleet_save_argv "$FLEET_DIR" "$ctx-apiserver" || t_fail "cannot record $ctx-apiserver"
      fleet_stop "$FLEET_DIR" "$ctx-apiserver"
      sleep 2
      _fault_compact
      fleet_relaunch "$FLEET_DIR" "$ctx-apiserver" || t_fail "relaunch $ctx-apiserver"
      _fault_wait_ready "$ctx"
    fi
    sleep 2
  done
}
