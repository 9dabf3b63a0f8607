#!/usr/bin/env bash
# The operator end to end on the test fleet: members registered from kubeconfig Secrets become
# Ready and their pools measured; an Inference AIWorkload becomes a pinned, labelled Deployment
# in the chosen member whose pods run on GPU nodes, with status and printer columns filled;
# scale and template edits reach the member; deletion cleans the member through the finalizer;
# kill -9 in the middle of a batch leaves no duplicate and loses nothing; leader election hands
# over on kill -9 and SIGTERM; impossible requests and missing Secrets are reported, not fatal.
source "$(dirname "$0")/../fleet/testlib.sh"
source "$(dirname "$0")/lib/operator.sh"
op_setup
NS=$OP_NS
L=$OP_WATCH_LIMIT

# aiw_apply NAME REPLICAS PLACEMENT-YAML [ACCELERATORS-YAML] [ENV-YAML]: an Inference workload
# in NS running a pause container.
aiw_apply() {
  local name=$1 replicas=$2 placement=$3 acc=${4:-"{count: 1, vendors: [NVIDIA]}"} env=${5:-"[]"}
  t_kubectl hub apply -n "$NS" -f - >/dev/null <<EOF || t_fail "apply AIWorkload $name"
apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: $name}
spec:
  type: Inference
  replicas: $replicas
  accelerators: $acc
  placement: $placement
  tags: {team: e2e, costCenter: cc-e2e}
  template:
    metadata: {labels: {app: $name}}
    spec:
      containers:
        - name: main
          image: registry.k8s.io/pause:3.10
          env: $env
EOF
}

aiw_field() { op_jsonpath hub "aiworkload/$2" "$1" "$3"; }
aiw_phase_is() { [ "$(aiw_field "$NS" "$1" '{.status.phase}')" = "$2" ]; }

# member_deployments CONTEXT NAME: the member Deployments the operator made for NS/NAME.
member_deployments() {
  t_kubectl "$1" get deployments -n "$NS" -l "hybridai.io/workload=$2,hybridai.io/workload-namespace=$NS" \
    -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' 2>/dev/null
}

# running_pods CONTEXT NAME: Running pods of NS/NAME in one cluster, as "pod node" lines.
running_pods() {
  t_kubectl "$1" get pods -n "$NS" -l "hybridai.io/workload=$2" --field-selector=status.phase=Running \
    -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName}{"\n"}{end}' 2>/dev/null
}
count_lines() { grep -c . <<<"$1" || true; }

# ---- 1: members and pools ----------------------------------------------------------------
scenario_members() {
  local mc c
  for mc in gcp-us aws-eu dc-paris edge-lyon; do
    t_eventually "$L" "MemberCluster $mc Ready" bash -c \
      "[ \"\$(kubectl --context hub get mc $mc -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
    t_equals "$(t_kubectl hub get mc "$mc" -o jsonpath='{.status.kubernetesVersion}')" v1.36.3 "$mc kubernetesVersion"
  done
  local pool want
  for pair in gcp-a100:16 gcp-l4:8 aws-h100:16 aws-a10g-spot:8 dc-paris-mi300x:16 dc-paris-h100:16 edge-lyon-l4:4; do
    pool=${pair%%:*} want=${pair#*:}
    t_eventually "$L" "GPUPool $pool measured $want accelerators on 2 ready nodes" bash -c \
      "[ \"\$(kubectl --context hub get gp $pool -o jsonpath='{.status.capacity.accelerators}/{.status.readyNodes}/{.status.conditions[?(@.type==\"Ready\")].status}')\" = '$want/2/True' ]"
  done
  t_pass "4 MemberClusters Ready (v1.36.3), 7 GPUPools measured from KWOK nodes"
}

# ---- 2: an Inference workload placed by cost ---------------------------------------------
scenario_place() {
  # 80 GiB NVIDIA off spot, cloud or on-prem: aws-h100 at 4.10/h or dc-paris-h100 at 2.20/h.
  aiw_apply chat 2 "{locations: [Cloud, OnPrem], spot: Never, objective: Cost}" \
    "{count: 1, vendors: [NVIDIA], minMemoryGiB: 80}"
  t_eventually "$L" "chat Running" aiw_phase_is chat Running
  local placements
  placements=$(aiw_field "$NS" chat '{range .status.placements[*]}{.cluster}/{.pool}/{.replicas}/{.role}{"\n"}{end}')
  t_equals "$placements" "dc-paris/dc-paris-h100/2/Active" "chat placements (cheapest 80 GiB pool)"
  local deps
  deps=$(member_deployments onprem chat)
  t_equals "$deps" chat-dc-paris-h100 "Deployments of chat in onprem"
  for c in hub cloud edge; do
    t_equals "$(member_deployments "$c" chat)" "" "Deployments of chat in $c"
  done
  local d
  d=$(t_kubectl onprem get deployment -n "$NS" chat-dc-paris-h100 -o json) || t_fail "get member Deployment"
  for kv in team=e2e costCenter=cc-e2e hybridai.io/workload=chat "hybridai.io/workload-namespace=$NS" \
    hybridai.io/cluster=dc-paris hybridai.io/pool=dc-paris-h100 app.kubernetes.io/managed-by=hybrid-operator; do
    t_equals "$(jq -r --arg k "${kv%%=*}" '.metadata.labels[$k]' <<<"$d")" "${kv#*=}" "Deployment label ${kv%%=*}"
    t_equals "$(jq -r --arg k "${kv%%=*}" '.spec.template.metadata.labels[$k] // "-"' <<<"$d")" "${kv#*=}" \
      "pod template label ${kv%%=*}"
  done
  t_equals "$(jq -r '.spec.template.spec.nodeSelector["node.kubernetes.io/instance-type"]' <<<"$d")" dgx-h100 "node selector"
  t_equals "$(jq -r '.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]' <<<"$d")" 1 "GPU limit"
  t_equals "$(jq -r '.spec.replicas' <<<"$d")" 2 "Deployment replicas"
  t_eventually "$L" "2 chat pods Running in onprem" bash -c \
    "[ \"\$(kubectl --context onprem get pods -n $NS -l hybridai.io/workload=chat --field-selector=status.phase=Running -o name | wc -l)\" = 2 ]"
  local node
  for node in $(running_pods onprem chat | awk '{print $2}'); do
    t_equals "$(t_kubectl onprem get node "$node" -o jsonpath='{.metadata.labels.node\.kubernetes\.io/instance-type}')" \
      dgx-h100 "node of a chat pod"
  done
  t_eventually "$L" "chat readyReplicas 2" bash -c \
    "[ \"\$(kubectl --context hub get aiw -n $NS chat -o jsonpath='{.status.readyReplicas}')\" = 2 ]"
  local w
  w=$(t_kubectl hub get aiw -n "$NS" chat -o json)
  t_equals "$(jq -r '.status.cost.hourly' <<<"$w")" 4.40 "cost.hourly (2 x 2.20)"
  t_equals "$(jq -r '.status.energy.powerWatts' <<<"$w")" 1960 "energy.powerWatts (2 x 700 W x PUE 1.4)"
  t_equals "$(jq -r '.status.observedGeneration' <<<"$w")" "$(jq -r '.metadata.generation' <<<"$w")" "observedGeneration"
  t_equals "$(jq -r '[.status.conditions[] | select(.type=="Placed" or .type=="Ready") | .status] | join(",")' <<<"$w")" \
    "True,True" "Placed and Ready conditions"
  t_contains "$(jq -r '.metadata.finalizers | join(",")' <<<"$w")" hybridai.io/member-cleanup "finalizer"
  local row
  row=$(t_kubectl hub get aiw -n "$NS" chat --no-headers)
  for col in Inference Running dc-paris 4.40 1960; do t_contains "$row" "$col" "kubectl get aiw columns"; done
  t_contains "$(t_kubectl hub get aiw -n "$NS" chat)" "COST/H" "kubectl get aiw headers"

  # Spot with tolerations: the spot pool's taint is tolerated by what the operator adds.
  aiw_apply batchy 1 "{locations: [Cloud], spot: Preferred, objective: Cost}"
  t_eventually "$L" "batchy Running" aiw_phase_is batchy Running
  d=$(t_kubectl cloud get deployment -n "$NS" -l hybridai.io/workload=batchy -o json)
  t_equals "$(jq -r '.items[0].metadata.labels["hybridai.io/pool"]' <<<"$d")" aws-a10g-spot "batchy pool"
  t_equals "$(jq -c '.items[0].spec.template.spec.tolerations' <<<"$d")" \
    '[{"effect":"NoSchedule","key":"hybridai.io/spot","operator":"Equal","value":"true"}]' "spot tolerations"
  t_eventually "$L" "batchy pod Running in cloud" bash -c \
    "[ \"\$(kubectl --context cloud get pods -n $NS -l hybridai.io/workload=batchy --field-selector=status.phase=Running -o name | wc -l)\" = 1 ]"
  node=$(running_pods cloud batchy | awk '{print $2}')
  t_equals "$(t_kubectl cloud get node "$node" -o jsonpath='{.metadata.labels.node\.kubernetes\.io/instance-type}')" \
    g5.12xlarge "node of the batchy pod (spot, tainted)"
  t_pass "chat on dc-paris-h100 (2 pods Running, labels, selector, GPU limit, status, columns); batchy on spot with tolerations"
}

# ---- 3: scale and edit ---------------------------------------------------------------------
scenario_update() {
  aiw_apply chat 3 "{locations: [Cloud, OnPrem], spot: Never, objective: Cost}" \
    "{count: 1, vendors: [NVIDIA], minMemoryGiB: 80}" "[{name: MODEL, value: llama-3-8b}]"
  t_eventually "$L" "member Deployment at 3 replicas with env MODEL" bash -c \
    "kubectl --context onprem get deploy -n $NS chat-dc-paris-h100 -o json | jq -e '.spec.replicas == 3 and (.spec.template.spec.containers[0].env | any(.name == \"MODEL\" and .value == \"llama-3-8b\"))'"
  t_eventually "$L" "chat readyReplicas 3" bash -c \
    "[ \"\$(kubectl --context hub get aiw -n $NS chat -o jsonpath='{.status.readyReplicas}/{.status.phase}')\" = 3/Running ]"
  local w
  w=$(t_kubectl hub get aiw -n "$NS" chat -o json)
  t_equals "$(jq -r '.status.observedGeneration' <<<"$w")" "$(jq -r '.metadata.generation' <<<"$w")" "observedGeneration after edit"
  t_equals "$(jq -r '.status.cost.hourly' <<<"$w")" 6.60 "cost.hourly after scale (3 x 2.20)"
  t_eventually "$L" "3 chat pods Running with the new template" bash -c \
    "[ \"\$(kubectl --context onprem get pods -n $NS -l hybridai.io/workload=chat -o json | jq '[.items[] | select(.status.phase == \"Running\" and .metadata.deletionTimestamp == null and (.spec.containers[0].env // [] | any(.name == \"MODEL\")))] | length')\" = 3 ]"
  t_pass "scaled to 3 and env edit applied in onprem"
}

# ---- 4: delete -------------------------------------------------------------------------------
scenario_delete() {
  t_kubectl hub delete aiw -n "$NS" chat batchy --wait=false >/dev/null || t_fail "delete chat"
  t_eventually "$L" "chat and batchy gone from the hub" bash -c \
    "[ -z \"\$(kubectl --context hub get aiw -n $NS chat batchy --ignore-not-found -o name)\" ]"
  t_equals "$(member_deployments onprem chat)" "" "chat Deployments left in onprem"
  t_equals "$(member_deployments cloud batchy)" "" "batchy Deployments left in cloud"
  t_log "$(grep -c 'cleaned up members' "${OP_LOG[main]}") finalizer cleanups logged"
  t_pass "deleting the AIWorkloads removed their member Deployments, then the finalizer"
}

# ---- 5: kill -9 in the middle of a batch -----------------------------------------------------
# every_workload_once N: each crash-i workload has exactly one Deployment per placement, in the
# cluster of that placement, and none anywhere else.
every_workload_once() {
  local i name want got c mc total=0
  for i in $(seq 1 "$1"); do
    name=crash-$i
    want=$(aiw_field "$NS" "$name" '{range .status.placements[*]}{.cluster}/{.pool}{"\n"}{end}' | sort)
    [ -n "$want" ] || return 1
    got=""
    for c in hub $OP_MEMBERS; do
      mc=$(op_member_of "$c")
      got+=$(t_kubectl "$c" get deployments -n "$NS" -l "hybridai.io/workload=$name" \
        -o jsonpath="{range .items[*]}$mc/{.metadata.labels.hybridai\.io/pool}{\"\n\"}{end}" 2>/dev/null)$'\n'
    done
    got=$(grep . <<<"$got" | sort)
    [ "$got" = "$want" ] || {
      echo "$name: placements [$want] but Deployments [$got]" >&2
      return 1
    }
    total=$((total + $(count_lines "$got")))
  done
  echo "$total"
}

scenario_crash() {
  local n=10 i
  # A slow client (2 requests/s) so that the kill lands in the middle of the batch.
  op_stop main TERM
  op_start main --kube-api-qps 2 --kube-api-burst 2
  t_eventually "$L" "operator main leads its controllers" op_log_has main "hub caches synced"
  {
    for i in $(seq 1 $n); do
      cat <<EOF
apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: crash-$i}
spec:
  type: Inference
  replicas: 1
  accelerators: {count: 1}
  placement: {locations: [Cloud, OnPrem], spot: Never, objective: Balanced}
  tags: {team: e2e, costCenter: cc-e2e}
  template:
    spec:
      containers: [{name: main, image: registry.k8s.io/pause:3.10}]
---
EOF
    done
  } | t_kubectl hub apply -n "$NS" -f - >/dev/null || t_fail "apply the crash batch"
  local deadline=$((SECONDS + L))
  until grep -q "applied member object.* workload=$NS/crash-" "${OP_LOG[main]}"; do
    [ "$SECONDS" -lt "$deadline" ] || t_fail "the operator applied nothing of the crash batch within $L s"
    sleep 0.05
  done
  op_stop main KILL
  local made
  made=$(grep -c "applied member object.* workload=$NS/crash-" "${OP_LOG[main]}" || true)
  t_log "killed the operator with -9 after $made of $n member Deployments were applied"
  op_start main
  t_eventually "$L" "all $n crash workloads Running" bash -c \
    "[ \"\$(kubectl --context hub get aiw -n $NS -o json | jq '[.items[] | select((.metadata.name | startswith(\"crash-\")) and .status.phase == \"Running\")] | length')\" = $n ]"
  local total
  total=$(every_workload_once $n) || t_fail "duplicate or missing member Deployments after the restart"
  t_equals "$total" "$n" "member Deployments of the batch"
  t_pass "kill -9 after $made/$n applies, restart: $n Running, exactly one Deployment per placement"
  t_kubectl hub delete aiw -n "$NS" $(seq -f 'crash-%g' 1 $n) --wait=false >/dev/null
  t_eventually "$L" "crash batch deleted" bash -c \
    "[ -z \"\$(kubectl --context hub get aiw -n $NS -o name | grep crash-)\" ]"
}

# ---- 6: leader election ----------------------------------------------------------------------
lease_holder() {
  t_kubectl hub get lease -n hybrid-system "$OP_LEASE" -o jsonpath='{.spec.holderIdentity}' 2>/dev/null
}
identity_of() { sed -n 's/.*msg="serving".* identity=\([^ ]*\).*/\1/p' "${OP_LOG[$1]}" | tail -1; }
leads() { [ -n "$(lease_holder)" ] && [ "$(lease_holder)" = "$(identity_of "$1")" ]; }

scenario_leader_election() {
  op_stop main TERM
  local le=(--leader-elect --leader-elect-lease-duration 6 --leader-elect-renew-deadline 4 --leader-elect-retry-period 1)
  op_start le-a "${le[@]}"
  op_start le-b "${le[@]}"
  t_eventually "$L" "one of le-a, le-b holds the lease" bash -c \
    "h=\$(kubectl --context hub get lease -n hybrid-system $OP_LEASE -o jsonpath='{.spec.holderIdentity}'); [ -n \"\$h\" ] && { [ \"\$h\" = '$(identity_of le-a)' ] || [ \"\$h\" = '$(identity_of le-b)' ]; }"
  local leader=le-a follower=le-b
  leads le-b && leader=le-b follower=le-a
  t_eventually "$L" "leader $leader synced its caches" op_log_has "$leader" "hub caches synced"
  t_eventually 30 "leader $leader /readyz" op_get "$leader" /readyz
  t_contains "$(op_get "$leader" '/readyz?verbose')" "[+]informers ok" "leader /readyz?verbose"
  aiw_apply le-1 1 "{locations: [Cloud, OnPrem], spot: Never, objective: Cost}"
  t_eventually "$L" "le-1 Running" aiw_phase_is le-1 Running
  op_log_has "$leader" "workload=$NS/le-1" || t_fail "leader $leader did not log reconciling le-1"
  ! op_log_has "$follower" "started leading" || t_fail "follower $follower logged 'started leading'"
  ! op_log_has "$follower" "hub caches synced" || t_fail "follower $follower started its controllers"
  ! op_log_has "$follower" "applied member object" || t_fail "follower $follower applied member objects"

  local old_id killed_at
  old_id=$(identity_of "$leader")
  op_stop "$leader" KILL
  killed_at=$SECONDS
  t_eventually "$L" "$follower takes the lease after kill -9 of $leader" leads "$follower"
  t_log "takeover after kill -9: $((SECONDS - killed_at)) s (lease duration 6 s)"
  [ "$(lease_holder)" != "$old_id" ] || t_fail "the lease still names the killed leader"
  aiw_apply le-2 1 "{locations: [Cloud, OnPrem], spot: Never, objective: Cost}"
  t_eventually "$L" "le-2 Running under the new leader" aiw_phase_is le-2 Running
  op_log_has "$follower" "workload=$NS/le-2" || t_fail "new leader $follower did not reconcile le-2"

  # SIGTERM releases at once: the lease no longer names the old leader when it has exited,
  # long before the 6 s lease would have expired.
  op_start le-c "${le[@]}"
  local term_id
  term_id=$(identity_of "$follower")
  op_stop "$follower" TERM
  op_log_has "$follower" "lease released" || t_fail "$follower did not log releasing the lease on SIGTERM"
  [ "$(lease_holder)" != "$term_id" ] || t_fail "lease still held by $follower after its SIGTERM exit"
  t_eventually "$L" "le-c takes over after the release" leads le-c
  t_pass "one leader at a time; kill -9 -> takeover, new workload placed; SIGTERM released the lease"
  t_kubectl hub delete aiw -n "$NS" le-1 le-2 --wait=false >/dev/null
  t_eventually "$L" "le workloads deleted" bash -c \
    "[ -z \"\$(kubectl --context hub get aiw -n $NS le-1 le-2 --ignore-not-found -o name)\" ]"
  OP_LEADER=le-c
}

# ---- 7: bad input ----------------------------------------------------------------------------
scenario_bad_input() {
  local op=$1
  aiw_apply tpu 1 "{objective: Cost}" "{count: 1, models: [TPU-v9]}"
  t_eventually "$L" "tpu Pending with Placed False" bash -c \
    "[ \"\$(kubectl --context hub get aiw -n $NS tpu -o jsonpath='{.status.phase}/{.status.conditions[?(@.type==\"Placed\")].status}')\" = Pending/False ]"
  t_contains "$(op_condition "$NS" tpu Placed)" "accelerator model mismatch" "tpu Placed message"
  local mc=e2e-nosecret-$RANDOM
  t_kubectl hub apply -f - >/dev/null <<EOF || t_fail "apply MemberCluster $mc"
apiVersion: hybridai.io/v1alpha1
kind: MemberCluster
metadata: {name: $mc}
spec:
  location: Cloud
  provider: nowhere
  region: nowhere-1
  kubeconfigSecretRef: {namespace: hybrid-system, name: $mc-missing, key: kubeconfig}
  maxDataClassification: Public
  latencyMs: 50
  carbonIntensity: 100
  pue: "1.1"
EOF
  _op_remember "memberclusters.hybridai.io/$mc"
  t_eventually "$L" "$mc Ready False SecretNotFound" bash -c \
    "[ \"\$(kubectl --context hub get mc $mc -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}/{.status.conditions[?(@.type==\"Ready\")].reason}')\" = False/SecretNotFound ]"
  op_alive "$op" || t_fail "operator $op died on bad input"
  op_get "$op" /healthz >/dev/null || t_fail "operator $op /healthz after bad input"
  t_kubectl hub delete mc "$mc" --wait=false >/dev/null
  t_pass "impossible model -> Pending/Placed False with reasons; missing Secret -> SecretNotFound; operator alive"
}

scenario_endpoints() {
  local op=$1 m
  t_equals "$(op_get "$op" /healthz)" ok "/healthz"
  t_equals "$(op_get "$op" /readyz)" ok "/readyz"
  m=$(op_get "$op" /metrics) || t_fail "/metrics"
  t_contains "$m" 'controller_runtime_reconcile_total{controller="aiworkload"' "/metrics"
  t_contains "$m" 'workqueue_depth{name="aiworkload"}' "/metrics"
  t_pass "/healthz, /readyz and /metrics answer"
}

op_start main --workers 4
scenario_members
scenario_place
scenario_endpoints main
scenario_update
scenario_delete
scenario_crash
scenario_leader_election
scenario_bad_input "$OP_LEADER"
OP_PASSED=1
t_pass "operator end to end"
