#!/usr/bin/env bash
# Stops every process a fleet started (TERM, then KILL after 10 s; etcd last) and removes the
# fleet directory. Idempotent: a missing or already stopped fleet is not an error. Refuses to
# delete a directory that up.sh did not create.
#
#   e2e/fleet/down.sh [--dir DIR]      (DIR defaults to $FLEET_DIR or /tmp/hybridai-fleet)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rc=0
fleet_parse_args "$@" || rc=$?
if [ "$rc" = 3 ]; then
  awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"
  exit 0
fi
[ "$rc" = 0 ] || exit 2
DIR=$FLEET_DIR

if [ ! -e "$DIR" ]; then
  fleet_say "no fleet in $DIR"
  exit 0
fi
if [ ! -f "$DIR/$FLEET_MARKER" ]; then
  fleet_say "error: $DIR is not a fleet directory (no $FLEET_MARKER); not touching it"
  exit 2
fi

echo stopping >"$DIR/state" 2>/dev/null || true
stuck=0
# Everything but etcd at once, to keep down quick; etcd last, so that no apiserver outlives its
# storage and floods its log meanwhile.
pids=()
for name in $(fleet_names "$DIR"); do
  [ "$name" = etcd ] && continue
  fleet_stop "$DIR" "$name" &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid" || stuck=1
done
fleet_stop "$DIR" etcd || stuck=1

if [ "$stuck" -ne 0 ]; then
  fleet_say "error: some processes did not stop; leaving $DIR for inspection"
  exit 1
fi
rm -rf "$DIR"
fleet_say "stopped and removed $DIR"
