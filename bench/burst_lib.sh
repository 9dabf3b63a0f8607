# Sourced by the burst benchmarks (bench/operator_burst.sh, bench/peers/multikueue_compare.sh)
# after e2e/fleet/testlib.sh: where the CPU time of a run goes, read from /proc.

# bench_cpu_seconds PID: user + system CPU seconds the process has used so far.
bench_cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

# bench_rss_mib PID: "RSS MiB (peak PEAK MiB)" of a live process.
bench_rss_mib() {
  awk '/^VmRSS/ {r = $2} /^VmHWM/ {h = $2} END {printf "%d MiB (peak %d MiB)", r / 1024, h / 1024}' "/proc/$1/status"
}

# bench_load1: the 1-minute load average.
bench_load1() { cut -d' ' -f1 /proc/loadavg; }

# bench_fleet_cpu: CPU seconds of every fleet apiserver and of etcd, "name=seconds ...".
bench_fleet_cpu() {
  local n
  for n in hub-apiserver cloud-apiserver onprem-apiserver edge-apiserver etcd; do
    printf '%s=%s ' "$n" "$(bench_cpu_seconds "$(cat "$FLEET_DIR/pids/$n.pid")")"
  done
}

# bench_cpu_delta BEFORE AFTER: per-process CPU seconds spent between two bench_fleet_cpu readings.
bench_cpu_delta() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); before[kv[1]] = kv[2] }
    n = split(b, y, " "); for (i = 1; i <= n; i++) { split(y[i], kv, "="); printf "%s %.1f s  ", kv[1], kv[2] - before[kv[1]] }
  }'
}

# bench_burst_value FILE KEY: one key=value of the `burst_load:` line a run left on stderr.
bench_burst_value() {
  sed -n "s/^burst_load: .* $2=\([^ ]*\).*/\1/p" "$1" | tail -1
}
