#!/usr/bin/env bash
# Burst to the cloud and come back, on the test fleet: with placement tiers [OnPrem], [Cloud]
# and failback WhenRoomReturns, a 6-replica H100 workload runs 2 on-prem and 4 in the cloud
# while the on-prem pool (dc-paris-h100, 16 GPUs) is nearly full; once the pool is freed it
# comes home after failback.afterSeconds, make-before-break: at every poll during the move the
# ready replicas across the members are at least spec.replicas. Then the on-prem member's
# apiserver is frozen (SIGSTOP): the workload fails over to the cloud, and when the member
# returns it ends back home, again without dipping below spec.replicas. The member gets its
# apiserver back at the end whatever happens.
source "$(dirname "$0")/../fleet/testlib.sh"
source "$(dirname "$0")/lib/operator.sh"
source "$T_ROOT/e2e/fleet/lib.sh"
op_setup
L=$OP_WATCH_LIMIT
NS=$OP_NS
AFTER=15

# wl NAME REPLICAS PRIORITY PLACEMENT: an H100 Inference workload.
wl() {
  cat <<YAML
apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: $1, namespace: $NS}
spec:
  type: Inference
  replicas: $2
  priority: $3
  accelerators: {count: 1, vendors: [NVIDIA], models: [H100]}
  placement: $4
  redundancy: {mode: None, failoverAfterSeconds: 10}
  tags: {team: e2e, costCenter: cc-e2e}
  template:
    metadata: {labels: {app: $1}}
    spec:
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
YAML
}
TIERS="{tiers: [{locations: [OnPrem]}, {locations: [Cloud]}], failback: {mode: WhenRoomReturns, afterSeconds: $AFTER}}"
field() { op_jsonpath hub "aiworkload/$1" "$NS" "$2"; }
placements() { field "$1" '{range .status.placements[*]}{.cluster}/{.replicas}/{.tier} {end}'; }
placed_on() { [ "$(placements "$1")" = "$2" ]; }
phase_is() { [ "$(field "$1" '{.status.phase}')" = "$2" ]; }
# Ready replicas of the workload's Deployments in one member ("" when it does not answer).
member_ready() {
  local out
  out=$(kubectl --context "$1" --request-timeout=3s get deployments -n "$NS" -l "hybridai.io/workload=$2" \
    -o jsonpath='{range .items[*]}{.status.readyReplicas}{" "}{end}' 2>/dev/null) || return 1
  local n sum=0
  for n in $out; do sum=$((sum + n)); done
  echo "$sum"
}
member_objects() {
  kubectl --context "$1" --request-timeout=3s get deployments -n "$NS" -l "hybridai.io/workload=$2" -o name 2>/dev/null
}
no_member_objects() { [ -z "$(member_objects "$@")" ]; }
events_of() {
  t_kubectl hub get events -n "$NS" --field-selector "reason=$1" -o jsonpath='{range .items[*]}{.message}{"\n"}{end}'
}

# watch_ready NAME OUT MEMBERS...: polls the members every 0.5 s and appends "total" per poll
# to OUT (a poll where a member does not answer is written as "dark").
WATCH_PID=""
watch_ready() {
  local name=$1 out=$2
  shift 2
  (
    while :; do
      local total=0 c r ok=1
      for c in "$@"; do
        if r=$(member_ready "$c" "$name"); then total=$((total + r)); else ok=0; fi
      done
      if [ "$ok" = 1 ]; then echo "$total" >>"$out"; else echo dark >>"$out"; fi
      sleep 0.5
    done
  ) </dev/null >/dev/null 2>&1 &
  WATCH_PID=$!
}
stop_watch() {
  [ -n "$WATCH_PID" ] || return 0
  kill "$WATCH_PID" 2>/dev/null || true
  wait "$WATCH_PID" 2>/dev/null || true
  WATCH_PID=""
}
t_on_exit stop_watch
# min_of FILE: the smallest answered poll, and how many polls there were.
min_of() { awk '$1 != "dark" { n++; if (min == "" || $1 < min) min = $1 } END { print (min == "" ? -1 : min), n + 0 }' "$1"; }

api_pid() { cat "$FLEET_DIR/pids/$1-apiserver.pid"; }
restore_onprem() {
  local pid i
  pid=$(api_pid onprem 2>/dev/null) || return 0
  kill -CONT "$pid" 2>/dev/null || true
  if ! fleet_pid_alive "$FLEET_DIR" onprem-apiserver; then fleet_relaunch "$FLEET_DIR" onprem-apiserver || true; fi
  for i in $(seq 1 120); do
    kubectl --context onprem get --raw /readyz >/dev/null 2>&1 && return 0
    sleep 0.5
  done
}
t_on_exit restore_onprem

op_start main

# ---- 1: overflow -----------------------------------------------------------------------------
# The on-prem H100 pool nearly full: a higher-priority workload pinned there takes 14 of 16.
wl filler 14 100 "{locations: [OnPrem]}" | t_kubectl hub apply -f - >/dev/null || t_fail "apply filler"
t_eventually "$L" "filler Running on dc-paris" phase_is filler Running
wl chat 6 0 "$TIERS" | t_kubectl hub apply -f - >/dev/null || t_fail "apply chat"
t_eventually "$L" "chat split 2 on-prem (tier 0), 4 cloud (tier 1)" placed_on chat "aws-eu/4/1 dc-paris/2/0 "
t_eventually "$L" "chat Running" phase_is chat Running
t_eventually "$L" "6 ready across members" bash -c "[ \"\$(kubectl --context onprem get deploy -n $NS -l hybridai.io/workload=chat -o jsonpath='{.items[0].status.readyReplicas}')\" = 2 ] && [ \"\$(kubectl --context cloud get deploy -n $NS -l hybridai.io/workload=chat -o jsonpath='{.items[0].status.readyReplicas}')\" = 4 ]"
t_pass "overflow: 2 replicas on-prem, 4 in the cloud, each placement with its tier"

# ---- 2: failback when room returns, make-before-break ----------------------------------------
POLLS=$(mktemp "/tmp/hybridai-failback.XXXXXX")
t_on_exit "rm -f '$POLLS'"
watch_ready chat "$POLLS" onprem cloud
t0=$SECONDS
t_kubectl hub delete aiw -n "$NS" filler --wait=false >/dev/null
t_eventually "$L" "filler gone" bash -c "[ -z \"\$(kubectl --context hub get aiw -n $NS filler -o name --ignore-not-found)\" ]"
t_eventually $((L + AFTER)) "chat back home: 6 on dc-paris" placed_on chat "dc-paris/6/0 "
took=$((SECONDS - t0))
[ "$took" -ge "$AFTER" ] || t_fail "failback after $took s, before afterSeconds ($AFTER)"
t_eventually "$L" "the cloud copy removed once home is ready" no_member_objects cloud chat
t_eventually "$L" "chat Running at home" phase_is chat Running
sleep 1
stop_watch
read -r min polls < <(min_of "$POLLS")
t_log "failback: home $took s after the room appeared (afterSeconds $AFTER); ready across members at $polls polls never below $min (load average $(cut -d' ' -f1-3 /proc/loadavg))"
[ "$polls" -ge 5 ] || t_fail "too few polls ($polls) to judge the move"
[ "$min" -ge 6 ] || t_fail "ready replicas across members dipped to $min during the failback (< 6)"
t_contains "$(events_of Failback)" "a more preferred tier had room" "Failback event"
t_contains "$(events_of Moving)" "keeps serving until the new placements are ready" "Moving event"
t_contains "$(events_of Moved)" "removed aws-eu/aws-h100 x4" "Moved event"
t_equals "$(field chat '{.status.conditions[?(@.type=="Moving")].status}')" False "Moving condition after the move"
t_pass "failback after afterSeconds, make-before-break: ready across members >= 6 at every poll ($polls polls)"

# ---- 3: the on-prem member is lost and returns ----------------------------------------------
fleet_save_argv "$FLEET_DIR" onprem-apiserver || t_fail "cannot record the onprem-apiserver command line"
kill -STOP "$(api_pid onprem)"
t_eventually 120 "chat failed over to the cloud" placed_on chat "aws-eu/6/1 "
t_eventually "$L" "6 ready in the cloud" bash -c "[ \"\$(kubectl --context cloud get deploy -n $NS -l hybridai.io/workload=chat -o jsonpath='{.items[0].status.readyReplicas}')\" = 6 ]"
: >"$POLLS"
kill -CONT "$(api_pid onprem)"
t0=$SECONDS
t_eventually 120 "dc-paris Ready again" bash -c "[ \"\$(kubectl --context hub get mc dc-paris -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
watch_ready chat "$POLLS" onprem cloud
t_eventually $((L + AFTER)) "chat back home after the member returned" placed_on chat "dc-paris/6/0 "
t_eventually "$L" "the cloud copy removed once home is ready" no_member_objects cloud chat
t_eventually "$L" "6 ready at home" bash -c "[ \"\$(kubectl --context onprem get deploy -n $NS -l hybridai.io/workload=chat -o jsonpath='{.items[0].status.readyReplicas}')\" = 6 ]"
stop_watch
read -r min polls < <(min_of "$POLLS")
t_log "return: home $((SECONDS - t0)) s after the onprem apiserver came back; ready across members at $polls polls never below $min"
[ "$min" -ge 6 ] || t_fail "ready replicas across members dipped to $min while coming home (< 6)"
t_pass "member lost (SIGSTOP) and returned: failed over to the cloud, back home after afterSeconds without a dip"

t_kubectl hub delete aiw -n "$NS" chat --wait=false >/dev/null
t_eventually "$L" "chat gone" bash -c "[ -z \"\$(kubectl --context hub get aiw -n $NS -o name)\" ]"
t_eventually "$L" "no member copies left" bash -c "[ -z \"\$(kubectl --context onprem get deploy -n $NS -o name)\$(kubectl --context cloud get deploy -n $NS -o name)\" ]"
OP_PASSED=1
