# syntax=docker/dockerfile:1
# The hybrid-operator image, built from source: a Debian builder stage compiles and strips the
# operator; the runtime stage holds its shared libraries, CA certificates and time zones, runs
# as uid 65532 and needs nothing writable (read-only root filesystem friendly).
#   docker build -t hybrid-operator:0.1.0 .        (or: buildah bud, podman build, kaniko)
# Without a daemon or a registry, scripts/image.sh builds the same image from Debian packages.
ARG BUILDER_IMAGE=docker.io/library/debian:bookworm
ARG RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${BUILDER_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config libssl-dev libcpprest-dev libyaml-cpp-dev libhowardhinnant-date-dev \
      nlohmann-json3-dev libspdlog-dev libjemalloc-dev libgtest-dev libgmock-dev binutils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt CMakePresets.json ./
COPY cmake cmake
COPY operator operator
COPY controllers controllers
COPY tests tests
COPY crds crds
COPY manifests manifests
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build --target hybrid-operator kubectl-hybrid \
 && strip -o /hybrid-operator /build/bin/hybrid-operator \
 && strip -o /kubectl-hybrid /build/bin/kubectl-hybrid

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcpprest2.10 libyaml-cpp0.7 libspdlog1.10 libfmt9 libssl3 libjemalloc2 libdate-tz3 \
      ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && echo 'nonroot:x:65532:65532:nonroot:/nonexistent:/usr/sbin/nologin' >>/etc/passwd \
 && echo 'nonroot:x:65532:' >>/etc/group
COPY --from=build /hybrid-operator /kubectl-hybrid /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/hybrid-operator"]
LABEL org.opencontainers.image.title="hybrid-operator" \
      org.opencontainers.image.description="Kubernetes operator placing AI workloads on GPU pools across hybrid clusters" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/hybridai/hybridai"
