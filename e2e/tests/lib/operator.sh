# Sourced by e2e tests and bench scripts that run the real operator against the test fleet,
# after e2e/fleet/testlib.sh and t_fleet. Installs the CRDs, registers the fleet's members as
# MemberCluster Secrets, starts and stops operator processes on free loopback ports, and
# undoes all of it when the test ends: workloads first (while an operator can still run their
# finalizers), then the operators, then the namespaces and hub objects it created.

OP_BIN=""
OP_LOG_DIR=""
OP_LEASE="hybrid-operator-leader-$RANDOM"
declare -A OP_PID=() OP_PROBE=() OP_METRICS=() OP_LOG=()
OP_NAMESPACES=()      # workload namespaces: deleted in the hub and in every member
OP_HUB_OBJECTS=()     # "kind/name" or "kind/name -n ns" created in the hub by op_register
OP_MEMBERS="cloud onprem edge"
OP_STARTS=0
OP_WATCH_LIMIT=${HYBRIDAI_E2E_TIMEOUT:-120}

# The sample MemberCluster of each fleet cluster (gcp-us is the hub itself: no Secret).
op_member_of() {
  case "$1" in
  hub) echo gcp-us ;;
  cloud) echo aws-eu ;;
  onprem) echo dc-paris ;;
  edge) echo edge-lyon ;;
  *) return 1 ;;
  esac
}
op_cluster_of() {
  case "$1" in
  gcp-us) echo hub ;;
  aws-eu) echo cloud ;;
  dc-paris) echo onprem ;;
  edge-lyon) echo edge ;;
  *) return 1 ;;
  esac
}

# op_binary: finds hybrid-operator ($HYBRIDAI_OPERATOR_BIN, the CTest build dir, build/).
op_binary() {
  local c
  for c in "${HYBRIDAI_OPERATOR_BIN:-}" "${HYBRIDAI_BUILD_DIR:+$HYBRIDAI_BUILD_DIR/bin/hybrid-operator}" \
    "$T_ROOT/build/bin/hybrid-operator"; do
    if [ -n "$c" ] && [ -x "$c" ]; then
      OP_BIN=$c
      return 0
    fi
  done
  t_fail "no hybrid-operator binary: build it (ninja -C build hybrid-operator) or set HYBRIDAI_OPERATOR_BIN"
}

# op_free_ports N: N free TCP ports on 127.0.0.1, one a line.
op_free_ports() {
  "$FLEET_BIN/fleetctl" ports "$1"
}

# op_init: binary, log dir and the cleanup hook. Call once, after t_fleet.
op_init() {
  op_binary
  OP_LOG_DIR=$(mktemp -d "/tmp/hybridai-$T_NAME.XXXXXX")
  t_on_exit op_cleanup
  t_log "operator $OP_BIN, logs in $OP_LOG_DIR"
}

# op_setup [CONFIG]: a fleet (t_fleet CONFIG), the operator binary, the CRDs, the members
# registered and a fresh workload namespace (OP_NS): what every operator test starts from.
op_setup() {
  t_fleet "${1:-}"
  op_init
  op_install_crds
  op_register
  op_namespace
}

# op_install_crds: applies crds/ to the hub and waits until they are served.
op_install_crds() {
  t_kubectl hub apply --server-side --force-conflicts -f "$T_ROOT/crds/" >/dev/null || t_fail "apply crds/"
  local kind
  t_established hub crd/{memberclusters,gpupools,aiworkloads,budgets}.hybridai.io
  t_eventually 30 "hybridai kinds served" t_kubectl hub get mc,gp,aiw -A
}

# op_install_finalizer_policy: the chart's MutatingAdmissionPolicy (templates/finalizer-policy.yaml,
# rendered by helm) in the hub, as a Helm install on Kubernetes >= 1.36 has it: AIWorkloads are
# created with the cleanup finalizer, and the operator skips its own finalizer write. Removed at
# the end. Tests leave it out, so that they cover the operator adding the finalizer itself.
op_install_finalizer_policy() {
  local out
  out=$(helm template hybrid-operator "$T_ROOT/charts/hybrid-operator" --kube-version 1.36.3 \
    --api-versions admissionregistration.k8s.io/v1/MutatingAdmissionPolicy \
    --show-only templates/finalizer-policy.yaml) || t_fail "render the finalizer policy: $out"
  t_kubectl hub apply -f - <<<"$out" >/dev/null || t_fail "apply the finalizer policy"
  _op_remember "mutatingadmissionpolicybinding/hybrid-operator-cleanup-finalizer"
  _op_remember "mutatingadmissionpolicy/hybrid-operator-cleanup-finalizer"
  # Admission policies take effect once the API server's policy informer has them.
  t_eventually 30 "the finalizer policy in effect" op_finalizer_policy_active
}

# op_finalizer_policy_active: a dry-run create of an AIWorkload (in hybrid-system) comes back with
# the cleanup finalizer.
op_finalizer_policy_active() {
  local probe='{"apiVersion":"hybridai.io/v1alpha1","kind":"AIWorkload","metadata":{"name":"finalizer-policy-probe","namespace":"hybrid-system"},"spec":{"type":"Batch","replicas":1,"accelerators":{"count":1},"tags":{"team":"probe","costCenter":"probe"},"template":{"spec":{"containers":[{"name":"m","image":"x"}]}}}}'
  t_kubectl hub create --dry-run=server -o jsonpath='{.metadata.finalizers}' -f - <<<"$probe" 2>/dev/null |
    grep -q hybridai.io/member-cleanup
}

# _op_remember OBJECT: removed from the hub at the end.
_op_remember() { OP_HUB_OBJECTS+=("$1"); }

# op_register: hybrid-system, one kubeconfig Secret per member from the fleet's admin
# kubeconfigs, the sample MemberClusters and GPUPools. Objects that already existed are kept.
op_register() {
  # A namespace an earlier test left Terminating takes no new objects: wait until it is gone.
  local phase i
  for ((i = 0; i < 120; i++)); do
    phase=$(t_kubectl hub get namespace hybrid-system -o jsonpath='{.status.phase}' 2>/dev/null) || phase=""
    [ "$phase" = Terminating ] || break
    sleep 1
  done
  if ! t_kubectl hub get namespace hybrid-system >/dev/null 2>&1; then
    t_kubectl hub create namespace hybrid-system >/dev/null || t_fail "create namespace hybrid-system"
    _op_remember "namespace/hybrid-system"
  fi
  local c mc
  for c in $OP_MEMBERS; do
    mc=$(op_member_of "$c")
    if ! t_kubectl hub get secret -n hybrid-system "$mc" >/dev/null 2>&1; then
      t_kubectl hub create secret generic "$mc" -n hybrid-system \
        --from-file=kubeconfig="$FLEET_DIR/$c.kubeconfig" >/dev/null || t_fail "create secret $mc"
      _op_remember "secret/$mc -n hybrid-system"
    fi
  done
  local file obj before applied
  for file in 01-clusters.yaml 02-pools.yaml; do
    before=$(t_kubectl hub get -f "$T_ROOT/manifests/samples/$file" -o name --ignore-not-found 2>/dev/null) || true
    applied=$(t_kubectl hub apply -f "$T_ROOT/manifests/samples/$file" -o name) || t_fail "apply $file"
    for obj in $applied; do
      grep -qxF "$obj" <<<"$before" || _op_remember "$obj"
    done
  done
}

# op_start NAME [FLAGS...]: starts an operator against the hub on free ports, logging to
# OP_LOG[NAME]; returns once /healthz answers.
op_start() {
  local name=$1 ports
  shift
  mapfile -t ports < <(op_free_ports 2)
  OP_PROBE[$name]=${ports[0]}
  OP_METRICS[$name]=${ports[1]}
  OP_STARTS=$((OP_STARTS + 1))
  OP_LOG[$name]=$OP_LOG_DIR/$name.$OP_STARTS.log # one per start: its lines are its own
  # Started from a subshell that exits at once, so the operator is not a job of this shell:
  # killing it on purpose (kill -9 scenarios) prints no job report.
  OP_PID[$name]=$(
    "$OP_BIN" --kubeconfig "$FLEET_DIR/kubeconfig" --context hub \
      --health-probe-bind-address "127.0.0.1:${OP_PROBE[$name]}" \
      --metrics-bind-address "127.0.0.1:${OP_METRICS[$name]}" \
      --leader-election-id "$OP_LEASE" --cluster-probe 5 "$@" </dev/null >>"${OP_LOG[$name]}" 2>&1 &
    echo $!
  )
  t_eventually 60 "operator $name serves /healthz" op_get "$name" /healthz
  t_log "operator $name started (pid ${OP_PID[$name]}, probes :${OP_PROBE[$name]}, metrics :${OP_METRICS[$name]})"
}

# _op_pid_running PID: the process exists and is not a zombie waiting for its reaper.
_op_pid_running() {
  kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# op_alive NAME
op_alive() {
  local pid=${OP_PID[$1]:-}
  [ -n "$pid" ] && _op_pid_running "$pid"
}

# op_stop NAME [SIGNAL]: signals the operator (TERM by default) and reaps it.
op_stop() {
  local name=$1 sig=${2:-TERM} pid=${OP_PID[$1]:-} i
  [ -n "$pid" ] || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    _op_pid_running "$pid" || break
    sleep 0.1
  done
  if _op_pid_running "$pid"; then
    t_log "operator $name did not stop on $sig; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  unset "OP_PID[$name]"
}

# op_get NAME PATH: GET from the operator's probe port (/healthz, /readyz) or metrics port.
op_get() {
  local port=${OP_PROBE[$1]}
  [ "$2" = /metrics ] && port=${OP_METRICS[$1]}
  curl -fsS --max-time 5 "http://127.0.0.1:$port$2"
}

# op_log_has NAME TEXT
op_log_has() { grep -qF -- "$2" "${OP_LOG[$1]}"; }

# op_show_logs: the end of every operator log, for failure reports.
op_show_logs() {
  local name
  for name in "${!OP_LOG[@]}"; do
    echo "----- last 30 lines of operator $name (${OP_LOG[$name]}) -----" >&2
    tail -n 30 "${OP_LOG[$name]}" >&2 2>/dev/null || true
  done
}

# op_namespace: a fresh workload namespace in the hub in OP_NS; deleted everywhere at the end.
op_namespace() {
  OP_NS="e2e-op-$RANDOM$RANDOM"
  t_kubectl hub create namespace "$OP_NS" >/dev/null || t_fail "create namespace $OP_NS"
  OP_NAMESPACES+=("$OP_NS")
}

# op_jsonpath CONTEXT RESOURCE NS JSONPATH
op_jsonpath() {
  t_kubectl "$1" get "$2" -n "$3" -o "jsonpath=$4" 2>/dev/null
}

# op_condition NS AIW TYPE: "Status Reason Message" of one condition of an AIWorkload.
op_condition() {
  op_jsonpath hub "aiworkload/$2" "$1" \
    "{range .status.conditions[?(@.type==\"$3\")]}{.status} {.reason} {.message}{end}"
}

# op_cleanup: workloads (finalizers run by a live operator, else stripped), operators,
# namespaces in hub and members, hub objects created by op_register.
op_cleanup() {
  local ns name any_alive=0 c
  [ -n "${OP_PASSED:-}" ] || op_show_logs
  for name in "${!OP_PID[@]}"; do op_alive "$name" && any_alive=1; done
  for ns in "${OP_NAMESPACES[@]}"; do
    kubectl --context hub delete aiworkloads --all -n "$ns" --wait=false >/dev/null 2>&1 || true
  done
  if [ "$any_alive" = 1 ]; then
    for ns in "${OP_NAMESPACES[@]}"; do
      kubectl --context hub wait --for=delete aiworkloads --all -n "$ns" --timeout=60s >/dev/null 2>&1 || true
    done
  fi
  for ns in "${OP_NAMESPACES[@]}"; do
    for name in $(kubectl --context hub get aiworkloads -n "$ns" -o name 2>/dev/null); do
      kubectl --context hub patch -n "$ns" "$name" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
    done
  done
  for name in "${!OP_PID[@]}"; do op_stop "$name" TERM; done
  for ns in "${OP_NAMESPACES[@]}"; do
    for c in hub $OP_MEMBERS; do
      kubectl --context "$c" delete namespace "$ns" --wait=false --ignore-not-found >/dev/null 2>&1 || true
    done
  done
  kubectl --context hub delete lease -n hybrid-system "$OP_LEASE" --ignore-not-found >/dev/null 2>&1 || true
  local i
  for ((i = ${#OP_HUB_OBJECTS[@]} - 1; i >= 0; i--)); do
    # shellcheck disable=SC2086 # "kind/name -n ns" splits on purpose
    kubectl --context hub delete ${OP_HUB_OBJECTS[$i]} --ignore-not-found --wait=false >/dev/null 2>&1 || true
  done
  [ -n "$OP_LOG_DIR" ] && [ -z "${HYBRIDAI_KEEP_LOGS:-}" ] && rm -rf "$OP_LOG_DIR"
  return 0
}
