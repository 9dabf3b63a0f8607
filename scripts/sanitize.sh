#!/usr/bin/env bash
# Builds and runs the unit tests of the runtime and controllers areas under ThreadSanitizer
# (preset tsan, build-tsan) and/or AddressSanitizer + UBSan (preset asan, build-asan).
#
# Which tests: tests/CMakeLists.txt labels a unit test "runtime" or "controllers" when it
# includes runtime/, support/ or controllers/ headers (directly or through a header of
# tests/unit), and gathers each area's test executables in the targets unit_tests_runtime and
# unit_tests_controllers. Only those targets (and the libraries they link) are built: no
# benchmarks, no CLI binaries, no core-only tests. A new test file joins automatically.
# (ctest -R matches gtest names such as "WorkQueue.DeduplicatesQueuedKeys", not executables,
# so the selection is by label: -L unit -L '^(runtime|controllers)$', both must match.)
#
# Sanitizer options come from the test presets in CMakePresets.json (halt_on_error=1, ...,
# and the suppressions in scripts/sanitizers/{tsan,lsan}.supp, third-party code only). This script
# adds log_path, so every TSan/ASan/LSan report, even one from a process whose exit status
# nobody checks, lands in <build>/sanitizer-reports/ and fails the run. (GCC's UBSan ignores
# log_path next to ASan: its reports go to the test's output, and halt_on_error fails the test.)
#
# The core and CLI unit tests (the rest, label "unit" without an area) run under ASan+UBSan too,
# in the clang build directory the fuzz harnesses use (scripts/sanitizers/clang_asan.sh,
# build-fuzz), so one compilation of the core serves both: mode "core", part of "address".
# CI (scripts/test.sh) runs "core".
#
# Usage: scripts/sanitize.sh [thread|address|core|all]   (default: all)
# Environment: JOBS (build and test parallelism, default 2), CTEST_ARGS (extra ctest arguments).
# Exit status: 0 when every selected test passed and no sanitizer reported anything.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

case "${1:-all}" in
  thread) sanitizers=(thread) ;;
  address) sanitizers=(address core) ;;
  core) sanitizers=(core) ;;
  all) sanitizers=(thread address core) ;;
  *)
    echo "usage: $0 [thread|address|core|all]" >&2
    exit 2
    ;;
esac
JOBS=${JOBS:-2}

# run_core: the core and CLI unit tests in the clang ASan+UBSan directory, with the options of
# the asan test preset.
run_core() {
  local build reports start status=0
  source "$root/scripts/sanitizers/clang_asan.sh"
  build=$root/$CLANG_ASAN_DIR
  reports=$build/sanitizer-reports
  start=$SECONDS
  echo "==== core (clang ASan+UBSan): configure and build ===="
  clang_asan_configure || return 1
  JOBS=$JOBS clang_asan_build unit_tests_core || return 1
  local built=$SECONDS
  echo "==== core (clang ASan+UBSan): test ===="
  rm -rf "$reports" && mkdir -p "$reports"
  # shellcheck disable=SC2086 # CTEST_ARGS is a list of arguments
  ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:strict_init_order=1:check_initialization_order=1:log_path=$reports/report \
    LSAN_OPTIONS=suppressions=$root/scripts/sanitizers/lsan.supp:print_suppressions=0 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$reports/report \
    ctest --test-dir "$build" -L '^core$' -j "$JOBS" --output-on-failure --no-tests=error ${CTEST_ARGS:-} || status=1
  if compgen -G "$reports/report*" >/dev/null; then
    echo "==== core: sanitizer reports ====" >&2
    cat "$reports"/report* >&2
    status=1
  fi
  echo "==== core: build $((built - start)) s, tests $((SECONDS - built)) s ===="
  return $status
}

run_one() {
  local sanitizer=$1 preset build reports start
  [ "$sanitizer" = core ] && { run_core; return; }
  case $sanitizer in
    thread) preset=tsan ;;
    address) preset=asan ;;
  esac
  build=$root/build-$preset
  reports=$build/sanitizer-reports
  start=$SECONDS

  echo "==== $preset: configure and build ===="
  cmake --preset "$preset" >/dev/null || return 1
  cmake --build --preset "$preset" -j "$JOBS" || return 1
  local built=$SECONDS

  echo "==== $preset: test ===="
  rm -rf "$reports" && mkdir -p "$reports"
  export TSAN_OPTIONS=log_path=$reports/report ASAN_OPTIONS=log_path=$reports/report \
    UBSAN_OPTIONS=log_path=$reports/report
  local status=0
  # shellcheck disable=SC2086 # CTEST_ARGS is a list of arguments
  ctest --preset "$preset" -L '^(runtime|controllers)$' -j "$JOBS" ${CTEST_ARGS:-} || status=1
  unset TSAN_OPTIONS ASAN_OPTIONS UBSAN_OPTIONS

  if compgen -G "$reports/report*" >/dev/null; then
    echo "==== $preset: sanitizer reports ====" >&2
    cat "$reports"/report* >&2
    status=1
  fi
  echo "==== $preset: build $((built - start)) s, tests $((SECONDS - built)) s ===="
  return $status
}

failed=()
for s in "${sanitizers[@]}"; do
  run_one "$s" || failed+=("$s")
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "sanitize: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "sanitize: all passed (${sanitizers[*]})"
