#!/usr/bin/env bash
# Starts a simulated hybrid fleet on 127.0.0.1: one etcd, and per cluster a kube-apiserver (TLS,
# client certificates, RBAC), kube-controller-manager, kube-scheduler and KWOK with fake GPU nodes.
# Returns once every apiserver is ready, every node Ready and a GPU probe pod Running in every
# cluster; on any failure prints the failing component's log, stops everything and exits 1.
#
#   e2e/fleet/up.sh [--config FILE] [--dir DIR]
#
# FILE defaults to e2e/fleet/default.yaml, DIR to $FLEET_DIR or /tmp/hybridai-fleet. Writes
# DIR/kubeconfig (one context per cluster), DIR/<cluster>.kubeconfig (admin, self-contained, fit
# for a MemberCluster Secret), DIR/operator/<cluster>.kubeconfig (an identity with no RBAC
# grants), DIR/env (ports and paths, shell syntax). Extra component flags:
# HYBRIDAI_FLEET_APISERVER_ARGS, HYBRIDAI_FLEET_CONTROLLER_MANAGER_ARGS,
# HYBRIDAI_FLEET_SCHEDULER_ARGS, HYBRIDAI_FLEET_KWOK_ARGS. Timeouts scale with
# HYBRIDAI_FLEET_TIMEOUT (seconds per wait, default 120).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/pki.sh"
source "$(dirname "${BASH_SOURCE[0]}")/kubeconfig.sh"

rc=0
fleet_parse_args "$@" || rc=$?
if [ "$rc" = 3 ]; then
  awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"
  exit 0
fi
[ "$rc" = 0 ] || exit 2
DIR=$FLEET_DIR
CONFIG=$FLEET_CONFIG
TIMEOUT=${HYBRIDAI_FLEET_TIMEOUT:-120}
START=$SECONDS

[ -f "$CONFIG" ] || {
  fleet_say "error: config $CONFIG does not exist"
  exit 2
}

# Tools first: on a fresh machine this is the long cold build, and it prints its own progress.
BIN=$("$FLEET_ROOT/e2e/tools/install.sh" | tail -1)
[ -x "$BIN/kube-apiserver" ] || {
  fleet_say "error: install.sh did not produce a bin dir"
  exit 1
}
KUBECTL=$BIN/kubectl

CLUSTERS=$("$BIN/fleetctl" clusters --config "$CONFIG") || exit 2

if [ -f "$DIR/$FLEET_MARKER" ]; then
  running=1
  for name in $(fleet_names "$DIR"); do
    fleet_pid_alive "$DIR" "$name" || running=0
  done
  if [ "$running" = 1 ] && [ -f "$DIR/state" ] && [ "$(cat "$DIR/state")" = running ]; then
    fleet_say "already running in $DIR ($(tr '\n' ' ' <"$DIR/clusters"))"
    echo "export KUBECONFIG=$DIR/kubeconfig"
    exit 0
  fi
  fleet_say "found a stopped or half-started fleet in $DIR; cleaning it up first"
  "$FLEET_ROOT/e2e/fleet/down.sh" --dir "$DIR"
elif [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
  fleet_say "error: $DIR exists, is not empty and is not a fleet directory; refusing to use it"
  exit 2
fi

mkdir -p "$DIR"
touch "$DIR/$FLEET_MARKER"
echo starting >"$DIR/state"
echo "$CLUSTERS" >"$DIR/clusters"
cp "$CONFIG" "$DIR/config.yaml"

# Any failure from here on: show why, leave nothing running.
on_exit() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    fleet_say "up failed after $((SECONDS - START)) s"
    "$FLEET_ROOT/e2e/fleet/down.sh" --dir "$DIR" >&2 || true
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# fail MESSAGE [COMPONENT]: also used in the per-cluster background jobs, which do not inherit
# the EXIT trap, so the log is shown here.
fail() {
  fleet_say "error: $1"
  [ -z "${2:-}" ] || fleet_log_tail "$DIR" "$2" 40
  exit 1
}

# first_dead: the name of a fleet process that has exited, if any.
first_dead() {
  local name
  for name in $(fleet_names "$DIR"); do
    fleet_pid_alive "$DIR" "$name" || {
      echo "$name"
      return 0
    }
  done
  return 1
}

# wait_for WHAT COMPONENT CMD...: polls CMD until it succeeds. Fails at once if any fleet process
# died (showing that one's log), else after TIMEOUT showing COMPONENT's log.
wait_for() {
  local what=$1 component=$2 deadline=$((SECONDS + TIMEOUT)) dead
  shift 2
  until "$@" >/dev/null 2>&1; do
    if dead=$(first_dead); then
      fail "$dead exited while waiting for $what" "$dead"
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after $TIMEOUT s waiting for $what" "$component"
    sleep 0.3
  done
}

kc() {
  local c=$1
  shift
  "$KUBECTL" --kubeconfig "$DIR/$c.kubeconfig" "$@"
}

nodes_ready() {
  local out
  out=$(kc "$1" get nodes --no-headers) || return 1
  [ -n "$out" ] && echo "$out" | awk '$2 != "Ready" {bad = 1} END {exit bad}'
}

probe_running() {
  local phases
  phases=$(kc "$1" get pods -n default -l app=fleet-probe -o jsonpath='{.items[*].status.phase}') || return 1
  [ "$phases" = Running ]
}

nports=$((2 + $(echo "$CLUSTERS" | wc -l)))
read -r -a PORTS <<<"$("$BIN/fleetctl" ports "$nports" | tr '\n' ' ')"
[ "${#PORTS[@]}" = "$nports" ] || fail "could not find $nports free ports on 127.0.0.1"
ETCD_PORT=${PORTS[0]}
ETCD_PEER_PORT=${PORTS[1]}
declare -A API_PORT
i=2
for c in $CLUSTERS; do
  API_PORT[$c]=${PORTS[$i]}
  i=$((i + 1))
done

fleet_say "starting $(echo $CLUSTERS | wc -w) clusters ($(echo $CLUSTERS)) in $DIR"
for c in $CLUSTERS; do
  pki_cluster "$DIR/$c/pki" "$c" || fail "could not create certificates for $c"
done

# One etcd serves every cluster, each apiserver under its own prefix: it is the cheapest
# component to share and saves memory on small CI machines. No fsync: the state is thrown away.
fleet_start "$DIR" etcd "$BIN/etcd" --name fleet --data-dir "$DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "fleet=http://127.0.0.1:$ETCD_PEER_PORT" \
  --listen-metrics-urls "" --quota-backend-bytes $((2 * 1024 * 1024 * 1024)) \
  --snapshot-count 10000 --log-level warn --unsafe-no-fsync
wait_for "etcd health" etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"

for c in $CLUSTERS; do
  pki=$DIR/$c/pki
  mkdir -p "$DIR/$c/run"
  # shellcheck disable=SC2086 # extra args are meant to split
  fleet_start "$DIR" "$c-apiserver" "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --etcd-prefix="/registry/$c" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="${API_PORT[$c]}" \
    --cert-dir="$DIR/$c/run" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" --authorization-mode=Node,RBAC \
    --service-cluster-ip-range=10.96.0.0/16 \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --endpoint-reconciler-type=none --allow-privileged=true --profiling=false \
    ${HYBRIDAI_FLEET_APISERVER_ARGS:-}
done

for c in $CLUSTERS; do
  pki=$DIR/$c/pki
  server=https://127.0.0.1:${API_PORT[$c]}
  write_kubeconfig "$DIR/$c.kubeconfig" "$c" "$server" "$pki/ca.crt" "$pki/admin.crt" "$pki/admin.key"
  mkdir -p "$DIR/operator"
  write_kubeconfig "$DIR/operator/$c.kubeconfig" "$c" "$server" "$pki/ca.crt" "$pki/operator.crt" "$pki/operator.key"
  for who in controller-manager scheduler kwok; do
    write_kubeconfig "$DIR/$c/$who.kubeconfig" "$c" "$server" "$pki/ca.crt" "$pki/$who.crt" "$pki/$who.key"
  done
done
merge_kubeconfigs "$DIR/kubeconfig" $(for c in $CLUSTERS; do echo "$DIR/$c.kubeconfig"; done)

start_cluster_components() {
  local c=$1 pki=$DIR/$1/pki
  # shellcheck disable=SC2086
  fleet_start "$DIR" "$c-controller-manager" "$BIN/kube-controller-manager" \
    --kubeconfig="$DIR/$c/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DIR/$c/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$DIR/$c/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false \
    --use-service-account-credentials=true --service-account-private-key-file="$pki/sa.key" \
    --root-ca-file="$pki/ca.crt" --cluster-signing-cert-file="$pki/ca.crt" \
    --cluster-signing-key-file="$pki/ca.key" --profiling=false \
    ${HYBRIDAI_FLEET_CONTROLLER_MANAGER_ARGS:-}
  # shellcheck disable=SC2086
  fleet_start "$DIR" "$c-scheduler" "$BIN/kube-scheduler" \
    --kubeconfig="$DIR/$c/scheduler.kubeconfig" \
    --authentication-kubeconfig="$DIR/$c/scheduler.kubeconfig" \
    --authorization-kubeconfig="$DIR/$c/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false --profiling=false \
    ${HYBRIDAI_FLEET_SCHEDULER_ARGS:-}
  # An explicit configuration (kwokctl's default stages, from install.sh) so that a
  # ~/.kwok/kwok.yaml on the machine cannot change the fleet's behaviour.
  # shellcheck disable=SC2086
  fleet_start "$DIR" "$c-kwok" "$BIN/kwok" \
    --kubeconfig="$DIR/$c/kwok.kubeconfig" --config="$BIN/kwok-stages.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=10.250.0.1 --cidr=10.244.0.0/16 --node-lease-duration-seconds=40 \
    ${HYBRIDAI_FLEET_KWOK_ARGS:-}
}

# settle_cluster C: nodes created and Ready, then the GPU probe Running. Runs in the background,
# one job per cluster, since most of it is waiting on that cluster's own components.
settle_cluster() {
  local c=$1 node
  "$BIN/fleetctl" nodes --config "$CONFIG" --cluster "$c" >"$DIR/$c/nodes.json"
  kc "$c" create -f "$DIR/$c/nodes.json" >"$DIR/logs/$c-nodes.log" 2>&1 ||
    fail "could not create the nodes of $c" "$c-nodes"
  wait_for "every node of $c Ready" "$c-kwok" nodes_ready "$c"
  wait_for "the default ServiceAccount in $c (controller-manager)" "$c-controller-manager" \
    kc "$c" get serviceaccount default -n default
  "$BIN/fleetctl" probe --config "$CONFIG" --cluster "$c" >"$DIR/$c/probe.json"
  if [ ! -s "$DIR/$c/probe.json" ]; then
    fleet_say "$c: nodes Ready (no accelerator, no probe)"
    return 0
  fi
  kc "$c" apply -f "$DIR/$c/probe.json" >"$DIR/logs/$c-probe.log" 2>&1 ||
    fail "could not create the probe Deployment in $c" "$c-probe"
  wait_for "the GPU probe pod Running in $c" "$c-scheduler" probe_running "$c"
  node=$(kc "$c" get pods -n default -l app=fleet-probe -o jsonpath='{.items[0].spec.nodeName}')
  # The probe holds a GPU; free it so tests see every accelerator unallocated.
  kc "$c" delete -f "$DIR/$c/probe.json" --wait=false >/dev/null
  fleet_say "$c: nodes Ready, GPU probe pod Running on $node after $((SECONDS - START)) s"
}

for c in $CLUSTERS; do
  wait_for "$c apiserver /readyz" "$c-apiserver" \
    curl -sf --cacert "$DIR/$c/pki/ca.crt" --cert "$DIR/$c/pki/admin.crt" --key "$DIR/$c/pki/admin.key" \
    "https://127.0.0.1:${API_PORT[$c]}/readyz"
  start_cluster_components "$c"
done
fleet_say "apiservers ready after $((SECONDS - START)) s"

declare -A SETTLE
for c in $CLUSTERS; do
  settle_cluster "$c" &
  SETTLE[$c]=$!
done
settle_failed=""
for c in $CLUSTERS; do
  wait "${SETTLE[$c]}" || settle_failed+=" $c"
done
[ -z "$settle_failed" ] || {
  fleet_say "error: not usable:$settle_failed"
  exit 1
}

if dead=$(first_dead); then
  fail "$dead exited" "$dead"
fi

{
  echo "FLEET_DIR=$DIR"
  echo "FLEET_BIN=$BIN"
  echo "FLEET_CLUSTERS=\"$(echo $CLUSTERS)\""
  echo "FLEET_ETCD_PORT=$ETCD_PORT"
  echo "FLEET_ETCD_PEER_PORT=$ETCD_PEER_PORT"
  for c in $CLUSTERS; do
    echo "FLEET_PORT_$(echo "$c" | tr 'a-z-' 'A-Z_')=${API_PORT[$c]}"
  done
  echo "KUBECONFIG=$DIR/kubeconfig"
} >"$DIR/env"
echo running >"$DIR/state"
fleet_say "up in $((SECONDS - START)) s: $(for c in $CLUSTERS; do printf '%s=https://127.0.0.1:%s ' "$c" "${API_PORT[$c]}"; done)"
echo "export KUBECONFIG=$DIR/kubeconfig"
