#!/usr/bin/env bash
# Budgets over time on the test fleet, with limits small enough that a minute is enough:
# a Deny budget keeps a workload Pending (Placed and WithinBudget both False, naming the budget
# and the limit) and admits it by itself when the limit is raised; a Throttle budget scales the
# lowest-priority workload to zero (phase Throttled, its member Deployment at 0 replicas, a
# Batch gang arriving then gets its Job created suspended) and back up when room returns; a Warn budget only flags; every
# Budget.status shows usage that grows; `kubectl hybrid spend` agrees with the statuses; the
# operator's /metrics carries the team labels and every metric the Grafana dashboard uses.
# Workloads use the hub's gcp-a100 pool (16 A100s); limits are derived from the power the
# operator reports for one replica, so the test does not depend on the pool's prices.
source "$(dirname "$0")/../fleet/testlib.sh"
source "$(dirname "$0")/lib/operator.sh"
op_setup
L=$OP_WATCH_LIMIT
NS=$OP_NS
HYST=4

# wl NAME TEAM TYPE REPLICAS PRIORITY
wl() {
  local name=$1 team=$2 type=$3 replicas=$4 priority=$5
  cat <<EOF
---
apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: $name, namespace: $NS}
spec:
  type: $type
  replicas: $replicas
  priority: $priority
  accelerators: {count: 1, models: [A100]}
  tags: {team: $team, costCenter: cc-$team}
  template:
    metadata: {labels: {app: $name}}
    spec:
      restartPolicy: $([ "$type" = Inference ] && echo Always || echo Never)
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
EOF
}
# budget NAME TEAM ENFORCEMENT POWER-LIMIT
budget() {
  cat <<EOF
---
apiVersion: hybridai.io/v1alpha1
kind: Budget
metadata: {name: $1, namespace: $NS}
spec:
  selector: {tags: {team: $2}}
  period: Daily
  timeZone: Europe/Paris
  enforcement: $3
  limits: {powerWatts: $4, cost: "100000", energyKWh: "100000"}
EOF
}
apply() { t_kubectl hub apply -f - >/dev/null || t_fail "kubectl apply"; }
w() { op_jsonpath hub "aiworkload/$1" "$NS" "$2"; }
b() { op_jsonpath hub "budget/$1" "$NS" "$2"; }
phase_is() { [ "$(w "$1" '{.status.phase}')" = "$2" ]; }
cond() { op_condition "$NS" "$1" "$2"; }
cond_reason_is() { [ "$(cond "$1" "$2" | cut -d' ' -f1-2)" = "$3" ]; }
member_replicas() {
  t_kubectl hub get deployments -n "$NS" -l "hybridai.io/workload=$1" -o jsonpath='{.items[0].spec.replicas}' 2>/dev/null
}
member_replicas_are() { [ "$(member_replicas "$1")" = "$2" ]; }
job_suspended_is() {
  [ "$(t_kubectl hub get jobs -n "$NS" -l "hybridai.io/workload=$1" -o jsonpath='{.items[0].spec.suspend}' 2>/dev/null)" = "$2" ]
}
budget_cost_above_zero() {
  local c
  c=$(b "$1" '{.status.usage.cost}')
  [ -n "$c" ] && [ "$c" != "0.00" ] && [ "$c" != "0" ]
}

op_start main --accounting-interval 2 --throttle-hysteresis "$HYST"

# One replica's power, as the operator models it (A100 watts x the cluster's PUE).
wl probe probe Inference 1 0 | apply
t_eventually "$L" "probe Running" phase_is probe Running
P=$(w probe '{.status.energy.powerWatts}')
[ -n "$P" ] && [ "$P" -gt 0 ] || t_fail "no power reported for one replica: '$P'"
t_log "one A100 replica draws $P W"
t_kubectl hub delete aiw probe -n "$NS" --wait=true >/dev/null

# ---- Deny: a second workload does not fit; raising the limit admits it ----------------------
budget deny deny Deny "$P" | apply
wl d1 deny Inference 1 0 | apply
t_eventually "$L" "d1 Running within the Deny budget" phase_is d1 Running
wl d2 deny Inference 1 0 | apply
t_eventually "$L" "d2 refused by the Deny budget" cond_reason_is d2 WithinBudget "False BudgetWouldExceed"
phase_is d2 Pending || t_fail "d2 should be Pending, is $(w d2 '{.status.phase}')"
t_contains "$(cond d2 WithinBudget)" "$NS/deny powerWatts" "WithinBudget names the budget and the limit"
t_contains "$(cond d2 Placed)" "would exceed budget $NS/deny" "Placed says why"
[ -z "$(t_kubectl hub get deployments -n "$NS" -l hybridai.io/workload=d2 -o name)" ] ||
  t_fail "a refused workload has a member Deployment"
budget deny deny Deny $((2 * P)) | apply
t_eventually "$L" "d2 admitted once the limit is raised" phase_is d2 Running
t_eventually "$L" "d2 WithinBudget True" cond_reason_is d2 WithinBudget "True WithinBudget"

# Budget.status: the period in Europe/Paris, the rate, usage that grows, the workloads counted.
t_eventually "$L" "deny budget counts 2 workloads" bash -c "[ \"\$(kubectl --context hub get budget deny -n $NS -o jsonpath='{.status.workloads}')\" = 2 ]"
t_equals "$(b deny '{.status.rate.powerWatts}')" "$((2 * P))" "deny budget rate"
t_eventually "$L" "deny budget usage.cost grows above zero" budget_cost_above_zero deny
start=$(b deny '{.status.periodStart}')
case "$start" in
*T23:00:00Z | *T22:00:00Z) ;; # local midnight in Paris, as UTC
*) t_fail "periodStart $start is not a Paris midnight" ;;
esac

# ---- Throttle: the low-priority workload goes to zero and comes back ----------------------
budget thr thr Throttle $((5 * P)) | apply
wl high thr Inference 2 10 | apply
wl low thr Inference 2 0 | apply
t_eventually "$L" "high Running" phase_is high Running
t_eventually "$L" "low Running" phase_is low Running
# Room for high only: low (priority 0) loses both replicas, high keeps its own.
budget thr thr Throttle $((2 * P)) | apply
t_eventually "$L" "low Throttled" phase_is low Throttled
t_equals "$(w low '{.status.throttledReplicas}')" 2 "low throttledReplicas"
t_eventually "$L" "low's member Deployment at 0 replicas" member_replicas_are low 0
t_contains "$(cond low WithinBudget)" "Throttle budget $NS/thr" "WithinBudget names the budget"
t_eventually "$L" "a Throttled event for low" bash -c \
  "kubectl --context hub get events -n $NS --field-selector involvedObject.name=low,reason=Throttled -o name | grep -q ."
phase_is high Running || t_fail "high should still run, is $(w high '{.status.phase}')"
t_eventually "$L" "thr budget says 1 throttled" bash -c "[ \"\$(kubectl --context hub get budget thr -n $NS -o jsonpath='{.status.throttledWorkloads}')\" = 1 ]"
# A Batch gang (priority 5) that arrives now does not fit either: its Job is created suspended,
# whole, and high (priority 10) loses nothing.
wl gang thr Batch 2 5 | apply
t_eventually "$L" "gang Throttled" phase_is gang Throttled
t_eventually "$L" "gang's Job suspended" job_suspended_is gang true
t_equals "$(w gang '{.status.throttledReplicas}')" 2 "gang throttledReplicas"
phase_is high Running || t_fail "high should still run, is $(w high '{.status.phase}')"
# Room again: after the hysteresis, everything scales back up, highest priority first.
budget thr thr Throttle $((10 * P)) | apply
t_eventually "$L" "gang's Job resumed" job_suspended_is gang false
t_eventually "$L" "gang Succeeded once resumed" phase_is gang Succeeded
t_eventually "$L" "low's member Deployment back at 2" member_replicas_are low 2
t_eventually "$L" "low Running again" phase_is low Running
t_eventually "$L" "a ThrottleLifted event for low" bash -c \
  "kubectl --context hub get events -n $NS --field-selector involvedObject.name=low,reason=ThrottleLifted -o name | grep -q ."

# ---- Warn: flagged, nothing scaled or refused ----------------------------------------------
budget warn warn Warn 1 | apply
wl w1 warn Inference 1 0 | apply
t_eventually "$L" "w1 Running under a Warn budget" phase_is w1 Running
t_eventually "$L" "warn budget Exceeded" bash -c "[ \"\$(kubectl --context hub get budget warn -n $NS -o jsonpath='{.status.conditions[?(@.type==\"Exceeded\")].status}')\" = True ]"
t_eventually "$L" "w1 WithinBudget False: BudgetExceeded" cond_reason_is w1 WithinBudget "False BudgetExceeded"
t_equals "$(w w1 '{.status.throttledReplicas}')" "" "w1 not throttled"
t_eventually "$L" "a BudgetExceeded event" bash -c \
  "kubectl --context hub get events -n $NS --field-selector involvedObject.name=warn,reason=BudgetExceeded -o name | grep -q ."

# ---- kubectl hybrid spend agrees with the statuses -----------------------------------------
CLI="${HYBRIDAI_BUILD_DIR:-$T_ROOT/build}/bin/kubectl-hybrid"
[ -x "$CLI" ] || t_fail "no kubectl-hybrid at $CLI"
spend=$("$CLI" spend -n "$NS" -o json --kubeconfig "$FLEET_DIR/kubeconfig" --context hub) || t_fail "kubectl hybrid spend failed"
hourly_sum() {
  kubectl --context hub get aiw -n "$NS" -o json |
    jq -r --arg t "$1" '[.items[] | select(.spec.tags.team == $t) | (.status.cost.hourly | tonumber)] | add | . * 100 | round'
}
for team in deny thr warn; do
  got=$(jq -r --arg t "$team" '.groups[] | select(.team == $t) | (.hourlyCost | tonumber) * 100 | round' <<<"$spend")
  t_equals "$got" "$(hourly_sum "$team")" "spend hourly cost of team $team (cents)"
done
spent=$(jq -r '.budgets[] | select(.name == "deny") | .usage.cost | tonumber' <<<"$spend")
now=$(b deny '{.status.usage.cost}')
awk -v a="$spent" -v b="$now" 'BEGIN { exit !(a > 0 && a <= b) }' ||
  t_fail "spend shows budget deny usage $spent, the status then $now"
table=$("$CLI" spend -n "$NS" --kubeconfig "$FLEET_DIR/kubeconfig" --context hub) || t_fail "spend table"
t_contains "$table" "thr" "spend table lists team thr"

# ---- /metrics: team labels, and every metric the dashboard uses ---------------------------
metrics=$(op_get main /metrics) || t_fail "GET /metrics"
t_contains "$metrics" "hybridai_workload_hourly_cost{namespace=\"$NS\",workload=\"high\",type=\"Inference\",currency=\"USD\",team=\"thr\",cost_center=\"cc-thr\"}" "workload metric with team labels"
t_contains "$metrics" "hybridai_budget_power_watts_limit{namespace=\"$NS\",budget=\"thr\",enforcement=\"Throttle\",team=\"thr\"" "budget limit metric"
for m in $(grep -o 'hybridai_[a-z_]*' "$T_ROOT/manifests/grafana/hybridai-spend-dashboard.json" | sort -u); do
  grep -q "^$m{" <<<"$metrics" || t_fail "the dashboard uses $m, which /metrics does not have"
done

OP_PASSED=1
t_pass
