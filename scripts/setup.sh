#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) to build, test and serve surfhive.
# Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  ca-certificates curl gcc gdb make binutils util-linux
  clang llvm lld libbpf-dev bpftool dwarves libdw-dev libelf-dev zlib1g-dev
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  rpm2cpio cpio rpm dpkg-dev zstd xz-utils
  bubblewrap redis-server python3-cffi wrk createrepo-c chromium
)

missing_packages() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

if command -v apt-get >/dev/null; then
  mapfile -t missing < <(missing_packages)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "setup: run as root to install: ${missing[*]}" >&2
      exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

bash scripts/build-static-libs.sh x86_64 aarch64
bash scripts/build-native.sh
npm run build --silent
echo "setup: done"
