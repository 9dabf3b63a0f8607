#!/usr/bin/env bash
# Renders the plain install manifests from the Helm chart, so that `kubectl apply` and
# `helm install` install the same thing: copies crds/ into the chart (files/crds/), then writes
# manifests/install/crds.yaml (the CRDs alone) and manifests/install/hybrid-operator.yaml
# (namespace hybrid-system and everything else, default values, tag policy on).
#
#   scripts/render-install.sh           rewrite them
#   scripts/render-install.sh --check   exit 1, showing the diff, if they drifted from the chart
#
# Rendered offline for Kubernetes $KUBE_VERSION (default 1.36.3): a helm built without version
# ldflags would otherwise assume 1.20. For an older cluster, render with KUBE_VERSION set to its
# version: from 1.36 on, the manifests include the finalizer MutatingAdmissionPolicy. Needs helm on PATH (e2e/tools/install.sh builds one).
set -euo pipefail
cd "$(dirname "$0")/.."
CHART=charts/hybrid-operator
OUT=manifests/install
KUBE_VERSION=${KUBE_VERSION:-1.36.3}
NS=hybrid-system
check=0
[ "${1:-}" = --check ] && check=1

command -v helm >/dev/null || PATH="$(e2e/tools/install.sh | tail -1):$PATH"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/files" "$tmp/out"
cp crds/*.yaml "$tmp/files/"
if [ "$check" = 0 ]; then
  rm -f "$CHART"/files/crds/*.yaml
  cp crds/*.yaml "$CHART/files/crds/"
fi

# Offline, helm knows no API the server would serve beyond its own list: name the ones the
# chart looks for that Kubernetes $KUBE_VERSION serves (MutatingAdmissionPolicy v1 from 1.36).
API_VERSIONS=()
IFS=. read -r kmajor kminor _ <<<"$KUBE_VERSION"
if [ "$kmajor" -gt 1 ] || [ "$kminor" -ge 36 ]; then
  API_VERSIONS+=(--api-versions admissionregistration.k8s.io/v1/MutatingAdmissionPolicy)
fi
render() { helm template hybrid-operator "$CHART" --namespace "$NS" --kube-version "$KUBE_VERSION" "${API_VERSIONS[@]}" "$@"; }
# Plain manifests are not managed by Helm: say so in the labels.
unhelm() { sed -e 's/app.kubernetes.io\/managed-by: Helm/app.kubernetes.io\/managed-by: kubectl/' -e '/^# Source: /d'; }
{
  echo "# The hybridai CRDs, rendered from charts/hybrid-operator by scripts/render-install.sh."
  echo "# Apply first; delete last (docs/install.md). Do not edit: edit crds/ and re-render."
  render --show-only templates/crds.yaml | unhelm
} >"$tmp/out/crds.yaml"
{
  echo "# hybrid-operator in namespace $NS, rendered from charts/hybrid-operator (default values) by"
  echo "# scripts/render-install.sh. Apply after crds.yaml. Do not edit: change the chart and re-render."
  cat <<YAML
---
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
  labels:
    app.kubernetes.io/part-of: hybridai
    pod-security.kubernetes.io/enforce: restricted
YAML
  render --set crds.install=false | unhelm
} >"$tmp/out/hybrid-operator.yaml"

if [ "$check" = 1 ]; then
  rc=0
  diff -ru "$tmp/files" "$CHART/files/crds" || {
    echo "render-install: $CHART/files/crds differs from crds/; run scripts/render-install.sh" >&2
    rc=1
  }
  for f in crds.yaml hybrid-operator.yaml; do
    diff -u "$OUT/$f" "$tmp/out/$f" || {
      echo "render-install: $OUT/$f drifted from the chart; run scripts/render-install.sh" >&2
      rc=1
    }
  done
  exit "$rc"
fi
mkdir -p "$OUT"
cp "$tmp/out/crds.yaml" "$tmp/out/hybrid-operator.yaml" "$OUT/"
echo "render-install: wrote $CHART/files/crds/ and $OUT/{crds,hybrid-operator}.yaml" >&2
