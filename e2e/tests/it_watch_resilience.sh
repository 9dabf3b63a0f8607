#!/usr/bin/env bash
# The C++ watch machinery (runtime/watcher, runtime/informer) against a real kube-apiserver and
# etcd: an informer (tests/tools/informer_probe.cc) keeps watching ConfigMaps while (1) the
# apiserver restarts, and (2) the apiserver is down while an object is deleted straight in etcd
# and etcd is compacted, so that the old resourceVersion is gone (410) and only a relist can
# find the deletion, reported as DELETED with final_state_unknown=true. Never a duplicate ADDED.
# Always uses a private one-cluster fleet, since it restarts that fleet's apiserver.
source "$(dirname "$0")/../fleet/testlib.sh"
# shellcheck disable=SC1091
source "$T_ROOT/e2e/fleet/lib.sh"

PROBE=""
for c in "${HYBRIDAI_INFORMER_PROBE_BIN:-}" "${HYBRIDAI_BUILD_DIR:+$HYBRIDAI_BUILD_DIR/bin/informer-probe}" \
  "$T_ROOT/build/bin/informer-probe"; do
  if [ -n "$c" ] && [ -x "$c" ]; then
    PROBE=$c
    break
  fi
done
[ -n "$PROBE" ] || t_fail "no informer-probe binary: build it (ninja -C build informer-probe) or set HYBRIDAI_BUILD_DIR"

t_fleet "$T_ROOT/e2e/fleet/minimal.yaml"
T_START=$SECONDS
CTX=solo
APISERVER=solo-apiserver
ETCD=http://127.0.0.1:$FLEET_ETCD_PORT
LIMIT=${HYBRIDAI_E2E_TIMEOUT:-120}
t_namespace "$CTX"

WORK=$(mktemp -d "/tmp/hybridai-$T_NAME.XXXXXX")
t_on_exit "rm -rf '$WORK'"
EVENTS=$WORK/events
STATS=$WORK/stats
PROBE_LOG=$WORK/probe.log

# ---- helpers --------------------------------------------------------------------------------
# count REGEX: lines of the events file matching REGEX.
count() { grep -cE -- "$1" "$EVENTS" 2>/dev/null || true; }
has_event() { [ "$(count "$1")" -ge 1 ]; }
# probe_stat KEY: the probe's latest counter KEY (lists, watches, relists, errors, events).
probe_stat() { awk -v k="$1" '{for (i = 1; i <= NF; i++) {split($i, a, "="); if (a[1] == k) print a[2]}}' "$STATS" 2>/dev/null; }
stat_above() { [ "$(probe_stat "$1")" -gt "$2" ]; }
stats_line() { cat "$STATS" 2>/dev/null; }
apiserver_ready() { kubectl --context "$CTX" get --raw /readyz >/dev/null; }
# configmap NAME: creates it; retried, so one that exists already counts as created.
configmap_once() {
  kubectl --context "$CTX" -n "$T_NS" create configmap "$1" --from-literal=k=v >/dev/null 2>&1 ||
    kubectl --context "$CTX" -n "$T_NS" get configmap "$1" >/dev/null
}
configmap() { t_eventually "$LIMIT" "create configmap $T_NS/$1" configmap_once "$1"; }
probe_alive() { kill -0 "$PROBE_PID" 2>/dev/null; }
# etcd's JSON gateway: etcd_call PATH JSON.
etcd_call() { curl -sf -X POST "$ETCD$1" -H 'Content-Type: application/json' -d "$2"; }
b64() { printf '%s' "$1" | base64 -w0; }
log_lines() { wc -l <"$PROBE_LOG"; }
# relist_cause FROM: the last line after line FROM of the probe's log saying why it relisted.
relist_cause() { tail -n +"$(($1 + 1))" "$PROBE_LOG" | grep -E 'watch relist .*reason=(gone|expired)' | tail -n 1 | sed 's/.*level=info //'; }
show_probe() {
  echo "----- $EVENTS -----" >&2
  cat "$EVENTS" >&2 2>/dev/null || true
  echo "----- stats: $(stats_line) -----" >&2
  echo "----- last 30 lines of $PROBE_LOG -----" >&2
  tail -n 30 "$PROBE_LOG" >&2 2>/dev/null || true
  echo "-----" >&2
  fleet_log_tail "$FLEET_DIR" "$APISERVER" 20
}
# stop_probe: TERM, then KILL if it hangs (cleanup must never wait forever).
stop_probe() {
  local i
  kill -TERM "$PROBE_PID" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    probe_alive || break
    sleep 0.1
  done
  kill -KILL "$PROBE_PID" 2>/dev/null || true
  wait "$PROBE_PID" 2>/dev/null || true
}
# On failure the events and the probe's log are what explain it.
PASSED=0
t_on_exit '[ "$PASSED" = 1 ] || show_probe'

# ---- a. the probe sees a first object -------------------------------------------------------
"$PROBE" --kubeconfig "$KUBECONFIG" --context "$CTX" --kind configmaps --namespace "$T_NS" \
  --watch-timeout 300 --events "$EVENTS" --stats "$STATS" 2>"$PROBE_LOG" &
PROBE_PID=$!
t_on_exit stop_probe
t_log "informer-probe pid $PROBE_PID watching configmaps in $T_NS; files in $WORK"
t_eventually "$LIMIT" "probe synced" has_event '^SYNCED$'
configmap w-1
t_eventually "$LIMIT" "probe reports ADDED $T_NS/w-1" has_event "^ADDED $T_NS/w-1 "
t_log "a. ADDED w-1 seen; stats: $(stats_line)"

# ---- b. apiserver restart: the informer re-watches, nothing is duplicated --------------------
watches0=$(probe_stat watches)
relists0=$(probe_stat relists)
log_b=$(log_lines)
t_log "b. restarting $APISERVER"
fleet_restart "$FLEET_DIR" "$APISERVER" || t_fail "fleet_restart $APISERVER"
t_eventually "$LIMIT" "$APISERVER /readyz after the restart" apiserver_ready
configmap w-2
t_eventually "$LIMIT" "probe reports ADDED $T_NS/w-2 after the restart" has_event "^ADDED $T_NS/w-2 "
t_eventually "$LIMIT" "probe opened a new watch after the restart (watches > $watches0)" stat_above watches "$watches0"
probe_alive || t_fail "informer-probe died during the apiserver restart"
t_equals "$(count "^ADDED $T_NS/w-2 ")" 1 "ADDED w-2 events"
t_equals "$(count "^ADDED $T_NS/w-1 ")" 1 "ADDED w-1 events (none again after the restart)"
t_equals "$(count "^DELETED ")" 0 "DELETED events after the restart"
if [ "$(probe_stat relists)" -gt "$relists0" ]; then
  t_log "b. after the restart the informer RELISTED: $(relist_cause "$log_b")"
else
  t_log "b. after the restart the informer RESUMED its watch from its last resourceVersion"
fi
t_log "b. stats: $(stats_line)"

# ---- c. deleted and compacted while the apiserver is down: relist finds the deletion --------
relists1=$(probe_stat relists)
log_c=$(log_lines)
key="/registry/solo/configmaps/$T_NS/w-1"
fleet_save_argv "$FLEET_DIR" "$APISERVER" || t_fail "cannot record the $APISERVER command line"
t_log "c. stopping $APISERVER; deleting $key in etcd and compacting"
fleet_stop "$FLEET_DIR" "$APISERVER" || t_fail "fleet_stop $APISERVER"
out=$(etcd_call /v3/kv/range "{\"key\":\"$(b64 "$key")\",\"count_only\":true}") || t_fail "etcd range $key"
t_contains "$out" '"count":"1"' "etcd holds $key before the delete"
out=$(etcd_call /v3/kv/deleterange "{\"key\":\"$(b64 "$key")\"}") || t_fail "etcd deleterange $key"
t_contains "$out" '"deleted":"1"' "etcd deleterange $key"
out=$(etcd_call /v3/kv/range "{\"key\":\"$(b64 /)\",\"count_only\":true}") || t_fail "etcd range for the revision"
rev=$(echo "$out" | jq -r '.header.revision')
[[ $rev =~ ^[0-9]+$ ]] || t_fail "no revision in etcd's answer: $out"
etcd_call /v3/kv/compaction "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null ||
  t_fail "etcd compaction to revision $rev"
out=$(curl -s -X POST "$ETCD/v3/kv/range" -d "{\"key\":\"$(b64 /)\",\"count_only\":true,\"revision\":\"$((rev - 1))\"}")
t_contains "$out" "compacted" "etcd read at revision $((rev - 1)) after the compaction"
t_log "c. etcd compacted to revision $rev; starting $APISERVER again"
fleet_relaunch "$FLEET_DIR" "$APISERVER" || t_fail "fleet_relaunch $APISERVER"
t_eventually "$LIMIT" "$APISERVER /readyz after the compaction" apiserver_ready
configmap w-3
t_eventually "$LIMIT" "probe reports DELETED $T_NS/w-1 with final_state_unknown=true" \
  has_event "^DELETED $T_NS/w-1 [0-9]+ final_state_unknown=true$"
t_eventually "$LIMIT" "probe reports ADDED $T_NS/w-3" has_event "^ADDED $T_NS/w-3 "
t_eventually "$LIMIT" "probe relisted (relists > $relists1)" stat_above relists "$relists1"
probe_alive || t_fail "informer-probe died during the compaction"
why=$(relist_cause "$log_c")
[ -n "$why" ] || t_fail "the probe's log does not say why it relisted after the compaction (reason=gone|expired)"
t_log "c. relist cause in the probe's log: $why"
for n in w-1 w-2 w-3; do
  t_equals "$(count "^ADDED $T_NS/$n ")" 1 "ADDED $n events over the whole test"
done
t_equals "$(count "^DELETED $T_NS/w-1 ")" 1 "DELETED w-1 events"
t_equals "$(count "^DELETED $T_NS/w-[23] ")" 0 "DELETED events for w-2, w-3"
t_log "c. stats: $(stats_line)"

# ---- d. SIGTERM stops the probe cleanly ------------------------------------------------------
kill -TERM "$PROBE_PID"
t_eventually 15 "informer-probe exits after SIGTERM" eval '! probe_alive'
rc=0
wait "$PROBE_PID" || rc=$?
t_equals "$rc" 0 "informer-probe exit status after SIGTERM"
PASSED=1
t_pass "apiserver restart survived, 410 after compaction relisted with final_state_unknown, clean stop ($((SECONDS - T_START)) s after the fleet was up)"
