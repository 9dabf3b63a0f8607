# Sourced by e2e/tests/*.sh: gets the tools, gets a fleet, and offers small assertions.
# A test uses the running fleet named by HYBRIDAI_FLEET_DIR (scripts/test.sh starts one for the
# whole run) or else starts a private one in a temporary directory that is always torn down.
# Failures print what was expected and what came back, then exit 1.
set -euo pipefail

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
T_OWN_FLEET=""
T_CLEANUPS=()

t_log() { echo "[$T_NAME] $*" >&2; }
t_fail() {
  echo "[$T_NAME] FAIL: $*" >&2
  exit 1
}
t_pass() { echo "[$T_NAME] PASS${1:+: $1}" >&2; }

# t_on_exit CMD: run CMD when the test ends (newest first), whatever the outcome.
t_on_exit() { T_CLEANUPS+=("$1"); }
_t_exit() {
  local status=$? i
  for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${T_CLEANUPS[$i]}" || true
  done
  if [ "$status" -eq 0 ]; then
    echo "[$T_NAME] OK" >&2
  else
    echo "[$T_NAME] FAILED (exit $status)" >&2
  fi
}
trap _t_exit EXIT
trap 'exit 130' INT TERM

# t_tools: builds or finds the Go tools; puts them first on PATH (ours, not a system kubectl).
t_tools() {
  T_BIN=$("$T_ROOT/e2e/tools/install.sh" | tail -1)
  [ -x "$T_BIN/kubectl" ] || t_fail "install.sh gave no usable bin dir"
  export PATH="$T_BIN:$PATH"
  export FLEET_BIN=$T_BIN
}

# t_fleet [CONFIG]: a running fleet; sets FLEET_DIR and KUBECONFIG. The shared fleet is used only
# when no CONFIG is asked for, since it was started from the default one.
t_fleet() {
  local config=${1:-}
  t_tools
  if [ -z "$config" ] && [ -n "${HYBRIDAI_FLEET_DIR:-}" ]; then
    [ "$(cat "$HYBRIDAI_FLEET_DIR/state" 2>/dev/null)" = running ] ||
      t_fail "HYBRIDAI_FLEET_DIR=$HYBRIDAI_FLEET_DIR is not a running fleet"
    FLEET_DIR=$HYBRIDAI_FLEET_DIR
  else
    FLEET_DIR=$(mktemp -d /tmp/hybridai-test-fleet.XXXXXX)
    T_OWN_FLEET=$FLEET_DIR
    t_on_exit "\"$T_ROOT/e2e/fleet/down.sh\" --dir \"$FLEET_DIR\" >/dev/null 2>&1"
    t_log "starting a private fleet in $FLEET_DIR"
    "$T_ROOT/e2e/fleet/up.sh" --dir "$FLEET_DIR" ${config:+--config "$config"} >/dev/null ||
      t_fail "e2e/fleet/up.sh failed"
  fi
  export FLEET_DIR
  export KUBECONFIG=$FLEET_DIR/kubeconfig
  # shellcheck disable=SC1091
  source "$FLEET_DIR/env"
  export KUBECONFIG
}

# t_kubectl CONTEXT ARGS...: kubectl against one cluster of the fleet.
t_kubectl() {
  local ctx=$1
  shift
  kubectl --context "$ctx" "$@"
}

# t_eventually SECONDS DESCRIPTION CMD...: retries CMD until it succeeds or time runs out. Used
# to wait for the cluster to converge, never to assert on how fast it does.
t_eventually() {
  local limit=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || {
      t_log "last attempt at: $what"
      "$@" >&2 || true
      t_fail "$what: not true within $limit s"
    }
    sleep 0.5
  done
}

# t_established CONTEXT CRD...: waits (up to 60 s each) until every CRD is Established. kubectl
# wait fails at once, not after its timeout, while a new CRD has no conditions yet: so retried.
t_established() {
  local ctx=$1 crd
  shift
  for crd in "$@"; do
    t_eventually 60 "$crd Established in $ctx" t_kubectl "$ctx" wait --for condition=Established --timeout=5s "$crd"
  done
}

# t_contains HAYSTACK NEEDLE WHAT: fails unless NEEDLE occurs in HAYSTACK.
t_contains() {
  case "$1" in
  *"$2"*) ;;
  *) t_fail "$3: expected to contain '$2', got:
$1" ;;
  esac
}

# t_equals GOT WANT WHAT
t_equals() {
  [ "$1" = "$2" ] || t_fail "$3: expected '$2', got '$1'"
}

# t_namespace CONTEXT: creates a fresh namespace for this test in T_NS, deleted at exit.
t_namespace() {
  local ctx=$1
  T_NS="t-$(echo "$T_NAME" | tr '_' '-')-$RANDOM"
  t_kubectl "$ctx" create namespace "$T_NS" >/dev/null || t_fail "cannot create namespace $T_NS in $ctx"
  t_on_exit "kubectl --context '$ctx' delete namespace '$T_NS' --wait=false >/dev/null 2>&1"
}
