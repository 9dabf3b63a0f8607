#!/usr/bin/env bash
# Sets everything up by itself and runs the operator on a simulated hybrid fleet: dependencies
# and build (scripts/setup.sh), the fleet's tools (e2e/tools/install.sh), a fleet in
# $FLEET_DIR (default /tmp/hybridai-demo), the CRDs, one kubeconfig Secret per member, the
# samples of manifests/samples/, and the operator against the hub. Waits until every workload
# is Running, Succeeded, or Pending for a reason the operator states (one sample cannot fit on
# purpose), says so, prints what runs where, and leaves the fleet and the operator running.
#
#   scripts/demo.sh            set up and run (again: reuses a running fleet and operator)
#   scripts/demo.sh --down     stop the operator and the fleet, remove $FLEET_DIR
#   scripts/demo.sh --plan     only the offline planner: kubectl-hybrid plan -f manifests/samples/
#
# Environment: FLEET_DIR, BUILD_DIR (default build), DEMO_TIMEOUT (seconds to wait, default 180),
# HYBRIDAI_OPERATOR_BIN (an operator binary built elsewhere: skips scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FLEET_DIR=${FLEET_DIR:-/tmp/hybridai-demo}
BUILD_DIR=${BUILD_DIR:-build}
TIMEOUT=${DEMO_TIMEOUT:-180}
OPERATOR_PID=$FLEET_DIR/operator.pid
OPERATOR_LOG=$FLEET_DIR/logs/hybrid-operator.log
# fleet cluster -> the sample MemberCluster it plays (gcp-us is the hub itself: no Secret)
MEMBERS=(cloud:aws-eu onprem:dc-paris edge:edge-lyon)

say() { echo "demo: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}

operator_running() {
  local pid
  pid=$(cat "$OPERATOR_PID" 2>/dev/null) || return 1
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "hybrid-operator.*$FLEET_DIR/"
}

down() {
  if operator_running; then
    local pid i
    pid=$(cat "$OPERATOR_PID")
    say "stopping the operator (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$OPERATOR_PID"
  e2e/fleet/down.sh --dir "$FLEET_DIR"
}

case "${1:-}" in
--down)
  down
  exit 0
  ;;
--plan)
  shift
  scripts/setup.sh >&2
  exec "$BUILD_DIR/bin/kubectl-hybrid" plan -f manifests/samples/ "$@"
  ;;
-h | --help)
  awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"
  exit 0
  ;;
"") ;;
*) die "unknown argument $1 (try --help)" ;;
esac

if [ -n "${HYBRIDAI_OPERATOR_BIN:-}" ]; then
  say "1/7 using the operator $HYBRIDAI_OPERATOR_BIN (no build)"
  OPERATOR=$HYBRIDAI_OPERATOR_BIN
else
  say "1/7 dependencies and build (scripts/setup.sh; log in ${TMPDIR:-/tmp}/hybridai-demo-setup.log)"
  BUILD_DIR=$BUILD_DIR scripts/setup.sh >"${TMPDIR:-/tmp}/hybridai-demo-setup.log" 2>&1 ||
    die "scripts/setup.sh failed; see ${TMPDIR:-/tmp}/hybridai-demo-setup.log"
  OPERATOR=$ROOT/$BUILD_DIR/bin/hybrid-operator
fi
[ -x "$OPERATOR" ] || die "$OPERATOR was not built"

say "2/7 test fleet tools (e2e/tools/install.sh; the first run builds them, 10-20 min)"
BIN=$(e2e/tools/install.sh | tail -1)
[ -x "$BIN/kubectl" ] || die "e2e/tools/install.sh gave no usable bin dir"
export PATH="$BIN:$PATH"

say "3/7 fleet in $FLEET_DIR (hub, cloud, onprem, edge)"
FLEET_DIR=$FLEET_DIR e2e/fleet/up.sh --dir "$FLEET_DIR" >/dev/null
export KUBECONFIG=$FLEET_DIR/kubeconfig
k() { kubectl --context "$@"; }

say "4/7 CRDs"
k hub apply --server-side --force-conflicts -f crds/ >/dev/null
# kubectl wait fails at once, not after its timeout, while a new CRD has no conditions yet.
for i in $(seq 1 60); do
  k hub wait --for condition=Established --timeout=5s crd/memberclusters.hybridai.io \
    crd/gpupools.hybridai.io crd/aiworkloads.hybridai.io crd/budgets.hybridai.io >/dev/null 2>&1 && break
  [ "$i" = 60 ] && die "the hybridai CRDs were not Established"
  sleep 0.5
done
for _ in $(seq 1 60); do
  k hub get mc,gp,aiw -A >/dev/null 2>&1 && break
  sleep 0.5
done

say "5/7 member kubeconfig Secrets and samples"
k hub apply -f manifests/samples/00-namespaces.yaml >/dev/null
for pair in "${MEMBERS[@]}"; do
  cluster=${pair%%:*} member=${pair#*:}
  k hub create secret generic "$member" -n hybrid-system \
    --from-file=kubeconfig="$FLEET_DIR/$cluster.kubeconfig" --dry-run=client -o yaml |
    k hub apply -f - >/dev/null
done
k hub apply -f manifests/samples/ -f manifests/demo/ >/dev/null

say "6/7 operator against the hub (log: $OPERATOR_LOG)"
if operator_running; then
  say "operator already running (pid $(cat "$OPERATOR_PID"))"
else
  ports=$("$BIN/fleetctl" ports 2 | tr '\n' ' ')
  read -r probe_port metrics_port <<<"$ports"
  mkdir -p "$(dirname "$OPERATOR_LOG")"
  setsid "$OPERATOR" --kubeconfig "$FLEET_DIR/kubeconfig" --context hub --leader-elect \
    --health-probe-bind-address "127.0.0.1:$probe_port" \
    --metrics-bind-address "127.0.0.1:$metrics_port" --cluster-probe 10 \
    </dev/null >>"$OPERATOR_LOG" 2>&1 &
  echo $! >"$OPERATOR_PID"
  echo "$probe_port $metrics_port" >"$FLEET_DIR/operator.ports"
fi
read -r probe_port metrics_port <"$FLEET_DIR/operator.ports"

say "7/7 waiting until every workload runs, has succeeded, or is Pending for a stated reason (up to $TIMEOUT s)"
# Settled: Running, Succeeded, or Pending with the operator's reason in its Placed condition (the
# samples include a workload that cannot fit on purpose). Placed and the rest are still moving.
settled_filter='.items[] | . as $w | (.status.phase // "New") as $p
  | ([.status.conditions[]? | select(.type == "Placed" and .status == "False" and (.reason // "") != "")] | first) as $c
  | {name: "\(.metadata.namespace)/\(.metadata.name)", phase: $p,
     settled: ($p == "Running" or $p == "Succeeded" or ($p == "Pending" and $c != null)),
     why: (if $c then "\($c.reason): \($c.message)" else "" end)}'
deadline=$((SECONDS + TIMEOUT))
settled=0
while :; do
  operator_running || {
    tail -n 20 "$OPERATOR_LOG" >&2
    die "the operator exited"
  }
  states=$(k hub get aiw -A -o json | jq -c "$settled_filter")
  summary=$(jq -r .phase <<<"$states" | sort | uniq -c | xargs)
  if [ -n "$states" ] && [ "$(jq -s 'all(.settled)' <<<"$states")" = true ]; then
    settled=1
    break
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "not every workload settled after $TIMEOUT s ($summary); still moving:"
    jq -r 'select(.settled | not) | "  \(.name): \(.phase)"' <<<"$states" >&2
    break
  fi
  sleep 2
done
if [ "$settled" = 1 ]; then
  say "every workload settled after $((SECONDS - deadline + TIMEOUT)) s: ${summary:-none}"
  pending=$(jq -r 'select(.phase == "Pending") | "  \(.name): \(.why)"' <<<"$states")
  [ -z "$pending" ] || say "Pending, each for the reason the operator states:
$pending"
fi

echo
k hub get mc,gp,aiw -A
echo
for c in hub cloud onprem edge; do
  echo "== Deployments and Jobs made by the operator in $c =="
  k "$c" get deployments,jobs -A -l app.kubernetes.io/managed-by=hybrid-operator \
    -L hybridai.io/pool,team 2>/dev/null || true
  echo
done
cat <<EOF
The fleet and the operator keep running:
  export KUBECONFIG=$KUBECONFIG PATH=$BIN:\$PATH
  kubectl --context hub get aiw -A                    # workloads, placements, cost, power
  kubectl --context onprem get pods -A -o wide        # what runs in a member
  tail -f $OPERATOR_LOG
  curl -s 127.0.0.1:$metrics_port/metrics | grep reconcile_total
Stop everything: scripts/demo.sh --down
EOF
