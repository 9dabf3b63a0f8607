#!/usr/bin/env bash
# The default fleet is what the docs promise: four clusters, contexts and kubeconfig files named
# after them, the upstream version, the fake GPU nodes of e2e/fleet/default.yaml, and security as
# in a real cluster (TLS with a per-cluster CA, client certificates, RBAC).
source "$(dirname "$0")/../fleet/testlib.sh"
t_fleet

want_version=$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' "$T_ROOT/e2e/controlplane/go.mod")
t_equals "$(kubectl config get-contexts -o name | sort | tr '\n' ' ')" "cloud edge hub onprem " "contexts"

# node counts and GPU capacity per cluster, straight from default.yaml
declare -A want_nodes=([hub]=4 [cloud]=4 [onprem]=4 [edge]=2)
declare -A want_gpus=([hub]="nvidia.com/gpu=24" [cloud]="nvidia.com/gpu=24" [onprem]="amd.com/gpu=16 nvidia.com/gpu=16" [edge]="nvidia.com/gpu=4")
for c in hub cloud onprem edge; do
  [ -s "$FLEET_DIR/$c.kubeconfig" ] || t_fail "$FLEET_DIR/$c.kubeconfig missing"
  server=$(kubectl --kubeconfig "$FLEET_DIR/$c.kubeconfig" version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1)
  t_equals "$server" "$want_version" "$c server version"

  nodes=$(t_kubectl "$c" get nodes -l "hybridai.io/fleet-cluster=$c" --no-headers)
  t_equals "$(echo "$nodes" | grep -c ' Ready ')" "${want_nodes[$c]}" "$c Ready nodes"
  gpus=$(t_kubectl "$c" get nodes -o json | jq -r '
    [.items[].status.allocatable | to_entries[] | select(.key | test("gpu$"))]
    | group_by(.key) | map("\(.[0].key)=\(map(.value | tonumber) | add)") | join(" ")')
  t_equals "$gpus" "${want_gpus[$c]}" "$c GPU allocatable"
done

# etcd must support watch progress requests, or the apiservers silently lose consistent reads
# from cache and streaming lists (Debian's etcd 3.4.23 does not).
for c in hub cloud onprem edge; do
  if grep -q "RequestWatchProgress feature is not supported" "$FLEET_DIR/logs/$c-apiserver.log"; then
    t_fail "$c apiserver: etcd does not support RequestWatchProgress"
  fi
done

# instance types the samples' GPUPools select on
for pair in hub:a2-highgpu-8g hub:g2-standard-48 cloud:p5.48xlarge cloud:g5.12xlarge \
  onprem:mi300x-8 onprem:dgx-h100 edge:edge-l4; do
  c=${pair%%:*} type=${pair#*:}
  n=$(t_kubectl "$c" get nodes -l "node.kubernetes.io/instance-type=$type" --no-headers | wc -l)
  t_equals "$n" 2 "$c nodes of instance type $type"
done
taint=$(t_kubectl cloud get nodes -l node.kubernetes.io/instance-type=g5.12xlarge \
  -o jsonpath='{.items[0].spec.taints[0].key}={.items[0].spec.taints[0].value}:{.items[0].spec.taints[0].effect}')
t_equals "$taint" "hybridai.io/spot=true:NoSchedule" "cloud spot taint"

# TLS: each cluster has its own CA, so one member's CA does not vouch for another's apiserver.
hub_server=$(kubectl config view --raw -o jsonpath='{.clusters[?(@.name=="hub")].cluster.server}')
curl -sf --cacert "$FLEET_DIR/hub/pki/ca.crt" "$hub_server/livez" >/dev/null ||
  t_fail "hub /livez with the hub CA"
if curl -sf --cacert "$FLEET_DIR/cloud/pki/ca.crt" "$hub_server/livez" >/dev/null 2>&1; then
  t_fail "the cloud CA was accepted for the hub apiserver"
fi
# Anonymous requests get nothing beyond health endpoints.
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$FLEET_DIR/hub/pki/ca.crt" "$hub_server/api/v1/nodes")
t_equals "$code" 403 "anonymous GET /api/v1/nodes"

# RBAC: the operator identity starts with no grants; a ClusterRole binding gives exactly those.
for c in hub cloud; do
  op="$FLEET_DIR/operator/$c.kubeconfig"
  t_equals "$(kubectl --kubeconfig "$op" auth whoami -o jsonpath='{.status.userInfo.username}')" \
    hybridai-operator "$c operator identity"
  t_equals "$(kubectl --kubeconfig "$op" auth can-i list nodes 2>/dev/null || true)" no "$c operator can list nodes before RBAC"
  if kubectl --kubeconfig "$op" get nodes >/dev/null 2>&1; then
    t_fail "$c: operator identity listed nodes without RBAC"
  fi
  role=it-fleet-node-reader-$RANDOM
  t_on_exit "kubectl --context $c delete clusterrole,clusterrolebinding $role >/dev/null 2>&1"
  t_kubectl "$c" create clusterrole "$role" --verb=get,list,watch --resource=nodes >/dev/null
  t_kubectl "$c" create clusterrolebinding "$role" --clusterrole="$role" --user=hybridai-operator >/dev/null
  t_eventually 30 "$c operator can list nodes after RBAC" kubectl --kubeconfig "$op" get nodes
  if kubectl --kubeconfig "$op" get secrets -A >/dev/null 2>&1; then
    t_fail "$c: operator identity read secrets with only a node-reader role"
  fi
done

# A member's kubeconfig works on its own, as the operator will use it from a Secret.
kubectl --kubeconfig "$FLEET_DIR/edge.kubeconfig" get nodes >/dev/null || t_fail "edge.kubeconfig alone"
grep -q 'certificate-authority-data' "$FLEET_DIR/edge.kubeconfig" || t_fail "edge.kubeconfig has no embedded CA"

# up on a running fleet says so and changes nothing
out=$("$T_ROOT/e2e/fleet/up.sh" --dir "$FLEET_DIR" 2>&1)
t_contains "$out" "already running" "second up"
t_contains "$out" "export KUBECONFIG=$FLEET_DIR/kubeconfig" "second up"
t_pass "4 clusters, $want_version, nodes, TLS, RBAC"
