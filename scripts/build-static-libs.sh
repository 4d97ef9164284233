#!/usr/bin/env bash
# Builds position-independent static libbpf, libelf and zlib from Debian's
# source packages, plus the lbc loader runtime, for each requested arch:
#   out/static/<arch>/{lib,include,runtime}
# Debian's own static archives are not PIC, so a .so cannot link them.
# Idempotent: each piece is rebuilt only when its stamp is missing or stale.
#
# usage: scripts/build-static-libs.sh [x86_64] [aarch64]   (default: the host arch)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATIC="$ROOT/out/static"
SRC="$STATIC/src"
RUNTIME_SRC="$ROOT/native/lbc/runtime"
JOBS="${JOBS:-2}"
PKGS=(libbpf elfutils zlib)
# Bump when the recipe changes: stamps written by another recipe are rebuilt.
RECIPE=2
# No build-host path may end up in a shipped .so (assert() and __FILE__ strings).
PIC_CFLAGS="-O2 -fPIC -ffile-prefix-map=$STATIC=/lbc"

fresh() { [[ -f "$1" && "$(cat "$1")" == "$RECIPE" ]]; }

log() { printf '[static-libs] %s\n' "$*" >&2; }

ensure_deb_src() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [[ -f $f ]] && ! grep -q 'deb-src' "$f"; then
    log "enabling deb-src in $f"
    sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
    apt-get update -qq
  elif ! compgen -G '/var/lib/apt/lists/*_Sources*' >/dev/null; then
    # deb-src listed but no source index (an image layer that cleaned the apt lists)
    apt-get update -qq
  fi
}

# Unpacks each source package once (Debian patches applied) into $SRC/<pkg>.
ensure_sources() {
  mkdir -p "$SRC"
  local pkg missing=()
  for pkg in "${PKGS[@]}"; do
    [[ -f "$SRC/$pkg.unpacked" ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  ensure_deb_src
  (cd "$SRC" && apt-get source --download-only "${missing[@]}")
  for pkg in "${missing[@]}"; do
    local dsc
    dsc=$(ls "$SRC"/"${pkg}"_*.dsc | head -n1)
    rm -rf "${SRC:?}/$pkg"
    dpkg-source -x "$dsc" "$SRC/$pkg" >/dev/null
    touch "$SRC/$pkg.unpacked"
  done
}

toolchain_for() {
  case "$1" in
    x86_64) TRIPLE=x86_64-linux-gnu ;;
    aarch64) TRIPLE=aarch64-linux-gnu ;;
    *) log "unsupported arch: $1"; exit 2 ;;
  esac
  if [[ "$(uname -m)" == "$1" ]]; then
    CC=gcc AR=ar RANLIB=ranlib
  else
    CC="$TRIPLE-gcc" AR="$TRIPLE-ar" RANLIB="$TRIPLE-ranlib"
  fi
  command -v "$CC" >/dev/null || { log "missing compiler $CC"; exit 2; }
}

build_zlib() {
  local out=$1 work=$1/work/zlib
  fresh "$out/.zlib.done" && return 0
  log "$ARCH: zlib"
  rm -rf "$work" && mkdir -p "$work" && cp -a "$SRC/zlib/." "$work/"
  (cd "$work" && CC="$CC" AR="$AR" RANLIB="$RANLIB" CFLAGS="$PIC_CFLAGS" ./configure --static >/dev/null &&
    make -s -j"$JOBS" libz.a >/dev/null)
  install -D -m644 "$work/libz.a" "$out/lib/libz.a"
  install -D -m644 "$work/zlib.h" "$out/include/zlib.h"
  install -D -m644 "$work/zconf.h" "$out/include/zconf.h"
  echo "$RECIPE" >"$out/.zlib.done"
}

build_libelf() {
  local out=$1 work=$1/work/elfutils
  fresh "$out/.libelf.done" && return 0
  log "$ARCH: libelf"
  rm -rf "$work" && mkdir -p "$work"
  (cd "$work" && CC="$CC" AR="$AR" RANLIB="$RANLIB" CFLAGS="$PIC_CFLAGS" \
    CPPFLAGS="-I$out/include" LDFLAGS="-L$out/lib" \
    "$SRC/elfutils/configure" --build="$(uname -m)-linux-gnu" --host="$TRIPLE" --disable-debuginfod --disable-libdebuginfod \
    --without-bzlib --without-lzma --without-zstd --disable-nls >/dev/null &&
    make -s -j"$JOBS" -C lib >/dev/null && make -s -j"$JOBS" -C libelf libelf.a >/dev/null)
  install -D -m644 "$work/libelf/libelf.a" "$out/lib/libelf.a"
  for h in libelf.h gelf.h nlist.h; do install -D -m644 "$SRC/elfutils/libelf/$h" "$out/include/$h"; done
  echo "$RECIPE" >"$out/.libelf.done"
}

build_libbpf() {
  local out=$1 work=$1/work/libbpf
  fresh "$out/.libbpf.done" && return 0
  log "$ARCH: libbpf"
  rm -rf "$work" && mkdir -p "$work"
  make -s -j"$JOBS" -C "$SRC/libbpf/src" BUILD_STATIC_ONLY=1 OBJDIR="$work" \
    CC="$CC" AR="$AR" CFLAGS="$PIC_CFLAGS -I$out/include" >/dev/null
  make -s -C "$SRC/libbpf/src" install_headers DESTDIR="$out" PREFIX= INCLUDEDIR=/include OBJDIR="$work" >/dev/null
  install -D -m644 "$work/libbpf.a" "$out/lib/libbpf.a"
  echo "$RECIPE" >"$out/.libbpf.done"
}

# The runtime is rebuilt whenever its sources change (stamp = their sha256).
build_runtime() {
  local out=$1 dir=$1/runtime stamp
  compgen -G "$RUNTIME_SRC/*.c" >/dev/null || { log "no runtime sources in $RUNTIME_SRC"; return 1; }
  stamp=$( (echo "$RECIPE"; cat "$RUNTIME_SRC"/*.c "$RUNTIME_SRC"/*.h "$RUNTIME_SRC"/exports.map) | sha256sum | cut -d' ' -f1)
  [[ -f "$dir/stamp" && "$(cat "$dir/stamp")" == "$stamp" ]] && return 0
  log "$ARCH: lbc runtime"
  rm -rf "$dir" && mkdir -p "$dir"
  local c objs=()
  for c in "$RUNTIME_SRC"/*.c; do
    local o="$dir/$(basename "${c%.c}").o"
    "$CC" -std=gnu11 -O2 -g -fPIC -fvisibility=hidden -ffile-prefix-map="$ROOT"=. -Wall -Wextra -Werror \
      -I"$out/include" -I"$RUNTIME_SRC" -c "$c" -o "$o"
    objs+=("$o")
  done
  "$AR" rcs "$dir/liblbcrt.a" "${objs[@]}"
  install -m644 "$RUNTIME_SRC/exports.map" "$dir/exports.map"
  echo "$stamp" >"$dir/stamp"
}

main() {
  local arches=("$@")
  ((${#arches[@]} == 0)) && arches=("$(uname -m)")
  ensure_sources
  for ARCH in "${arches[@]}"; do
    toolchain_for "$ARCH"
    local out="$STATIC/$ARCH"
    mkdir -p "$out"
    build_zlib "$out"
    build_libelf "$out"
    build_libbpf "$out"
    build_runtime "$out"
    log "$ARCH: ready in $out"
  done
}

main "$@"
