#!/usr/bin/env bash
# Builds the test fleet's Go tools (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, etcd and every other e2e/controlplane/cmd/*, kwok, helm) into a cache outside the
# repo and prints the bin dir on the last line of stdout (progress goes to stderr). The cache
# key covers everything that decides the binaries (e2e/controlplane go.mod, go.sum and cmd/
# sources, the KWOK and helm pins, the Go version), so a second run takes a fraction of a second
# and a changed pin rebuilds. Safe to run concurrently:
# a lock makes the second caller wait for the first build instead of racing it.
#
#   e2e/tools/install.sh                  build if needed, print the bin dir
#   e2e/tools/install.sh --print-bin-dir  print the bin dir if it is built, else exit 1
#
# Environment: HYBRIDAI_CACHE_DIR (default ~/.cache/hybridai).
set -euo pipefail

KWOK_VERSION=v0.8.0
HELM_VERSION=v3.22.0
# Bump when the layout of the bin dir changes, so old caches are not mistaken for new ones.
LAYOUT=2

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODULE=$ROOT/e2e/controlplane
CACHE=${HYBRIDAI_CACHE_DIR:-$HOME/.cache/hybridai}

say() { echo "install: $*" >&2; }
die() {
  echo "install: error: $*" >&2
  exit 1
}

mode=build
case "${1:-}" in
"") ;;
--print-bin-dir) mode=print ;;
-h | --help)
  awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"
  exit 0
  ;;
*) die "unknown argument '$1' (try --help)" ;;
esac

command -v go >/dev/null || die "Go is not on PATH; the control plane needs the Go version in $MODULE/go.mod"
K8S_VERSION=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$MODULE/go.mod")
[ -n "$K8S_VERSION" ] || die "$MODULE/go.mod: no 'k8s.io/kubernetes vX.Y.Z' requirement"
GO_VERSION=$(go env GOVERSION)

cache_key() {
  {
    echo "layout=$LAYOUT go=$GO_VERSION k8s=$K8S_VERSION kwok=$KWOK_VERSION helm=$HELM_VERSION"
    cd "$MODULE"
    find go.mod go.sum cmd -type f | LC_ALL=C sort | while read -r f; do
      echo "$f $(sha256sum <"$f" | cut -c1-64)"
    done
  } | sha256sum | cut -c1-16
}

KEY=$(cache_key)
BIN=$CACHE/bin/$K8S_VERSION-$KEY

if [ "$mode" = print ]; then
  [ -f "$BIN/.complete" ] || die "tools not built for this checkout ($BIN); run $0"
  echo "$BIN"
  exit 0
fi

mkdir -p "$CACHE/bin"
exec 9>"$CACHE/bin/.lock"
if ! flock -n 9; then
  say "another install is running; waiting for it"
  flock 9
fi

if [ -f "$BIN/.complete" ]; then
  ln -sfn "$(basename "$BIN")" "$CACHE/bin/current"
  say "up to date: $BIN"
  echo "$BIN"
  exit 0
fi

# Prints how far a long build has got every 20 s, so a cold build does not look hung.
heartbeat() {
  local what=$1 log=$2 start=$SECONDS
  while sleep 20; do
    say "  ... $what: $(wc -l <"$log") packages compiled, $((SECONDS - start)) s"
  done
}

build_step() {
  local what=$1 log=$2
  shift 2
  local start=$SECONDS
  heartbeat "$what" "$log" &
  local hb=$!
  local rc=0
  "$@" >"$log" 2>&1 || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    echo "install: $what failed; last lines of $log:" >&2
    tail -30 "$log" >&2
    exit 1
  fi
  say "  $what done in $((SECONDS - start)) s"
}

TMP=$(mktemp -d "$CACHE/bin/.build.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
total_start=$SECONDS
say "building Kubernetes $K8S_VERSION control plane and etcd, kwok $KWOK_VERSION and helm $HELM_VERSION with $GO_VERSION"
say "into $BIN (a cold build takes several minutes; later runs reuse it)"

export CGO_ENABLED=0
LDFLAGS="-s -w"
LDFLAGS+=" -X k8s.io/component-base/version.gitVersion=$K8S_VERSION"
LDFLAGS+=" -X k8s.io/component-base/version.gitMajor=$(echo "$K8S_VERSION" | cut -d. -f1 | tr -d v)"
LDFLAGS+=" -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
LDFLAGS+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"

cmds=$(cd "$MODULE/cmd" && find . -mindepth 1 -maxdepth 1 -type d | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
say "[1/3] go build ${cmds}"
(cd "$MODULE" && build_step "control plane" "$TMP/build.log" \
  go build -v -trimpath -ldflags "$LDFLAGS" -o "$TMP/" ./cmd/...)
for c in $cmds; do
  [ -x "$TMP/$c" ] || die "go build produced no binary for cmd/$c"
done

say "[2/3] go install sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
(cd "$TMP" && GOBIN=$TMP build_step "kwok" "$TMP/kwok.log" \
  go install -v -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")

say "[3/3] go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
(cd "$TMP" && GOBIN=$TMP build_step "helm" "$TMP/helm.log" \
  go install -v -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION")

# kwok itself ships no behaviour: its stages (node init, lease heartbeat, pod ready/complete/
# delete) come from the same module, as kwokctl uses them.
stages=$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  [ -f "$stages/$f" ] || die "kwok stage $stages/$f not found"
  echo "---"
  cat "$stages/$f"
done >"$TMP/kwok-stages.yaml"

"$TMP/kube-apiserver" --version | grep -qF "$K8S_VERSION" ||
  die "kube-apiserver --version does not report $K8S_VERSION: $("$TMP/kube-apiserver" --version)"
rm -f "$TMP"/*.log
touch "$TMP/.complete"
rm -rf "$BIN"
mv "$TMP" "$BIN"
trap - EXIT
ln -sfn "$(basename "$BIN")" "$CACHE/bin/current"
# Each build is ~500 MB; keep the three newest (other checkouts may use older pins).
ls -1dt "$CACHE"/bin/v*-* 2>/dev/null | tail -n +4 | while read -r old; do
  say "removing old build $old"
  rm -rf "$old"
done
say "built in $((SECONDS - total_start)) s: $(cd "$BIN" && ls | tr '\n' ' ')"
echo "$BIN"
