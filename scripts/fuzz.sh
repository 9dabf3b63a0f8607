#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz in their own build directory (clang, ASan+UBSan)
# and runs each for SECONDS_PER_HARNESS seconds (default 10), starting from the checked-in seed
# corpus. Installs clang from Debian when it is missing. Findings (crash-*, leak-*, timeout-*,
# oom-*) are kept under $BUILD_DIR/findings/<harness>/; each one becomes a regression test in
# tests/unit. Exit status 1 when any harness found something.
#   scripts/fuzz.sh [SECONDS_PER_HARNESS]      e.g. scripts/fuzz.sh 600 for a longer run
set -euo pipefail
cd "$(dirname "$0")/.."

PER_HARNESS=${1:-10}
BUILD_DIR=${BUILD_DIR:-build-fuzz}

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: installing clang"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    clang libclang-rt-14-dev >/dev/null
fi

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHYBRIDAI_FUZZ=ON -DHYBRIDAI_JEMALLOC=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j "${JOBS:-$(nproc)}"

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
