#!/usr/bin/env bash
# Builds the hybrid-operator container image without a Docker daemon or a registry, writes it as
# an OCI archive and smoke-runs it:
#   1. installs buildah, podman, skopeo, mmdebstrap, runc (Debian packages, only what is missing);
#   2. a distroless-style base from Debian packages (mmdebstrap --variant=extract): the shared
#      libraries the binary links, CA certificates, time zones, a nonroot user 65532, package
#      status entries for scanners; imported as localhost/hybridai-base:bookworm (kept, reused);
#   3. buildah bud --isolation chroot of scripts/image/Containerfile.prebuilt with the host-built
#      operator, stripped (a full multi-stage build from source: --from-source, much slower);
#   4. skopeo copy to oci-archive:$OUT/hybrid-operator-$VERSION.oci.tar;
#   5. podman run --rm --read-only --cap-drop=ALL --user 65532:65532 IMAGE --help.
# Nothing is left running. Prints the image name on its last line.
#
#   scripts/image.sh [--binary PATH] [--out DIR] [--from-source] [--no-archive]
# Environment: BUILD_DIR (default build), IMAGE (default localhost/hybrid-operator:$VERSION),
# HYBRIDAI_IMAGE_STATE (containers.conf and the base's tar; default ~/.cache/hybridai/image).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VERSION=$(awk '/^appVersion:/ {gsub(/"/, "", $2); print $2}' charts/hybrid-operator/Chart.yaml)
IMAGE=${IMAGE:-localhost/hybrid-operator:$VERSION}
BASE=localhost/hybridai-base:bookworm
STATE=${HYBRIDAI_IMAGE_STATE:-$HOME/.cache/hybridai/image}
OUT=${OUT:-$ROOT/build/image}
BINARY=""
FROM_SOURCE=0
ARCHIVE=1
while [ $# -gt 0 ]; do
  case "$1" in
  --binary) BINARY=$2; shift 2 ;;
  --out) OUT=$2; shift 2 ;;
  --from-source) FROM_SOURCE=1; shift ;;
  --no-archive) ARCHIVE=0; shift ;;
  -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
  *) echo "image: unknown argument $1" >&2; exit 2 ;;
  esac
done
BINARY=${BINARY:-${BUILD_DIR:-build}/bin/hybrid-operator}
say() { echo "image: $*" >&2; }

# 1. Tools (as setup.sh does: only what is missing).
PACKAGES=(buildah podman skopeo mmdebstrap runc uidmap fuse-overlayfs conmon)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# This VM: crun refuses its mixed cgroups, the default ulimits fail setrlimit, no iptables for
# bridge networks (docs/image.md).
mkdir -p "$STATE" "$OUT"
cat >"$STATE/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "host"
[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF=$STATE/containers.conf

if [ "$FROM_SOURCE" = 1 ]; then
  say "building from source with Dockerfile (debian:bookworm bases built here by mmdebstrap)"
  for variant in bookworm bookworm-slim; do
    podman image exists "localhost/debian:$variant" && continue
    $SUDO mmdebstrap --mode=root --variant=apt --include=ca-certificates bookworm \
      "$STATE/debian-$variant.tar" /etc/apt/sources.list.d/debian.sources
    podman import "$STATE/debian-$variant.tar" "localhost/debian:$variant" >/dev/null
    rm -f "$STATE/debian-$variant.tar"
  done
  buildah bud --isolation chroot --network host -f Dockerfile -t "$IMAGE" \
    --build-arg BUILDER_IMAGE=localhost/debian:bookworm \
    --build-arg RUNTIME_IMAGE=localhost/debian:bookworm-slim \
    --build-arg VERSION="$VERSION" --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" .
else
  [ -x "$BINARY" ] || { say "no operator binary at $BINARY: build it (scripts/setup.sh) or pass --binary"; exit 1; }
  # 2. The base, once per set of packages: Debian packages of every shared library the binary
  # links, plus data. The set names the base, so a binary that links a new library gets a base
  # that has it.
  pkgs=(ca-certificates tzdata)
  while read -r lib; do
    for cand in "$lib" "/usr$lib" "${lib#/usr}"; do
      p=$(dpkg -S "$cand" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$p" ] && { pkgs+=("$p"); break; }
    done
  done < <(ldd "$BINARY" | awk '$3 ~ /^\// {print $3} $1 ~ /^\/lib.*ld-linux/ {print $1}')
  mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
  BASE=$BASE-$(printf '%s\n' "${pkgs[@]}" | sha256sum | cut -c1-12)
  if ! podman image exists "$BASE"; then
    say "base $BASE from Debian bookworm: ${pkgs[*]}"
    rm -f "$STATE/base.tar"
    # extract: unpack only these packages (no shell, no apt, no dpkg in the image).
    $SUDO mmdebstrap --quiet --mode=root --variant=extract --include="$(IFS=,; echo "${pkgs[*]}")" \
      --customize-hook='mkdir -p "$1/etc/ssl/certs" "$1/tmp" "$1/var/lib/dpkg/status.d" "$1/home/nonroot"' \
      --customize-hook='chmod 1777 "$1/tmp"' \
      --customize-hook='printf "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" >"$1/etc/passwd"' \
      --customize-hook='printf "root:x:0:\nnonroot:x:65532:\n" >"$1/etc/group"' \
      --customize-hook='chown 65532:65532 "$1/home/nonroot"' \
      --customize-hook='cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"' \
      --customize-hook='for p in '"${pkgs[*]}"'; do dpkg-query -s "$p" >"$1/var/lib/dpkg/status.d/$p"; done' \
      --customize-hook='rm -rf "$1/usr/share/doc" "$1/usr/share/man" "$1/usr/share/info" "$1/usr/share/lintian" "$1/var/cache/apt" "$1/var/lib/apt/lists"' \
      bookworm "$STATE/base.tar" /etc/apt/sources.list.d/debian.sources
    podman import --change 'USER 65532:65532' "$STATE/base.tar" "$BASE" >/dev/null
    rm -f "$STATE/base.tar"
  fi
  # 3. The image: the stripped binary on that base; the image it replaces is removed, so that
  # rebuilds leave no untagged images behind.
  previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  strip -o "$ctx/hybrid-operator" "$BINARY"
  buildah bud --isolation chroot --network host --layers=false -q \
    -f "$ROOT/scripts/image/Containerfile.prebuilt" --build-arg BASE_IMAGE="$BASE" \
    --build-arg VERSION="$VERSION" --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
    -t "$IMAGE" "$ctx" >/dev/null
  if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$IMAGE")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
fi
say "built $IMAGE ($(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.1f MB", $1/1e6}'))"

# 4. The archive.
if [ "$ARCHIVE" = 1 ]; then
  archive=$OUT/hybrid-operator-$VERSION.oci.tar
  rm -f "$archive"
  skopeo copy -q "containers-storage:$IMAGE" "oci-archive:$archive:$VERSION"
  say "wrote $archive ($(du -h "$archive" | cut -f1))"
fi

# 5. Smoke run, as a restricted pod would run it.
out=$(podman run --rm --network=host --read-only --cap-drop=ALL --user 65532:65532 \
  --security-opt no-new-privileges "$IMAGE" --help 2>&1) || { echo "$out" >&2; say "smoke run failed"; exit 1; }
grep -q -- '--health-probe-bind-address' <<<"$out" || { echo "$out" >&2; say "smoke run printed no usage"; exit 1; }
say "smoke run ok (read-only, no capabilities, uid 65532)"
echo "$IMAGE"
