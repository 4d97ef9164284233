# Per-job compile sandbox, one image per target arch (build with
# --build-arg TARGET_ARCH=x86_64|aarch64, tag surfhive-sandbox:<arch>).
# Workers started with SURFHIVE_SANDBOX=docker run every compile step in a
# throw-away container of it: no network, read-only root, only /job writable,
# never root. The toolchain sits at the neutral paths the compile steps use:
#   /lbc/include/lbc.h, /lbc/include/bpf/ (libbpf's BPF headers),
#   /lbc/static/{lib,runtime}/ (PIC libbpf, libelf, zlib, the loader runtime),
# and clang/gcc on PATH. Only /job and /lbc/include/vmlinux.h are bound in per job.
# The same image confines every other tool that reads untrusted input (SURFHIVE_SANDBOX=docker is
# one policy for all of them): pahole (dwarves) and the DWARF helper at /lbc/bin/dwfuncs for
# uploaded modules (`ko`) and builds, bpftool for vmlinux.h and BTF bundles, the CO-RE helper at
# /lbc/bin/corecheck for uploaded BPF objects, and xz/zstd/bzip2 for ingest,
# each with only its input bound in.
# Debian 12 like the worker image: clang's resource directory is the same path in both.

FROM debian:12-slim AS static
ARG TARGET_ARCH=x86_64
ENV DEBIAN_FRONTEND=noninteractive
RUN sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates gcc make binutils dpkg-dev \
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
      m4 flex bison gawk gettext pkg-config libzstd-dev liblzma-dev libbz2-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY native ./native
COPY scripts ./scripts
RUN bash scripts/build-static-libs.sh "$TARGET_ARCH"
# The CO-RE helper runs on the engine's own arch whatever the image's target: it links that
# arch's static libbpf (and only the C library, the same Debian release as the final image).
RUN if [ "$(uname -m)" != "$TARGET_ARCH" ]; then bash scripts/build-static-libs.sh "$(uname -m)"; fi \
 && mkdir -p /src/out/native \
 && make -C native/corecheck OUT=/src/out/native STATIC=/src/out/static \
 && test -x /src/out/native/corecheck

# The DWARF helper, built against the final image's own libdw (same Debian release).
FROM debian:12-slim AS dwfuncs
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc make libc6-dev libdw-dev libelf-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY native/dwfuncs ./native/dwfuncs
RUN make -C native/dwfuncs OUT=/src/out && test -x /src/out/dwfuncs

FROM debian:12-slim
ARG TARGET_ARCH=x86_64
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang llvm lld gcc libc6-dev binutils \
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
      dwarves bpftool libdw1 libelf1 xz-utils zstd bzip2 \
 && rm -rf /var/lib/apt/lists/*
COPY native/lbc/lbc.h /lbc/include/lbc.h
COPY --from=static /src/out/static/${TARGET_ARCH}/include/bpf /lbc/include/bpf
COPY --from=static /src/out/static/${TARGET_ARCH}/lib /lbc/static/lib
COPY --from=static /src/out/static/${TARGET_ARCH}/runtime /lbc/static/runtime
COPY --from=dwfuncs /src/out/dwfuncs /lbc/bin/dwfuncs
COPY --from=static /src/out/native/corecheck /lbc/bin/corecheck
# Mount points for the per-job binds (the root file system is read-only at run time).
RUN touch /lbc/include/vmlinux.h \
 && mkdir -p /job \
 && useradd --system --uid 10001 --user-group --no-create-home job
USER job
WORKDIR /job
