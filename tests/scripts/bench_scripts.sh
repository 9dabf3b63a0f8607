#!/usr/bin/env bash
# The benchmark scripts, offline (label unit): CI never runs the benchmarks themselves, so this at
# least parses every one of them and checks that the MultiKueue comparison and its Kueue build
# refuse bad arguments before they build or start anything.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
fail() {
  echo "bench_scripts: FAIL: $*" >&2
  exit 1
}
n=0
for f in "$ROOT"/bench/*.sh "$ROOT"/bench/peers/*.sh; do
  bash -n "$f" || fail "$f does not parse"
  n=$((n + 1))
done
[ "$n" -ge 5 ] || fail "expected at least 5 benchmark scripts, found $n"

install=$ROOT/bench/peers/install_kueue.sh
out=$("$install" --help) || fail "install_kueue.sh --help exited non-zero"
grep -q 'print-dir' <<<"$out" || fail "install_kueue.sh --help does not describe --print-dir: $out"
if out=$("$install" --bogus 2>&1); then fail "install_kueue.sh accepted --bogus"; fi
grep -q "unknown argument" <<<"$out" || fail "install_kueue.sh --bogus: $out"
if out=$(KUEUE_VERSION='v1;rm' "$install" --print-dir 2>&1); then fail "install_kueue.sh accepted KUEUE_VERSION='v1;rm'"; fi
grep -q "is not vX.Y.Z" <<<"$out" || fail "install_kueue.sh with a bad version: $out"

compare=$ROOT/bench/peers/multikueue_compare.sh
for args in "abc" "0" "10 x" "1000000"; do
  # shellcheck disable=SC2086 # the cases are word lists on purpose
  if out=$(bash "$compare" $args 2>&1); then fail "multikueue_compare.sh accepted '$args'"; fi
  grep -q "usage:" <<<"$out" || fail "multikueue_compare.sh '$args' did not stop at the usage check: $out"
done
echo "bench_scripts: $n scripts parse; bad arguments refused"
