#!/usr/bin/env bash
# Runs every test tier the way CI does: dependencies and C++ build (scripts/setup.sh), the Go
# tools of the test fleet (e2e/tools/install.sh), unit tests, then one shared fleet for the
# integration and e2e tiers. Every tier runs even if an earlier one failed; the exit status is
# non-zero if any did. The fleet is always torn down.
#
# Between the unit tests and the fleet: the core and CLI unit tests again under clang ASan+UBSan,
# and every libFuzzer harness for FUZZ_SECONDS (default 10) from its seed corpus, both from one
# clang build directory (build-fuzz; scripts/sanitize.sh core, scripts/fuzz.sh).
#
# Environment: BUILD_DIR (default build), FLEET_DIR (default: a fresh temporary directory),
# CTEST_ARGS (extra ctest arguments, e.g. "-R it_fleet"), FUZZ_SECONDS (0: no sanitized tier).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
export BUILD_DIR

tier() { echo; echo "==== $* ===="; }
failed=()
started=$SECONDS

tier "setup and build"
scripts/setup.sh || {
  echo "test: setup/build failed" >&2
  exit 1
}

tier "test fleet tools"
e2e/tools/install.sh >/dev/null || {
  echo "test: e2e/tools/install.sh failed" >&2
  exit 1
}

tier "unit tests"
# shellcheck disable=SC2086 # CTEST_ARGS is a list of arguments
ctest --test-dir "$BUILD_DIR" -L unit --output-on-failure -j "$(nproc)" ${CTEST_ARGS:-} || failed+=(unit)

if [ "${FUZZ_SECONDS:-10}" != 0 ]; then
  tier "core and CLI unit tests under clang ASan+UBSan"
  CTEST_ARGS="" scripts/sanitize.sh core || failed+=(sanitize-core)
  tier "fuzzing, ${FUZZ_SECONDS:-10} s a harness"
  scripts/fuzz.sh "${FUZZ_SECONDS:-10}" || failed+=(fuzz)
fi

tier "test fleet"
FLEET_DIR=${FLEET_DIR:-$(mktemp -d /tmp/hybridai-ci-fleet.XXXXXX)}
trap 'e2e/fleet/down.sh --dir "$FLEET_DIR" >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
if e2e/fleet/up.sh --dir "$FLEET_DIR"; then
  export HYBRIDAI_FLEET_DIR=$FLEET_DIR
  tier "integration tests"
  # shellcheck disable=SC2086
  ctest --test-dir "$BUILD_DIR" -L integration --output-on-failure ${CTEST_ARGS:-} || failed+=(integration)
  tier "e2e tests"
  # shellcheck disable=SC2086
  ctest --test-dir "$BUILD_DIR" -L e2e --output-on-failure --no-tests=ignore ${CTEST_ARGS:-} || failed+=(e2e)
else
  echo "test: the test fleet did not start; integration and e2e tiers not run" >&2
  failed+=(fleet)
fi

echo
echo "==== done in $((SECONDS - started)) s ===="
if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED tiers: ${failed[*]}"
  exit 1
fi
echo "all tiers passed"
