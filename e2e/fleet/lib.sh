# Shared by up.sh and down.sh: where a fleet keeps its state and how its processes are tracked.
# A fleet directory holds a marker file; nothing is ever deleted or killed unless it belongs to a
# directory carrying that marker, and a pid is only signalled while its command line still names
# the directory (pids get reused).

FLEET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FLEET_MARKER=.hybridai-fleet

fleet_say() { echo "fleet: $*" >&2; }

# fleet_abs PATH: absolute path, whether or not it exists yet.
fleet_abs() {
  case "$1" in
  /*) echo "$1" ;;
  *) echo "$PWD/$1" ;;
  esac
}

# fleet_pid_alive DIR NAME: the process recorded as NAME runs and still belongs to DIR.
fleet_pid_alive() {
  local dir=$1 name=$2 pid cmd
  pid=$(cat "$dir/pids/$name.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] || return 1
  cmd=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
  [[ $cmd == *"$dir/"* ]] || return 1
  # A zombie has exited already.
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

# fleet_names DIR: every process name recorded in DIR, newest first (the order to stop them).
fleet_names() {
  [ -f "$1/pids/order" ] && tac "$1/pids/order"
  return 0
}

# fleet_start DIR NAME CMD...: starts CMD detached (own session, no terminal, output to
# DIR/logs/NAME.log) so it outlives the shell that ran up.sh, and records its pid.
fleet_start() {
  local dir=$1 name=$2
  shift 2
  mkdir -p "$dir/logs" "$dir/pids"
  setsid "$@" </dev/null >"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/pids/$name.pid"
  echo "$name" >>"$dir/pids/order"
}

# fleet_save_argv DIR NAME: records the exact argv of the running process NAME (from
# /proc/PID/cmdline, NUL-separated) in DIR/pids/NAME.argv, for fleet_relaunch. Fails when NAME
# is not running.
fleet_save_argv() {
  local dir=$1 name=$2 pid
  fleet_pid_alive "$dir" "$name" || {
    fleet_say "error: $name is not running in $dir; cannot record its command line"
    return 1
  }
  pid=$(cat "$dir/pids/$name.pid")
  cat "/proc/$pid/cmdline" >"$dir/pids/$name.argv.tmp" 2>/dev/null &&
    [ -s "$dir/pids/$name.argv.tmp" ] &&
    mv "$dir/pids/$name.argv.tmp" "$dir/pids/$name.argv" || {
    rm -f "$dir/pids/$name.argv.tmp"
    fleet_say "error: cannot read the command line of $name (pid $pid)"
    return 1
  }
}

# fleet_relaunch DIR NAME: starts NAME again, stopped before, with the argv fleet_save_argv
# recorded, detached like fleet_start; its output is appended to DIR/logs/NAME.log after a marker
# line. NAME keeps its one place in pids/order (down.sh stops each name once).
fleet_relaunch() {
  local dir=$1 name=$2
  local -a argv
  [ -s "$dir/pids/$name.argv" ] || {
    fleet_say "error: no recorded command line for $name in $dir (fleet_save_argv first)"
    return 1
  }
  if fleet_pid_alive "$dir" "$name"; then
    fleet_say "error: $name is still running in $dir; stop it before relaunching"
    return 1
  fi
  mapfile -d '' -t argv <"$dir/pids/$name.argv"
  echo "----- fleet: $name restarted at $(date -u +%Y-%m-%dT%H:%M:%SZ) -----" >>"$dir/logs/$name.log"
  setsid "${argv[@]}" </dev/null >>"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/pids/$name.pid"
  # The calling shell (a test) outlives it: no "Killed" job report when fleet_stop kills it.
  disown $! 2>/dev/null || true
  grep -qxF "$name" "$dir/pids/order" 2>/dev/null || echo "$name" >>"$dir/pids/order"
}

# fleet_restart DIR NAME: stops the running process NAME (fleet_stop) and starts it again with
# exactly the same argv. Returns once it is started, not once it is ready.
fleet_restart() {
  local dir=$1 name=$2
  fleet_save_argv "$dir" "$name" || return 1
  fleet_stop "$dir" "$name" || return 1
  fleet_relaunch "$dir" "$name"
}

# fleet_stop DIR NAME: TERM, then KILL after a grace period; silent if already gone.
fleet_stop() {
  local dir=$1 name=$2 pid i
  fleet_pid_alive "$dir" "$name" || return 0
  pid=$(cat "$dir/pids/$name.pid")
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    fleet_pid_alive "$dir" "$name" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    fleet_pid_alive "$dir" "$name" || return 0
    sleep 0.1
  done
  fleet_say "warning: $name (pid $pid) did not exit"
  return 1
}

# fleet_log_tail DIR NAME [LINES]: the end of a component's log, for failure reports.
fleet_log_tail() {
  local dir=$1 name=$2 lines=${3:-25}
  echo "----- last $lines lines of $dir/logs/$name.log -----" >&2
  tail -n "$lines" "$dir/logs/$name.log" >&2 2>/dev/null || echo "(no log)" >&2
  echo "-----" >&2
}

# fleet_parse_args ARGS...: sets FLEET_DIR from --dir (else $FLEET_DIR, else /tmp/hybridai-fleet)
# and FLEET_CONFIG from --config; used by both scripts so they agree on the default.
fleet_parse_args() {
  FLEET_DIR=${FLEET_DIR:-/tmp/hybridai-fleet}
  FLEET_CONFIG=${FLEET_CONFIG:-$FLEET_ROOT/e2e/fleet/default.yaml}
  while [ $# -gt 0 ]; do
    case "$1" in
    --dir)
      [ $# -ge 2 ] || { fleet_say "error: --dir needs a value" && return 2; }
      FLEET_DIR=$2
      shift 2
      ;;
    --dir=*) FLEET_DIR=${1#--dir=} && shift ;;
    --config)
      [ $# -ge 2 ] || { fleet_say "error: --config needs a value" && return 2; }
      FLEET_CONFIG=$2
      shift 2
      ;;
    --config=*) FLEET_CONFIG=${1#--config=} && shift ;;
    -h | --help) return 3 ;;
    *) fleet_say "error: unknown argument '$1'" && return 2 ;;
    esac
  done
  FLEET_DIR=$(fleet_abs "${FLEET_DIR%/}")
  FLEET_CONFIG=$(fleet_abs "$FLEET_CONFIG")
}
