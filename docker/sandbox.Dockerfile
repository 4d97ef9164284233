# Per-job compile sandbox: the toolchain only, no network at run time (the worker
# starts it with NetworkMode none, a read-only root, and the job directory as the
# only writable mount).
FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang llvm lld gcc libc6-dev libbpf-dev bpftool \
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
 && rm -rf /var/lib/apt/lists/*
COPY build/static /opt/surfhive/static
COPY native/lbc /opt/surfhive/native/lbc
RUN useradd --system --uid 10001 job
USER job
WORKDIR /job
