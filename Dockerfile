# The API and worker image: Node 20 on Debian 12 plus every tool surfhive runs
# (pahole, bpftool, clang/gcc for compiles, bwrap, xz/zstd/bzip2 for ingest,
# prlimit from util-linux) and the native helpers and static libraries built here.
# Same image for `serve` (default command) and `worker`.
# Needs BuildKit (DOCKER_BUILDKIT=1 or buildx) and pulls nothing from a registry: the base images
# can be made from a Debian archive by scripts/base-images.sh. Behind a TLS-intercepting proxy, pass
# its CA bundle as the build secret ca_bundle (docs/operations.md, "Building the images").

FROM node:20-bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
# deb-src: build-static-libs.sh builds PIC libbpf, libelf and zlib from Debian's own sources.
RUN sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates gcc g++ make binutils dpkg-dev python3 \
      clang llvm lld libbpf-dev libdw-dev libelf-dev zlib1g-dev \
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
      m4 flex bison gawk gettext pkg-config libzstd-dev liblzma-dev libbz2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/surfhive
COPY package.json package-lock.json ./
# Native addons (better-sqlite3) build from source against the base image's own Node headers:
# neither prebuilt binaries nor headers are downloaded. The CA bundle, when given, is trusted by npm
# for this step only and never stored in a layer.
ENV npm_config_nodedir=/usr/local npm_config_build_from_source=true
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca_bundle; fi \
 && npm ci --no-audit --no-fund
# The static libraries come from Debian's sources and change only with their recipe: a layer of
# their own, so a change to surfhive's code does not rebuild them.
COPY scripts/build-static-libs.sh ./scripts/build-static-libs.sh
COPY native/lbc ./native/lbc
RUN bash scripts/build-static-libs.sh x86_64 aarch64
COPY tsconfig.json biome.json ./
COPY src ./src
COPY web ./web
COPY native ./native
COPY scripts ./scripts
# corecheck links the static libbpf and reads its sources' headers, so the sources go only after it.
RUN bash scripts/build-native.sh \
 && test -x out/native/corecheck \
 && rm -rf out/static/src \
 && npm run build \
 && test -f dist/src/cli/main.js \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive NODE_ENV=production \
    SURFHIVE_HIVE=/var/lib/surfhive/hive SURFHIVE_WORK_DIR=/var/lib/surfhive/work
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates curl util-linux \
      clang llvm lld gcc libc6-dev libbpf-dev bpftool dwarves libdw1 libelf1 zlib1g \
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
      rpm2cpio cpio zstd xz-utils bzip2 bubblewrap \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/surfhive
COPY --from=build /opt/surfhive/package.json ./
COPY --from=build /opt/surfhive/node_modules ./node_modules
COPY --from=build /opt/surfhive/dist ./dist
COPY --from=build /opt/surfhive/out ./out
COPY --from=build /opt/surfhive/native ./native
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/surfhive surfhive \
 && mkdir -p /var/lib/surfhive/hive /var/lib/surfhive/work \
 && chown -R surfhive:surfhive /var/lib/surfhive
USER surfhive
EXPOSE 7655
# The API's liveness; compose overrides it for workers (they serve no HTTP).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:7655/healthz || exit 1
ENTRYPOINT ["node", "/opt/surfhive/dist/src/cli/main.js"]
CMD ["serve"]
