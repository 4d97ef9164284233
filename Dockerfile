# API and worker image: Node 20 plus the kernel toolchain surfhive drives
# (pahole, bpftool, clang, libdw) and the native helpers built at setup.
FROM node:20-bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates curl gcc make util-linux dpkg-dev \
      clang llvm lld libbpf-dev bpftool dwarves libdw-dev libelf-dev zlib1g-dev \
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
      rpm2cpio cpio rpm zstd xz-utils bubblewrap python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/surfhive
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json biome.json ./
COPY src ./src
COPY workers ./workers
COPY web ./web
COPY native ./native
COPY scripts ./scripts
RUN bash scripts/build-native.sh \
 && bash scripts/build-static-libs.sh \
 && npm run build \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive NODE_ENV=production SURFHIVE_HIVE=/var/lib/surfhive/hive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates curl gcc util-linux \
      clang llvm lld libbpf-dev bpftool dwarves libdw1 libelf1 zlib1g-dev \
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
      rpm2cpio cpio rpm zstd xz-utils bubblewrap \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/surfhive
COPY --from=build /opt/surfhive/package.json ./
COPY --from=build /opt/surfhive/node_modules ./node_modules
COPY --from=build /opt/surfhive/dist ./dist
COPY --from=build /opt/surfhive/build ./build
COPY --from=build /opt/surfhive/native ./native
RUN useradd --system --home /var/lib/surfhive surfhive \
 && mkdir -p /var/lib/surfhive/hive && chown -R surfhive /var/lib/surfhive
USER surfhive
EXPOSE 7655
HEALTHCHECK --interval=15s --timeout=3s --retries=3 CMD curl -fsS http://127.0.0.1:7655/healthz || exit 1
ENTRYPOINT ["node", "/opt/surfhive/dist/src/cli/main.js"]
CMD ["serve"]
