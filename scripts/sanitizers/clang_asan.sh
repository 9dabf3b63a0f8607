# Sourced by scripts/fuzz.sh and scripts/sanitize.sh: the one clang ASan+UBSan build directory
# they share (HYBRIDAI_FUZZ=ON, tests/fuzz/CMakeLists.txt), so the libraries the fuzz harnesses
# and the sanitized core and CLI unit tests are made of are compiled once. -O1 with line tables
# only: fast enough to fuzz, symbolized stacks, and a quarter less CPU than -O2 -g on a test
# program (22 s against 29 s for codec_test; the same on the core's own files).
# Installs clang and its runtime from Debian when missing.
CLANG_ASAN_DIR=${CLANG_ASAN_DIR:-build-fuzz}

# clang_asan_configure: clang present, CLANG_ASAN_DIR configured.
clang_asan_configure() {
  if ! command -v clang++ >/dev/null 2>&1; then
    echo "clang_asan: installing clang"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      clang libclang-rt-14-dev >/dev/null
  fi
  [ -f "$CLANG_ASAN_DIR/build.ninja" ] && return 0
  local launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$CLANG_ASAN_DIR" -G Ninja -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only" \
    -DHYBRIDAI_FUZZ=ON -DHYBRIDAI_JEMALLOC=OFF >/dev/null
}

# clang_asan_build TARGET...: builds the targets (fuzz_harnesses, unit_tests_core).
clang_asan_build() {
  cmake --build "$CLANG_ASAN_DIR" -j "${JOBS:-$(nproc)}" --target "$@"
}
