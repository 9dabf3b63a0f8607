#!/usr/bin/env bash
# Start/stop hygiene: two fleets run side by side in different directories; down stops every
# process and frees every port; up and down are idempotent; a bad config or a component that
# cannot start makes up fail loudly and leave nothing behind. Always uses private fleets.
source "$(dirname "$0")/../fleet/testlib.sh"
t_tools
UP=$T_ROOT/e2e/fleet/up.sh
DOWN=$T_ROOT/e2e/fleet/down.sh
MINIMAL=$T_ROOT/e2e/fleet/minimal.yaml

# procs_of DIR: pids whose command line names DIR.
procs_of() {
  local p cmd
  for p in /proc/[0-9]*; do
    cmd=$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
    [[ $cmd == *"$1/"* ]] && echo "${p#/proc/}"
  done
  return 0
}
# listening PORT: some socket listens on 127.0.0.1:PORT (or any address).
listening() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v h=":$hex" '$4 == "0A" && $2 ~ h"$" {found = 1} END {exit !found}' /proc/net/tcp /proc/net/tcp6
}
ports_of() { grep -E '^FLEET_(ETCD_|ETCD_PEER_|)PORT' "$1/env" | cut -d= -f2; }

A=$(mktemp -d /tmp/hybridai-test-fleet.XXXXXX)
B=$(mktemp -d /tmp/hybridai-test-fleet.XXXXXX)
t_on_exit "'$DOWN' --dir '$A' >/dev/null 2>&1; '$DOWN' --dir '$B' >/dev/null 2>&1; rm -rf '$A' '$B'"

"$UP" --config "$MINIMAL" --dir "$A" >/dev/null || t_fail "up A"
"$UP" --config "$MINIMAL" --dir "$B" >/dev/null || t_fail "up B while A runs"
ports_a=$(ports_of "$A" | sort)
ports_b=$(ports_of "$B" | sort)
[ -z "$(comm -12 <(echo "$ports_a") <(echo "$ports_b"))" ] || t_fail "fleets A and B share ports"
for d in "$A" "$B"; do
  kubectl --kubeconfig "$d/kubeconfig" --context solo get nodes >/dev/null || t_fail "fleet $d not answering"
  for p in $(ports_of "$d"); do
    listening "$p" || t_fail "port $p of $d is not listening"
  done
done
t_equals "$(stat -c %a "$A/solo/pki/ca.key")" 600 "CA key permissions"

out=$("$UP" --config "$MINIMAL" --dir "$A" 2>&1) || t_fail "second up A"
t_contains "$out" "already running" "second up A"

pids_a=$(procs_of "$A")
[ "$(echo "$pids_a" | wc -w)" -ge 5 ] || t_fail "expected etcd, apiserver, controller-manager, scheduler, kwok for A; got pids: $pids_a"
"$DOWN" --dir "$A" >/dev/null 2>&1 || t_fail "down A"
[ -z "$(procs_of "$A")" ] || t_fail "processes of A left after down: $(procs_of "$A")"
for p in $pids_a; do
  [ ! -e "/proc/$p" ] || [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] || t_fail "pid $p of A still exists"
done
for p in $ports_a; do
  ! listening "$p" || t_fail "port $p of A still listening after down"
done
[ ! -e "$A" ] || t_fail "$A not removed by down"
out=$("$DOWN" --dir "$A" 2>&1) || t_fail "second down A"
t_contains "$out" "no fleet" "second down A"
kubectl --kubeconfig "$B/kubeconfig" get nodes >/dev/null || t_fail "B stopped working when A went down"
"$DOWN" --dir "$B" >/dev/null 2>&1 || t_fail "down B"
[ -z "$(procs_of "$B")" ] || t_fail "processes of B left after down"
for p in $ports_b; do
  ! listening "$p" || t_fail "port $p of B still listening after down"
done

# down refuses a directory that is not a fleet
notfleet=$(mktemp -d)
touch "$notfleet/keep"
t_on_exit "rm -rf '$notfleet'"
if "$DOWN" --dir "$notfleet" >/dev/null 2>&1; then t_fail "down accepted a non-fleet directory"; fi
[ -f "$notfleet/keep" ] || t_fail "down deleted files of a non-fleet directory"

# bad config: error names the file and the field, nothing starts
bad=$(mktemp /tmp/hybridai-bad-fleet.XXXXXX.yaml)
t_on_exit "rm -f '$bad'"
printf 'clusters:\n  - name: x\n    nodeGroups:\n      - {instanceType: t, count: 0, capacity: {cpu: 1, memory: 1Gi, pods: 10}}\n' >"$bad"
C=$(mktemp -d /tmp/hybridai-test-fleet.XXXXXX)
t_on_exit "'$DOWN' --dir '$C' >/dev/null 2>&1; rm -rf '$C'"
if out=$("$UP" --config "$bad" --dir "$C" 2>&1); then t_fail "up accepted count: 0"; fi
t_contains "$out" "$bad: clusters[0].nodeGroups[0].count: must be between 1 and 500, got 0" "bad config error"
[ -z "$(procs_of "$C")" ] || t_fail "processes left after a rejected config"

# a component that cannot start: up shows its log, exits non-zero, leaves nothing running
if out=$(HYBRIDAI_FLEET_APISERVER_ARGS=--no-such-flag "$UP" --config "$MINIMAL" --dir "$C" 2>&1); then
  t_fail "up succeeded with a broken apiserver"
fi
t_contains "$out" "solo-apiserver exited" "broken apiserver report"
t_contains "$out" "unknown flag: --no-such-flag" "broken apiserver log tail"
[ -z "$(procs_of "$C")" ] || t_fail "processes left after a failed up: $(procs_of "$C")"
[ ! -e "$C" ] || t_fail "$C left behind after a failed up"
t_pass "two fleets side by side, clean down, idempotent up/down, loud failures"
