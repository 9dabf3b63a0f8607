#!/usr/bin/env bash
# Faults survived, the short version of bench/faults.sh on the test fleet: for each of three
# faults, a burst of 60 one-GPU AIWorkloads (Inference and Batch alternately) is created in the
# hub while the fault happens, and the test asserts that none is lost (every Inference Running
# with its Deployment, every Batch Succeeded), none is duplicated (one member object each) and
# nothing is orphaned (no member object for a name the hub lacks, none left once the workloads
# are deleted):
#   - the operator SIGKILLed three times during the burst (restarted by a supervisor);
#   - the edge member's kube-apiserver SIGKILLed and started again 5 s later;
#   - the hub kube-apiserver stopped and started again during the burst.
# Every fleet process it stops runs again, with the same arguments and data, when it ends.
source "$(dirname "$0")/../fleet/testlib.sh"
source "$(dirname "$0")/lib/operator.sh"
source "$T_ROOT/e2e/fleet/lib.sh"
source "$T_ROOT/e2e/tests/lib/faults.sh"
N=${HYBRIDAI_E2E_FAULTS_N:-60}
FAULT_CONVERGE_LIMIT=${HYBRIDAI_E2E_TIMEOUT:-180}
op_setup
fault_arm
fault_op_start a
t_eventually 120 "members Ready" bash -c \
  "[ \"\$(kubectl --context hub get mc -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\n\"}{end}' | grep -c True)\" = 4 ]"

fault_header >&2
fault_row "operator SIGKILL x3" "$N" inject_kill_operator a 3 3 >&2
fault_row "member apiserver SIGKILL+restart" "$N" inject_kill_member edge 5 >&2
fault_row "hub kube-apiserver restart" "$N" inject_restart hub-apiserver >&2
fault_table >&2
[ "$FAULT_FAILED" = 0 ] || t_fail "a fault lost, duplicated or orphaned workloads, or they did not converge"
t_pass "$N workloads through each of: operator SIGKILL x3, member apiserver SIGKILL, hub apiserver restart: 0 lost, 0 duplicated, 0 orphaned"
OP_PASSED=1
