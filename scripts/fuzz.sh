#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, ASan+UBSan, in the build directory it
# shares with the sanitized core and CLI unit tests: scripts/sanitizers/clang_asan.sh) and runs
# each for SECONDS_PER_HARNESS seconds (default 10), starting from the checked-in seed corpus.
# Installs clang from Debian when it is missing. Findings (crash-*, leak-*, timeout-*, oom-*)
# are kept under $CLANG_ASAN_DIR/findings/<harness>/; each one becomes a regression test in
# tests/unit. Exit status 1 when any harness found something. scripts/test.sh (CI) runs it for
# a short fixed time.
#   scripts/fuzz.sh [SECONDS_PER_HARNESS]      e.g. scripts/fuzz.sh 600 for a longer run
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sanitizers/clang_asan.sh

PER_HARNESS=${1:-10}
BUILD_DIR=$CLANG_ASAN_DIR
clang_asan_configure
clang_asan_build fuzz_harnesses

failed=()
for harness in "$BUILD_DIR"/fuzz/*_fuzz; do
  name=$(basename "$harness")
  seeds=tests/fuzz/corpus/$name
  work=$BUILD_DIR/corpus/$name          # new inputs go here, never into the checked-in seeds
  findings=$BUILD_DIR/findings/$name
  mkdir -p "$work" "$findings"
  echo "fuzz: $name for ${PER_HARNESS}s"
  if ! "$harness" -max_total_time="$PER_HARNESS" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" \
      "$work" "$seeds" >"$BUILD_DIR/$name.log" 2>&1; then
    failed+=("$name")
    tail -n 40 "$BUILD_DIR/$name.log"
  fi
  grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$BUILD_DIR/$name.log" |
    sed "s/^/fuzz: $name /" || true
done

if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]} (see $BUILD_DIR/findings/)"
  exit 1
fi
echo "fuzz: no findings"
