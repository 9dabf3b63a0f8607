#!/usr/bin/env bash
# The fleet scheduler end to end on the test fleet: a high-priority workload in one namespace
# wins a contended pool over a low-priority one in another (in one file, and by preempting it
# when it comes later), the preempted one says so and comes back when room appears; a finished
# Job's GPUs are reused at once; a member whose kube-apiserver is killed (SIGKILL) or frozen
# (SIGSTOP, a partition) loses its workloads to other members after failoverAfterSeconds, with
# status naming where they run and an ActivePassive standby promoted, and its stale copies are
# deleted when it returns; a NoExecute taint on a MemberCluster evacuates it; and none of the
# members' credentials ever reaches the operator's log.
# The edge pool (edge-lyon-l4, 4 L4 GPUs, the lowest latency) is the contended one; the hub's
# gcp-l4 (Cloud) is where edge workloads go when edge is lost (SIGKILL), and aws-h100 where
# on-prem H100 workloads go when onprem is frozen (SIGSTOP). Each member gets its apiserver back
# at the end whatever happens.
source "$(dirname "$0")/../fleet/testlib.sh"
source "$(dirname "$0")/lib/operator.sh"
source "$T_ROOT/e2e/fleet/lib.sh"
op_setup
L=$OP_WATCH_LIMIT
NS_A=$OP_NS
op_namespace
NS_B=$OP_NS

# wl NS NAME TYPE REPLICAS PRIORITY PLACEMENT [EXTRA-SPEC-YAML]: an L4 workload.
wl() {
  local ns=$1 name=$2 type=$3 replicas=$4 priority=$5 placement=$6 extra=${7:-}
  cat <<EOF
---
apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: $name, namespace: $ns}
spec:
  type: $type
  replicas: $replicas
  priority: $priority
  accelerators: {count: 1, vendors: [NVIDIA], models: [L4]}
  placement: $placement
  tags: {team: e2e, costCenter: cc-e2e}
  $extra
  template:
    metadata: {labels: {app: $name}}
    spec:
      restartPolicy: $([ "$type" = Inference ] && echo Always || echo Never)
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
EOF
}
apply() { t_kubectl hub apply -f - >/dev/null || t_fail "kubectl apply"; }
field() { op_jsonpath hub "aiworkload/$2" "$1" "$3"; }
phase_is() { [ "$(field "$1" "$2" '{.status.phase}')" = "$3" ]; }
placements() { field "$1" "$2" '{range .status.placements[*]}{.cluster}/{.replicas}/{.role} {end}'; }
placed_on() { [ "$(placements "$1" "$2")" = "$3" ]; }
member_objects() {
  t_kubectl "$1" get deployments,jobs -n "$2" -l "hybridai.io/workload=$3" -o name 2>/dev/null
}
no_member_objects() { [ -z "$(member_objects "$@")" ]; }
ap_on_hub() { [ -n "$(member_objects hub "$NS_A" ap)" ]; }
mc_ready() {
  [ "$(t_kubectl hub get mc "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = "$2" ]
}
delete_all() {
  local ns
  for ns in "$NS_A" "$NS_B"; do t_kubectl hub delete aiw --all -n "$ns" --wait=false >/dev/null 2>&1 || true; done
  for ns in "$NS_A" "$NS_B"; do
    t_eventually "$L" "workloads of $ns gone" bash -c "[ -z \"\$(kubectl --context hub get aiw -n $ns -o name)\" ]"
  done
}
EDGE_ONLY="{locations: [Edge]}"

# ---- 1: priority across namespaces, and preemption -----------------------------------------
scenario_priority() {
  # Both in one file, the low one first: the high one is decided first all the same.
  { wl "$NS_A" low Inference 3 0 "$EDGE_ONLY"; wl "$NS_B" high Inference 3 100 "$EDGE_ONLY"; } | apply
  t_eventually "$L" "high Running on edge" phase_is "$NS_B" high Running
  t_eventually "$L" "low Pending" phase_is "$NS_A" low Pending
  t_equals "$(placements "$NS_B" high)" "edge-lyon/3/Active " "high placements"
  delete_all

  # The low one first, alone: it runs; the high one comes later and preempts it.
  wl "$NS_A" low Inference 3 0 "$EDGE_ONLY" | apply
  t_eventually "$L" "low Running" phase_is "$NS_A" low Running
  wl "$NS_B" high Inference 3 100 "$EDGE_ONLY" | apply
  t_eventually "$L" "high Running after preempting low" phase_is "$NS_B" high Running
  t_eventually "$L" "low Pending, Preempted" bash -c \
    "kubectl --context hub get aiw -n $NS_A low -o jsonpath='{.status.conditions[?(@.type==\"Placed\")].reason}' | grep -qx Preempted"
  t_contains "$(op_condition "$NS_A" low Placed)" "preempted by $NS_B/high (priority 100)" "Placed condition of low"
  t_eventually "$L" "Preempted event on low" bash -c \
    "kubectl --context hub get events -n $NS_A --field-selector reason=Preempted -o jsonpath='{.items[*].message}' | grep -q '$NS_B/high'"
  t_eventually "$L" "low's Deployment gone from edge" no_member_objects edge "$NS_A" low
  # A workload that may not preempt waits.
  wl "$NS_B" polite Inference 3 200 "$EDGE_ONLY" "preemptionPolicy: Never" | apply
  t_eventually "$L" "polite Pending" phase_is "$NS_B" polite Pending
  t_equals "$(field "$NS_B" high '{.status.phase}')" Running "high still Running beside a polite one"
  t_kubectl hub delete aiw -n "$NS_B" polite >/dev/null

  # Room appears: the preempted one comes back by itself.
  t_kubectl hub delete aiw -n "$NS_B" high >/dev/null
  t_eventually "$L" "low Running again" phase_is "$NS_A" low Running
  delete_all
  t_pass "priority across namespaces wins in one apply and by preemption; Preempted reason and event; Never waits; the victim returns"
}

# ---- 2: a finished Job's GPUs are reused -----------------------------------------------------
scenario_finished_job() {
  wl "$NS_A" first Batch 4 0 "$EDGE_ONLY" | apply
  t_eventually "$L" "first placed on edge" placed_on "$NS_A" first "edge-lyon/4/Active "
  wl "$NS_A" second Batch 2 0 "$EDGE_ONLY" | apply
  t_eventually "$L" "first Succeeded" phase_is "$NS_A" first Succeeded
  t_eventually "$L" "second placed once first finished" placed_on "$NS_A" second "edge-lyon/2/Active "
  t_eventually "$L" "edge-lyon-l4 allocated follows the ledger" bash -c \
    "[ \"\$(kubectl --context hub get gp edge-lyon-l4 -o jsonpath='{.status.allocated.accelerators}')\" -le 2 ]"
  t_equals "$(field "$NS_A" first '{.status.cost.hourly}')" 0.00 "a finished Job costs nothing per hour"
  delete_all
  t_pass "a Succeeded Job releases its GPUs at once; the next Job takes them"
}

# ---- 3 and 4: member loss (SIGKILL of edge, SIGSTOP of onprem), and its return ----------------
api_pid() { cat "$FLEET_DIR/pids/$1-apiserver.pid"; }
# Whatever happens, the shared fleet gets its member apiservers back.
restore_member() {
  local ctx=$1 pid i
  pid=$(api_pid "$ctx" 2>/dev/null) || return 0
  kill -CONT "$pid" 2>/dev/null || true
  if ! fleet_pid_alive "$FLEET_DIR" "$ctx-apiserver"; then
    fleet_relaunch "$FLEET_DIR" "$ctx-apiserver" || true
  fi
  for i in $(seq 1 120); do
    kubectl --context "$ctx" get --raw /readyz >/dev/null 2>&1 && return 0
    sleep 0.5
  done
}
t_on_exit "restore_member edge"
t_on_exit "restore_member onprem"

# loss_and_return SIGNAL CONTEXT MEMBER FALLBACK PLACEMENT ACCELERATORS
loss_and_return() {
  local how=$1 ctx=$2 mc=$3 fallback=$4 placement=$5 acc=$6 t0 took
  local fo="redundancy: {mode: None, failoverAfterSeconds: 10}"
  local ap="redundancy: {mode: ActivePassive, topologyKey: Cluster, minDomains: 2, failoverAfterSeconds: 10}"
  { wl "$NS_A" fo Inference 2 0 "$placement" "$fo" | sed "s/models: \[L4\]/models: [$acc]/"
    wl "$NS_A" ap Inference 1 0 "$placement" "$ap" | sed "s/models: \[L4\]/models: [$acc]/"; } | apply
  t_eventually "$L" "fo placed on $mc" placed_on "$NS_A" fo "$mc/2/Active "
  t_eventually "$L" "ap active on $mc, standby on $fallback" placed_on "$NS_A" ap "$mc/1/Active $fallback/0/Standby "
  t_eventually "$L" "fo Running" phase_is "$NS_A" fo Running
  fleet_save_argv "$FLEET_DIR" "$ctx-apiserver" || t_fail "cannot record the $ctx-apiserver command line"
  t0=$SECONDS
  case $how in
  SIGKILL) kill -KILL "$(api_pid "$ctx")" ;;
  SIGSTOP) kill -STOP "$(api_pid "$ctx")" ;;
  esac
  t_eventually 120 "fo Running on $fallback" bash -c \
    "[ \"\$(kubectl --context hub get aiw -n $NS_A fo -o jsonpath='{range .status.placements[*]}{.cluster}/{.role} {end}{.status.phase}')\" = '$fallback/Active Running' ]"
  took=$((SECONDS - t0))
  t_log "$how: fo Running on $fallback $took s after the $ctx apiserver went dark (failoverAfterSeconds 10; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  t_eventually 60 "ap standby promoted on $fallback" bash -c \
    "kubectl --context hub get aiw -n $NS_A ap -o jsonpath='{range .status.placements[*]}{.cluster}/{.replicas}/{.role} {end}' | grep -q '$fallback/1/Active'"
  t_equals "$(field "$NS_A" fo '{.status.clusters}')" "$fallback" "fo status.clusters while $mc is dark"

  case $how in
  SIGKILL) fleet_relaunch "$FLEET_DIR" "$ctx-apiserver" || t_fail "fleet_relaunch $ctx-apiserver" ;;
  SIGSTOP) kill -CONT "$(api_pid "$ctx")" ;;
  esac
  t0=$SECONDS
  t_eventually 120 "$mc Ready again" mc_ready "$mc" True
  t_eventually 60 "fo's stale copy deleted from $ctx" no_member_objects "$ctx" "$NS_A" fo
  t_log "$how: stale copies gone $((SECONDS - t0)) s after the $ctx apiserver came back"
  t_equals "$(placements "$NS_A" fo)" "$fallback/2/Active " "fo stays where it runs (stable)"
  # The member is back: ap keeps its promoted active and finds a standby again (the returned
  # member is the only other domain), whose copy there runs no replica.
  t_eventually 60 "ap active on $fallback with a standby on $mc again" placed_on "$NS_A" ap \
    "$fallback/1/Active $mc/0/Standby "
  t_eventually 60 "ap's copy in $ctx is a standby (replicas 0)" bash -c \
    "[ \"\$(kubectl --context $ctx get deployments -n $NS_A -l hybridai.io/workload=ap -o jsonpath='{.items[*].spec.replicas}')\" = 0 ]"
  delete_all
  t_pass "$how of a member apiserver: moved in $took s, status truthful, standby promoted, stale copies deleted on return"
}

# ---- 5: a NoExecute taint evacuates a member --------------------------------------------------
scenario_taint() {
  wl "$NS_A" evac Inference 1 0 "{locations: [Edge, Cloud], objective: Latency}" | apply
  t_eventually "$L" "evac on edge" placed_on "$NS_A" evac "edge-lyon/1/Active "
  t_kubectl hub patch mc edge-lyon --type=merge -p '{"spec":{"taints":[{"key":"maintenance","effect":"NoExecute"}]}}' >/dev/null
  t_on_exit "kubectl --context hub patch mc edge-lyon --type=json -p '[{\"op\":\"remove\",\"path\":\"/spec/taints\"}]' >/dev/null 2>&1"
  t_eventually "$L" "evac moved to gcp-us" placed_on "$NS_A" evac "gcp-us/1/Active "
  t_eventually "$L" "evac's copy gone from edge" no_member_objects edge "$NS_A" evac
  t_kubectl hub patch mc edge-lyon --type=json -p '[{"op":"remove","path":"/spec/taints"}]' >/dev/null
  delete_all
  t_pass "a NoExecute taint evacuates the member"
}

# ---- 6: no secret in the logs ----------------------------------------------------------------
# The operator read every member's kubeconfig (client key and certificate data, CA) from its
# Secret and talked to them through kills and freezes: none of that material, base64 or decoded,
# may appear in its log.
scenario_no_secrets_in_logs() {
  local kc field value pem line leaked=0 checked=0
  for kc in "$FLEET_DIR"/*.kubeconfig "$FLEET_DIR/kubeconfig"; do
    for field in client-key-data client-certificate-data token; do
      while read -r value; do
        [ -n "$value" ] || continue
        checked=$((checked + 1))
        if grep -qF -- "$value" "${OP_LOG[@]}"; then leaked=1; t_log "found $field of $kc in the log"; fi
        pem=$(base64 -d <<<"$value" 2>/dev/null) || continue
        # Every line of key material inside the PEM (not the BEGIN/END markers).
        while read -r line; do
          [ "${#line}" -ge 40 ] || continue
          if grep -qF -- "$line" "${OP_LOG[@]}"; then leaked=1; t_log "found decoded $field of $kc in the log"; fi
        done < <(grep -v -- '-----' <<<"$pem")
      done < <(awk -v f="$field:" '$1 == f {print $2}' "$kc")
    done
  done
  [ "$checked" -gt 0 ] || t_fail "no credentials found in the fleet's kubeconfigs to look for"
  [ "$leaked" = 0 ] || t_fail "credentials found in the operator's log"
  t_pass "none of $checked credentials (base64 or decoded) appears in the operator's log"
}

op_start main --leader-elect
scenario_priority
scenario_finished_job
loss_and_return SIGKILL edge edge-lyon gcp-us "{locations: [Edge, Cloud], objective: Latency}" L4
loss_and_return SIGSTOP onprem dc-paris aws-eu "{locations: [OnPrem, Cloud], spot: Never, objective: Cost}" H100
scenario_taint
scenario_no_secrets_in_logs
OP_PASSED=1
