#!/usr/bin/env bash
# Builds the pinned Kueue (the MultiKueue peer of bench/peers/multikueue_compare.sh) from the Go
# module proxy into a cache outside the repo, like e2e/tools/install.sh builds the control plane,
# and prints the cache dir on the last line of stdout (progress goes to stderr). The cache dir
# holds bin/kueue and crds/ (config/components/crd/bases of the same module version). A second
# run answers at once; a lock makes a concurrent caller wait for the first build. A benchmark
# tool: nothing in scripts/test.sh or CI calls it.
#
#   bench/peers/install_kueue.sh                  build if needed, print the cache dir
#   bench/peers/install_kueue.sh --print-dir      print the cache dir if built, else exit 1
#
# Environment: HYBRIDAI_CACHE_DIR (default ~/.cache/hybridai), KUEUE_VERSION (default v0.19.2).
set -euo pipefail

KUEUE_VERSION=${KUEUE_VERSION:-v0.19.2}
CACHE=${HYBRIDAI_CACHE_DIR:-$HOME/.cache/hybridai}

say() { echo "install_kueue: $*" >&2; }
die() {
  echo "install_kueue: error: $*" >&2
  exit 1
}

mode=build
case "${1:-}" in
"") ;;
--print-dir) mode=print ;;
-h | --help)
  awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"
  exit 0
  ;;
*) die "unknown argument '$1' (try --help)" ;;
esac

[[ $KUEUE_VERSION =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "KUEUE_VERSION '$KUEUE_VERSION' is not vX.Y.Z"
command -v go >/dev/null || die "Go is not on PATH"
GO_VERSION=$(go env GOVERSION)
DIR=$CACHE/peers/kueue-$KUEUE_VERSION-$GO_VERSION

if [ "$mode" = print ]; then
  [ -f "$DIR/.complete" ] || die "Kueue $KUEUE_VERSION not built ($DIR); run $0"
  echo "$DIR"
  exit 0
fi

mkdir -p "$CACHE/peers"
exec 9>"$CACHE/peers/.lock"
if ! flock -n 9; then
  say "another build is running; waiting for it"
  flock 9
fi
if [ -f "$DIR/.complete" ]; then
  say "up to date: $DIR"
  echo "$DIR"
  exit 0
fi

TMP=$(mktemp -d "$CACHE/peers/.build.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
start=$SECONDS
say "go install sigs.k8s.io/kueue/cmd/kueue@$KUEUE_VERSION with $GO_VERSION into $DIR"
say "(a cold build takes about 20 minutes on two cores; later runs reuse it)"
(
  while sleep 30; do say "  ... $(wc -l <"$TMP/build.log" 2>/dev/null || echo 0) packages, $((SECONDS - start)) s"; done
) &
hb=$!
rc=0
(cd "$TMP" && CGO_ENABLED=0 GOBIN=$TMP/bin go install -v -trimpath \
  -ldflags "-s -w -X sigs.k8s.io/kueue/pkg/version.GitVersion=$KUEUE_VERSION" \
  "sigs.k8s.io/kueue/cmd/kueue@$KUEUE_VERSION") >"$TMP/build.log" 2>&1 || rc=$?
kill "$hb" 2>/dev/null || true
wait "$hb" 2>/dev/null || true
if [ "$rc" -ne 0 ]; then
  tail -30 "$TMP/build.log" >&2
  die "go install failed"
fi
src=$(go env GOMODCACHE)/sigs.k8s.io/kueue@$KUEUE_VERSION
[ -d "$src/config/components/crd/bases" ] || die "no CRDs at $src/config/components/crd/bases"
mkdir -p "$TMP/crds"
cp "$src"/config/components/crd/bases/*.yaml "$TMP/crds/"
chmod -R u+w "$TMP/crds"
rm -f "$TMP/build.log"
touch "$TMP/.complete"
rm -rf "$DIR"
mv "$TMP" "$DIR"
trap - EXIT
say "built in $((SECONDS - start)) s"
echo "$DIR"
