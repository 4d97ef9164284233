#!/bin/sh
# Builds the project's native helpers into out/native/ (idempotent: make
# rebuilds only what changed). Needs: gcc make libdw-dev libelf-dev, and
# gcc-aarch64-linux-gnu libc6-dev-arm64-cross for the aarch64 symbol helper.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/out/native"
mkdir -p "$out"

for tool in make cc; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-native: '$tool' not found (apt-get install gcc make)" >&2; exit 1; }
done
if [ ! -f /usr/include/elfutils/libdw.h ] || [ ! -f /usr/include/gelf.h ]; then
  echo "build-native: libdw/libelf headers missing (apt-get install libdw-dev libelf-dev)" >&2
  exit 1
fi

# One line per helper: native/<name>/Makefile builds $(OUT)/<name>
# (per-arch libraries: $(OUT)/<arch>/lib<name>.so).
HELPERS="
corecheck
dwfuncs
symhelper
"

# corecheck links the PIC static libbpf of scripts/build-static-libs.sh (a sibling of $out).
static="$(dirname "$out")/static"
for helper in $HELPERS; do
  if [ "$helper" = corecheck ] && [ ! -f "$static/$(uname -m)/lib/libbpf.a" ]; then
    echo "build-native: no static libbpf yet, corecheck skipped (run scripts/build-static-libs.sh first)" >&2
    continue
  fi
  make --no-print-directory -s -C "$root/native/$helper" OUT="$out" STATIC="$static"
done
