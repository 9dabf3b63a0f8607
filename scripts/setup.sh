#!/usr/bin/env bash
# Installs the build dependencies from Debian (idempotent, non-interactive) and configures the
# build in ./build. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(g++ cmake ninja-build pkg-config clang-format openssl libssl-dev libcpprest-dev
          libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libgtest-dev libgmock-dev
          libbenchmark-dev libjemalloc-dev libhowardhinnant-date-dev tzdata etcd-server curl jq
          python3-yaml lua5.1 lua-yaml)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} \
    ${CMAKE_EXTRA_ARGS:-} >/dev/null
fi
# Two cores, heavy headers: two jobs keep memory and time reasonable.
cmake --build "$BUILD_DIR" -j "${JOBS:-$(nproc)}"
