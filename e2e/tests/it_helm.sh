#!/usr/bin/env bash
# The chart installed for real on the fleet's hub, and the operator's image run against it under
# the chart's own ServiceAccount: helm lint --strict; helm install; the tag policy refuses an
# AIWorkload without the required tags; the finalizer policy creates workloads with the cleanup
# finalizer before any operator runs; the image (scripts/image.sh) runs with podman, read-only,
# no capabilities, uid 65532, with in-cluster config from a `kubectl create token` of the chart's
# ServiceAccount; members Ready, workloads Running in a member and in the hub-as-member, deleted
# cleanly, /readyz 200, no 403 in its log; without its ClusterRoleBinding /readyz says 403;
# helm upgrade updates a changed CRD; helm uninstall keeps the CRDs and custom resources and
# removes everything else. Fails when the chart is missing or broken. Leaves no container.
source "$(dirname "$0")/../fleet/testlib.sh"
source "$(dirname "$0")/lib/operator.sh"
t_tools
# Runs after t_fleet's own down.sh: a private fleet still there is stopped again, loudly (a
# failed run once left one behind, with down.sh's output discarded).
t_on_exit '[ -z "$T_OWN_FLEET" ] || [ ! -e "$T_OWN_FLEET" ] || { t_log "fleet $T_OWN_FLEET still up after down.sh; stopping it again"; "$T_ROOT/e2e/fleet/down.sh" --dir "$T_OWN_FLEET" >&2; }'
CHART=${HYBRIDAI_CHART_DIR:-$T_ROOT/charts/hybrid-operator}
REL=hybrid-operator
SYS=hybrid-system
[ -f "$CHART/Chart.yaml" ] || t_fail "no chart at ${CHART#"$T_ROOT/"}"
t_log "$(helm version --short)"
out=$(helm lint --strict --kube-version 1.36.3 "$CHART" 2>&1) || t_fail "helm lint --strict:
$out"

# The image first: no fleet is needed to build it.
op_binary
start=$SECONDS
image_out=$(mktemp -d /tmp/hybridai-image.XXXXXX)
t_on_exit "rm -rf '$image_out'"
IMAGE=$("$T_ROOT/scripts/image.sh" --binary "$OP_BIN" --out "$image_out" 2>"$image_out/log" | tail -1) ||
  t_fail "scripts/image.sh: $(tail -20 "$image_out/log")"
[ -s "$image_out/hybrid-operator-$(awk '/^appVersion:/ {gsub(/"/, "", $2); print $2}' "$CHART/Chart.yaml").oci.tar" ] ||
  t_fail "scripts/image.sh wrote no OCI archive"
t_log "image $IMAGE in $((SECONDS - start)) s: $(grep -o 'built .*' "$image_out/log")"
export CONTAINERS_CONF=${HYBRIDAI_IMAGE_STATE:-$HOME/.cache/hybridai/image}/containers.conf

t_fleet
op_init
h() { helm --kube-context hub "$@"; }
t_on_exit "helm --kube-context hub uninstall $REL -n $SYS --wait=false >/dev/null 2>&1"

if ! t_kubectl hub get namespace $SYS >/dev/null 2>&1; then
  t_on_exit "kubectl --context hub delete namespace $SYS --ignore-not-found --wait=false >/dev/null 2>&1"
fi
# CRDs applied earlier with kubectl (other tests) are adopted by the release, as docs/install.md says.
for crd in memberclusters gpupools aiworkloads budgets; do
  if t_kubectl hub get crd "$crd.hybridai.io" >/dev/null 2>&1; then
    t_kubectl hub label crd "$crd.hybridai.io" app.kubernetes.io/managed-by=Helm --overwrite >/dev/null
    t_kubectl hub annotate crd "$crd.hybridai.io" meta.helm.sh/release-name=$REL \
      meta.helm.sh/release-namespace=$SYS --overwrite >/dev/null
  fi
done
out=$(h install $REL "$CHART" -n $SYS --create-namespace 2>&1) || t_fail "helm install: $out"
t_contains "$out" "STATUS: deployed" "helm install"
t_contains "$out" "must carry the tags team, costCenter" "NOTES.txt"
op_register
op_namespace
NS=$OP_NS

# ---- the tag policy, enforced by the hub's own kube-apiserver ------------------------------
aiw() { # NAME TAGS PLACEMENT: an Inference workload in NS
  cat <<YAML
apiVersion: hybridai.io/v1alpha1
kind: AIWorkload
metadata: {name: $1, namespace: $NS}
spec:
  type: Inference
  replicas: 1
  accelerators: {count: 1, vendors: [NVIDIA]}
  placement: $3
  tags: $2
  template:
    metadata: {labels: {app: $1}}
    spec: {containers: [{name: main, image: registry.k8s.io/pause:3.10}]}
YAML
}
refused() { ! aiw untagged "{team: vision}" "{}" | t_kubectl hub apply --dry-run=server -f - >/dev/null 2>&1; }
t_eventually 30 "the required-tags policy is enforced" refused
out=$(aiw untagged "{team: vision}" "{}" | t_kubectl hub apply -f - 2>&1) && t_fail "a workload without costCenter was admitted"
t_contains "$out" "must carry the tag keys team, costCenter" "refusal message"
t_contains "$out" "missing: costCenter" "refusal names the missing key"
out=$(aiw untagged "{team: vision, costCenter: ''}" "{}" | t_kubectl hub apply -f - 2>&1) && t_fail "an empty costCenter was admitted"
warnings=$(t_kubectl hub get validatingadmissionpolicy $REL-required-tags -o jsonpath='{.status.typeChecking.expressionWarnings}')
t_equals "$warnings" "" "type-checking warnings of the policy"
t_log "tag policy: refused: $out"

# ---- the finalizer policy: workloads are created with the cleanup finalizer -------------------
t_eventually 30 "the finalizer policy is in effect" op_finalizer_policy_active
# Created before any operator runs: the policy alone put the finalizer on it; the operator,
# started below, places it and cleans up after it like the others.
early=$(aiw early "{team: vision, costCenter: cc-1}" "{locations: [OnPrem], objective: Cost}" |
  t_kubectl hub create -f - -o jsonpath='{.metadata.finalizers}') || t_fail "create the early workload"
t_equals "$early" '["hybridai.io/member-cleanup"]' "finalizers of a workload created before any operator ran"

# ---- least privilege, as the apiserver's authorizer sees the chart's ServiceAccount ----------
who=system:serviceaccount:$SYS:$REL
can() { t_kubectl hub auth can-i --as "$who" "$@" >/dev/null 2>&1; }
for denied in "get secrets -n default" "list secrets -n $SYS" "watch secrets -n $SYS" "update aiworkloads -n $NS" \
  "delete aiworkloads -n $NS" "create memberclusters" "delete crds" "get pods -n $NS" "update leases/other -n $SYS" \
  "update memberclusters --subresource=status" "create clusterrolebindings" "escalate clusterroles" \
  "impersonate serviceaccounts"; do
  # shellcheck disable=SC2086 # one can-i question per line
  if can $denied; then t_fail "the chart's ServiceAccount may $denied"; fi
done
# shellcheck disable=SC2086
for allowed in "get secrets -n $SYS" "patch aiworkloads -n $NS" "patch aiworkloads -n $NS --subresource=status" \
  "patch memberclusters --subresource=status" "patch gpupools --subresource=status" "list nodes" "create deployments.apps -n $NS" "create events -n $NS"; do
  can $allowed || t_fail "the chart's ServiceAccount may not $allowed"
done

# ---- the image under the chart's ServiceAccount, in-cluster config -------------------------
sa=$(t_kubectl hub get deployment -n $SYS $REL -o jsonpath='{.spec.template.spec.serviceAccountName}')
mapfile -t args < <(t_kubectl hub get deployment -n $SYS $REL -o json |
  jq -r '.spec.template.spec.containers[0].args[] | select(test("^--(metrics|health-probe)-bind-address") | not)')
secrets=$(mktemp -d /tmp/hybridai-sa.XXXXXX)
t_on_exit "rm -rf '$secrets'"
t_kubectl hub create token "$sa" -n $SYS --duration 1h >"$secrets/token" || t_fail "kubectl create token $sa"
kubectl config view --raw -o jsonpath='{.clusters[?(@.name=="hub")].cluster.certificate-authority-data}' |
  base64 -d >"$secrets/ca.crt"
echo -n $SYS >"$secrets/namespace"
chmod 755 "$secrets" && chmod 644 "$secrets"/*
server=$(kubectl config view -o jsonpath='{.clusters[?(@.name=="hub")].cluster.server}')
hub_port=${server##*:}
[ "${server%:*}" = https://127.0.0.1 ] || t_fail "hub server $server is not on 127.0.0.1"

CONTAINERS=()
# run_image NAME: the image as a restricted pod runs it; probes and metrics on free loopback ports.
run_image() {
  local name=hybridai-it-helm-$1-$$ ports
  mapfile -t ports < <(op_free_ports 2)
  PROBE=${ports[0]}
  CONTAINERS+=("$name")
  podman run -d --name "$name" --network=host --read-only --cap-drop=ALL --user 65532:65532 \
    --security-opt no-new-privileges \
    -v "$secrets:/var/run/secrets/kubernetes.io/serviceaccount:ro" \
    -e KUBERNETES_SERVICE_HOST=127.0.0.1 -e KUBERNETES_SERVICE_PORT="$hub_port" \
    "$IMAGE" "${args[@]}" \
    --health-probe-bind-address "127.0.0.1:${ports[0]}" --metrics-bind-address "127.0.0.1:${ports[1]}" \
    >/dev/null || t_fail "podman run $IMAGE"
  CURRENT=$name
}
stop_images() {
  local c
  for c in "${CONTAINERS[@]}"; do
    podman rm -f -t 5 "$c" >/dev/null 2>&1 || true
  done
}
t_on_exit stop_images
readyz() { curl -sS --max-time 5 "http://127.0.0.1:$PROBE/readyz?verbose" 2>&1; }
ready_ok() { curl -fsS --max-time 5 "http://127.0.0.1:$PROBE/readyz" >/dev/null 2>&1; }
image_log() { podman logs "$CURRENT" 2>&1; }

run_image main
t_eventually 60 "the operator in the image becomes ready" ready_ok
for mc in gcp-us aws-eu dc-paris edge-lyon; do
  t_eventually "$OP_WATCH_LIMIT" "MemberCluster $mc Ready" bash -c \
    "[ \"\$(kubectl --context hub get mc $mc -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}')\" = True ]"
done
# One workload in a remote member, one in the hub as a member (its own ClusterRole).
aiw onprem "{team: vision, costCenter: cc-1}" "{locations: [OnPrem], objective: Cost}" | t_kubectl hub apply -f - >/dev/null ||
  t_fail "apply onprem workload"
aiw hubside "{team: vision, costCenter: cc-1}" "{regions: [us-central1], objective: Cost}" | t_kubectl hub apply -f - >/dev/null ||
  t_fail "apply hub workload"
phase() { [ "$(t_kubectl hub get aiw -n "$NS" "$1" -o jsonpath='{.status.phase}')" = Running ]; }
for w in onprem hubside early; do t_eventually "$OP_WATCH_LIMIT" "$w Running" phase "$w"; done
t_equals "$(t_kubectl hub get aiw -n "$NS" early -o jsonpath='{.metadata.finalizers}')" \
  '["hybridai.io/member-cleanup"]' "the early workload's finalizers once the operator placed it (one, not two)"
deps() { t_kubectl "$1" get deployments -n "$NS" -l "hybridai.io/workload=$2" -o name 2>/dev/null; }
[ -n "$(deps onprem onprem)" ] || t_fail "no Deployment of onprem in the onprem member"
[ -n "$(deps hub hubside)" ] || t_fail "no Deployment of hubside in the hub"
t_kubectl hub delete aiw -n "$NS" onprem hubside early --timeout=60s >/dev/null || t_fail "workloads not deleted in 60 s"
t_eventually 30 "member Deployments removed" bash -c "[ -z \"\$(kubectl --context onprem get deployments -n $NS -o name)\" ] && [ -z \"\$(kubectl --context hub get deployments -n $NS -o name)\" ]"
ready_ok || t_fail "/readyz after the flow: $(readyz)"
log=$(image_log)
t_contains "$log" "hub caches synced" "operator log"
if grep -nE '(^|[^0-9])403([^0-9]|$)|[Ff]orbidden' <<<"$log" >&2; then t_fail "403 Forbidden in the operator's log (above): RBAC misses a rule"; fi
podman rm -f -t 10 "$CURRENT" >/dev/null
t_log "image under the chart's ServiceAccount: members Ready, workloads Running and deleted, no 403"

# ---- readiness reports persistent 403s --------------------------------------------------------
t_kubectl hub delete clusterrolebinding $REL >/dev/null || t_fail "delete clusterrolebinding"
run_image forbidden
unready_403() { ! ready_ok && grep -q "403 Forbidden" <<<"$(readyz)"; }
t_eventually 60 "/readyz unready on 403" unready_403
body=$(readyz)
t_contains "$body" "[list hybridai.io/" "/readyz names the forbidden request"
podman rm -f -t 10 "$CURRENT" >/dev/null
t_log "/readyz without the ClusterRoleBinding: $(grep -o '403 Forbidden.*' <<<"$body" | head -1)"

# ---- helm upgrade updates a changed CRD (and restores the binding) ---------------------------
changed=$(mktemp -d /tmp/hybridai-chart.XXXXXX)
t_on_exit "rm -rf '$changed'"
cp -r "$CHART" "$changed/"
sed -i 's/shortNames: \[bdg\]/shortNames: [bdg, budgetz]/' "$changed/hybrid-operator/files/crds/hybridai.io_budgets.yaml"
out=$(h upgrade $REL "$changed/hybrid-operator" -n $SYS 2>&1) || t_fail "helm upgrade: $out"
t_equals "$(t_kubectl hub get crd budgets.hybridai.io -o jsonpath='{.spec.names.shortNames}')" '["bdg","budgetz"]' \
  "shortNames after helm upgrade"
t_kubectl hub get clusterrolebinding $REL >/dev/null || t_fail "helm upgrade did not restore the binding"
out=$(h upgrade $REL "$CHART" -n $SYS 2>&1) || t_fail "helm upgrade back: $out"

# ---- helm uninstall: CRDs and custom resources kept, everything else gone --------------------
out=$(h uninstall $REL -n $SYS --wait --timeout 60s 2>&1) || t_fail "helm uninstall: $out"
for crd in memberclusters gpupools aiworkloads budgets; do
  t_kubectl hub get crd "$crd.hybridai.io" >/dev/null 2>&1 || t_fail "helm uninstall deleted crd/$crd.hybridai.io"
done
t_kubectl hub get mc gcp-us >/dev/null 2>&1 || t_fail "helm uninstall deleted the MemberClusters"
left=$(t_kubectl hub get deployments,serviceaccounts,roles,rolebindings,services,poddisruptionbudgets -n $SYS \
  -l app.kubernetes.io/instance=$REL -o name 2>/dev/null; t_kubectl hub get clusterroles,clusterrolebindings,validatingadmissionpolicies,validatingadmissionpolicybindings \
  -l app.kubernetes.io/instance=$REL -o name 2>/dev/null)
t_equals "$left" "" "objects left by helm uninstall"

# ---- plain manifests: install, run, then the documented uninstall order --------------------
t_kubectl hub apply --server-side --force-conflicts -f "$T_ROOT/manifests/install/crds.yaml" >/dev/null ||
  t_fail "apply manifests/install/crds.yaml"
out=$(t_kubectl hub apply -f "$T_ROOT/manifests/install/hybrid-operator.yaml" 2>&1) ||
  t_fail "apply manifests/install/hybrid-operator.yaml: $out"
t_kubectl hub create token hybrid-operator -n $SYS --duration 1h >"$secrets/token" || t_fail "token of the plain install's SA"
run_image plain
t_eventually 60 "the operator (plain manifests) becomes ready" ready_ok
aiw plain "{team: vision, costCenter: cc-1}" "{locations: [OnPrem], objective: Cost}" | t_kubectl hub apply -f - >/dev/null ||
  t_fail "apply a workload (plain install)"
t_eventually "$OP_WATCH_LIMIT" "plain Running" phase plain
# docs/install.md, "Uninstall": custom resources while the operator runs, then the operator,
# then the CRDs. Each step must finish by itself: nothing may be left stuck on a finalizer.
t_kubectl hub delete aiworkloads --all -A --timeout=60s >/dev/null || t_fail "uninstall 1: AIWorkloads stuck"
[ -z "$(deps onprem plain)" ] || t_fail "uninstall 1 left the member Deployment"
t_kubectl hub delete budgets,gpupools,memberclusters --all -A --timeout=60s >/dev/null || t_fail "uninstall 1: CRs stuck"
podman rm -f -t 10 "$CURRENT" >/dev/null
t_kubectl hub delete -f "$T_ROOT/manifests/install/hybrid-operator.yaml" --timeout=90s >/dev/null ||
  t_fail "uninstall 2: kubectl delete -f manifests/install/hybrid-operator.yaml"
t_kubectl hub delete -f "$T_ROOT/manifests/install/crds.yaml" --timeout=60s >/dev/null ||
  t_fail "uninstall 3: CRDs stuck"
left=$(t_kubectl hub get clusterroles,clusterrolebindings,validatingadmissionpolicies,crds -l app.kubernetes.io/part-of=hybridai -o name 2>/dev/null)
t_equals "$left" "" "objects left by the plain uninstall"
OP_PASSED=1
t_pass "lint, install, tag policy, image under the chart SA (no 403), readyz on 403, upgrade, uninstall; plain manifests the same"
