#!/usr/bin/env bash
# The Helm chart offline (label unit): helm lint --strict, renders at the fleet's Kubernetes
# version, the rendered objects' contract (least-privilege RBAC, leader-elected replicas, probes,
# restricted security context, kept CRDs, tag policy, finalizer policy), values.schema.json negative cases, and
# manifests/install/ not drifted from the chart. Fails when the chart is missing or broken.
source "$(dirname "$0")/../../e2e/fleet/testlib.sh"
t_tools
CHART=$T_ROOT/charts/hybrid-operator
KV=1.36.3
[ -f "$CHART/Chart.yaml" ] || t_fail "no chart at charts/hybrid-operator"
tmp=$(mktemp -d)
t_on_exit "rm -rf '$tmp'"

out=$(helm lint --strict --kube-version "$KV" "$CHART" 2>&1) || t_fail "helm lint --strict:
$out"
render() { helm template hybrid-operator "$CHART" -n hybrid-system --kube-version "$KV" "$@"; }
render >"$tmp/default.yaml" 2>"$tmp/err" || t_fail "helm template: $(cat "$tmp/err")"
render --api-versions monitoring.coreos.com/v1/ServiceMonitor >"$tmp/monitoring.yaml" ||
  t_fail "helm template with the ServiceMonitor API"
MAP=admissionregistration.k8s.io/v1/MutatingAdmissionPolicy
render --api-versions "$MAP" >"$tmp/map.yaml" || t_fail "helm template with MutatingAdmissionPolicy v1"
render --api-versions "$MAP" --set finalizerPolicy.enabled=false >"$tmp/nomap.yaml" ||
  t_fail "helm template with finalizerPolicy.enabled=false"
render --set crds.install=false,rbac.hubAsMember=false,tagPolicy.requiredKeys='{team,costCenter,env}' \
  --set networkPolicy.enabled=true --set 'memberSecretNamespaces={fleet-secrets}' >"$tmp/custom.yaml" ||
  t_fail "helm template with custom values"

python3 - "$tmp" "$T_ROOT/controllers/labels.h" <<'PY' || t_fail "rendered chart breaks its contract (above)"
import sys, yaml
d = sys.argv[1]
def load(name):
    return [x for x in yaml.safe_load_all(open(f"{d}/{name}.yaml")) if x]
errors = []
def check(cond, what):
    if not cond: errors.append(what)
def kinds(docs): return sorted(x["kind"] for x in docs)
default, monitoring, custom = load("default"), load("monitoring"), load("custom")
withmap, nomap = load("map"), load("nomap")
check(kinds(default).count("MutatingAdmissionPolicy") == 0,
      "no MutatingAdmissionPolicy where the API server does not serve v1")
check(kinds(withmap).count("MutatingAdmissionPolicy") == 1 and
      kinds(withmap).count("MutatingAdmissionPolicyBinding") == 1,
      "the finalizer policy and its binding where MutatingAdmissionPolicy v1 is served")
check(kinds(nomap).count("MutatingAdmissionPolicy") == 0, "finalizerPolicy.enabled=false drops it")
finalizer = open(sys.argv[2]).read().split('kCleanupFinalizer = "')[1].split('"')[0]
for m in (x for x in withmap if x["kind"] == "MutatingAdmissionPolicy"):
    check(m["spec"]["matchConstraints"]["resourceRules"][0]["operations"] == ["CREATE"],
          "the finalizer policy acts on CREATE only")
    check(m["spec"]["failurePolicy"] == "Ignore", "the finalizer policy never blocks a create")
    expr = m["spec"]["mutations"][0]["applyConfiguration"]["expression"]
    check(f"'{finalizer}'" in expr, f"the policy adds the operator's finalizer {finalizer}: {expr}")
for k, n in {"CustomResourceDefinition": 4, "ClusterRole": 2, "ClusterRoleBinding": 2, "Role": 1,
             "RoleBinding": 1, "ServiceAccount": 1, "Deployment": 1, "PodDisruptionBudget": 1,
             "Service": 1, "ValidatingAdmissionPolicy": 1, "ValidatingAdmissionPolicyBinding": 1,
             "ServiceMonitor": 0, "NetworkPolicy": 0}.items():
    check(kinds(default).count(k) == n, f"default render: {n} {k} expected, got {kinds(default).count(k)}")
check(kinds(monitoring).count("ServiceMonitor") == 1, "ServiceMonitor when its API exists")
check(kinds(custom).count("CustomResourceDefinition") == 0, "crds.install=false renders no CRD")
check(kinds(custom).count("ClusterRole") == 1, "rbac.hubAsMember=false drops the member ClusterRole")
check(kinds(custom).count("NetworkPolicy") == 1, "networkPolicy.enabled renders a NetworkPolicy")
check(any(x["kind"] == "Role" and x["metadata"]["namespace"] == "fleet-secrets" for x in custom),
      "memberSecretNamespaces gives a Role in fleet-secrets")
for crd in (x for x in default if x["kind"] == "CustomResourceDefinition"):
    check(crd["metadata"].get("annotations", {}).get("helm.sh/resource-policy") == "keep",
          f"{crd['metadata']['name']}: helm.sh/resource-policy: keep")
for docs, name in ((default, "default"), (custom, "custom")):
    for r in (x for x in docs if x["kind"] in ("ClusterRole", "Role")):
        for rule in r["rules"]:
            for f in ("apiGroups", "resources", "verbs", "resourceNames"):
                check("*" not in rule.get(f, []), f"{name} {r['kind']}/{r['metadata']['name']}: wildcard in {f}")
            if r["kind"] == "ClusterRole":
                check("secrets" not in rule["resources"], f"{r['metadata']['name']}: cluster-wide Secrets")
dep = next(x for x in default if x["kind"] == "Deployment")
spec = dep["spec"]["template"]["spec"]
c = spec["containers"][0]
check(dep["spec"]["replicas"] == 2, "2 replicas")
for a in ("--leader-elect", "--metrics-bind-address=0.0.0.0:8080", "--health-probe-bind-address=0.0.0.0:8081",
          "--namespace=hybrid-system"):
    check(a in c["args"], f"Deployment args carry {a}")
ports = {p["name"]: p["containerPort"] for p in c["ports"]}
check(ports == {"metrics": 8080, "health": 8081}, f"ports {ports}")
check(c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}, "readiness on /readyz")
check(c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}, "liveness on /healthz")
psc, sc = spec["securityContext"], c["securityContext"]
check(psc.get("runAsNonRoot") is True and psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
      "pod securityContext: runAsNonRoot, seccomp RuntimeDefault")
check(sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False and
      sc.get("capabilities", {}).get("drop") == ["ALL"], "container securityContext restricted")
check("requests" in c.get("resources", {}) and "limits" in c["resources"], "resources set")
vap = next(x for x in custom if x["kind"] == "ValidatingAdmissionPolicy")
check("'env'" in vap["spec"]["variables"][0]["expression"], "tagPolicy.requiredKeys reach the policy")
for e in errors: print("  -", e)
sys.exit(1 if errors else 0)
PY

# values.schema.json rejects misspelt keys, wrong types and values outside the enums.
for bad in "replica=3" "image.tagg=x" "operator.loglevel=debug" "tagPolicy.requiredkeys={team}" \
  "replicas=two" "operator.logLevel=loud" "operator.preemption=Always" "tagPolicy.requiredKeys={bad key}"; do
  if out=$(render --set "$bad" 2>&1 >/dev/null); then
    t_fail "values schema accepted --set $bad"
  fi
  t_contains "$out" "values don't meet the specifications of the schema" "helm template --set $bad"
done

"$T_ROOT/scripts/render-install.sh" --check >"$tmp/drift" 2>&1 || t_fail "manifests/install drifted:
$(cat "$tmp/drift")"
t_pass "lint --strict, render at $KV, RBAC/Deployment/CRD/policy contract, 8 schema rejections, no drift"
