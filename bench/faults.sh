#!/usr/bin/env bash
# Faults survived, with figures: on a private fleet (bench/burst_fleet.yaml, room for 1,000
# one-GPU workloads), one row per fault, each with its own burst of N one-GPU AIWorkloads
# (Inference and Batch alternately) created in the hub while the fault is injected:
#   none                 the baseline;
#   hub-apiserver        the hub kube-apiserver stopped and started again during the burst;
#   etcd                 the fleet's etcd (the hub's and every member's storage) restarted;
#   member-freeze        the edge member's kube-apiserver (where a burst lands first) SIGSTOPped
#                        for FREEZE s (longer than the workloads' failoverAfterSeconds, 10),
#                        then continued;
#   member-kill          the edge member's kube-apiserver SIGKILLed, started again 15 s later;
#   operator-kill-x5     the operator SIGKILLed five times, 5 s apart, during the burst;
#   leader-kill          two replicas, the leader SIGKILLed under load;
#   compaction           etcd's history compacted to its head every 2 s during the burst, and
#                        the edge apiserver restarted over a compaction so that the operator's
#                        watches of it resume from a revision that is gone (410, relist).
# For each: workloads lost, duplicated, orphaned, seconds to converge once the fault is over,
# seconds for the whole row, watch relists in the operator's log and the load average (1 min,
# before/after). Exits 1 when any row is not 0/0/0 or did not converge. See
# e2e/tests/lib/faults.sh for what each figure counts; RELIABILITY.md for results.
#
#   bench/faults.sh [N [FAULT...]]      defaults: 200 workloads, every fault
#
# HYBRIDAI_FLEET_DIR: use that running fleet instead of a private one (it must have the room).
source "$(dirname "$0")/../e2e/fleet/testlib.sh"
source "$(dirname "$0")/../e2e/tests/lib/operator.sh"
source "$T_ROOT/e2e/fleet/lib.sh"
source "$T_ROOT/e2e/tests/lib/faults.sh"
N=${1:-200}
shift || true
FAULTS=("$@")
[ "${#FAULTS[@]}" -gt 0 ] ||
  FAULTS=(none hub-apiserver etcd member-freeze member-kill operator-kill-x5 leader-kill compaction)
FREEZE=${FREEZE:-30}

if [ -n "${HYBRIDAI_FLEET_DIR:-}" ]; then op_setup; else op_setup "$T_ROOT/bench/burst_fleet.yaml"; fi
fault_arm
fault_op_start a
t_eventually 120 "members Ready" bash -c \
  "[ \"\$(kubectl --context hub get mc -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\n\"}{end}' | grep -c True)\" = 4 ]"

echo "faults: N=$N, $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%M:%SZ), operator $OP_BIN"
fault_header
for f in "${FAULTS[@]}"; do
  case $f in
  none) fault_row none "$N" inject_none ;;
  hub-apiserver) fault_row "hub kube-apiserver restart" "$N" inject_restart hub-apiserver ;;
  etcd) fault_row "etcd restart" "$N" inject_restart etcd ;;
  member-freeze) fault_row "member apiserver SIGSTOP ${FREEZE}s" "$N" inject_freeze_member edge "$FREEZE" ;;
  member-kill) fault_row "member apiserver SIGKILL+restart" "$N" inject_kill_member edge 15 ;;
  operator-kill-x5) fault_row "operator SIGKILL x5" "$N" inject_kill_operator a 5 5 ;;
  leader-kill)
    fault_op_start b
    fault_row "leader SIGKILL, 2 replicas" "$N" inject_kill_leader
    op_stop b
    unset "FAULT_PIDFILE[b]"
    ;;
  compaction) fault_row "etcd compaction, member relists" "$N" inject_compact edge 40 ;;
  *) t_fail "unknown fault '$f'" ;;
  esac
done
echo
fault_table
[ "$FAULT_FAILED" = 0 ] || t_fail "a row lost, duplicated or orphaned workloads, or did not converge"
OP_PASSED=1
