#!/usr/bin/env bash
# End-to-end ingest of the real Debian debug kernel package (~860 MB) from a mirror on
# 127.0.0.1: resolve (Packages.xz) → download → xz → pahole → publish. Prints wall time,
# peak RSS and phase times, then a plain `xz -d` of the same data.tar.xz for comparison.
# usage: bench/ingest/run.sh    (env: BENCH_DEB=path/to.deb, BENCH_PORT, BENCH_OUT)
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=/var/cache/surfhive-bench
OUT=${BENCH_OUT:-bench/out/ingest}
PORT=${BENCH_PORT:-17656}

DEB=${BENCH_DEB:-$(ls "$CACHE"/linux-image-6.1.0-*-amd64-dbg_*_amd64.deb 2>/dev/null | sort -V | tail -n 1 || true)}
if [ -z "$DEB" ] || [ ! -f "$DEB" ]; then
  PKG=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-dbg$' | cut -d' ' -f1 | sort -V | tail -n 1)
  [ -n "$PKG" ] || { echo "no linux-image-6.1.0-*-amd64-dbg package known to apt" >&2; exit 1; }
  mkdir -p "$CACHE"
  (cd "$CACHE" && apt-get download "$PKG")
  DEB=$(ls "$CACHE"/"$PKG"_*_amd64.deb | tail -n 1)
fi
[ -f dist/src/cli/main.js ] && [ -f dist/src/ingest/run.js ] || npm run build --silent

NAME=$(dpkg-deb -f "$DEB" Package)
VERSION=$(dpkg-deb -f "$DEB" Version)
KVER=${NAME#linux-image-}
KVER=${KVER%-dbg}
SIZE=$(stat -c %s "$DEB")

# A Debian-style mirror: pool/ (a hard or symbolic link to the package) and Packages.xz.
rm -rf "$OUT"
MIRROR="$OUT/mirror/debian"
POOL="pool/main/l/linux"
mkdir -p "$MIRROR/$POOL" "$MIRROR/dists/bookworm/main/binary-amd64"
ln "$DEB" "$MIRROR/$POOL/" 2>/dev/null || ln -s "$DEB" "$MIRROR/$POOL/"
echo "hashing the package..."
SHA=$(sha256sum "$DEB" | cut -d' ' -f1)
cat >"$MIRROR/dists/bookworm/main/binary-amd64/Packages" <<STANZA
Package: $NAME
Version: $VERSION
Architecture: amd64
Filename: $POOL/$(basename "$DEB")
Size: $SIZE
SHA256: $SHA
Description: Debug symbols for linux-image-$KVER

STANZA
xz -f "$MIRROR/dists/bookworm/main/binary-amd64/Packages"

node bench/ingest/serve-mirror.mjs "$OUT/mirror" "$PORT" >"$OUT/server.port" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$OUT/server.port" ] && break; sleep 0.1; done

echo "package: $(basename "$DEB") ($((SIZE / 1024 / 1024)) MB), kernel $KVER; $(nproc) cores"
sync
/usr/bin/time -v -o "$OUT/time.txt" \
  node dist/src/cli/main.js ingest debian "$KVER" --hive "$OUT/hive" --arch x86_64 \
  --mirror "debian=http://127.0.0.1:$PORT/debian" 2>"$OUT/ingest.err" | tee "$OUT/ingest.out"
grep -v '^download [0-9]*%' "$OUT/ingest.err" || true
echo "wall: $(grep 'Elapsed (wall clock)' "$OUT/time.txt" | awk '{print $NF}')" \
  "  user: $(grep 'User time' "$OUT/time.txt" | awk '{print $NF}') s" \
  "  sys: $(grep 'System time' "$OUT/time.txt" | awk '{print $NF}') s" \
  "  peak RSS (largest process): $(($(grep 'Maximum resident' "$OUT/time.txt" | awk '{print $NF}') / 1024)) MB"
ls -l "$OUT/hive/x86_64/db/debian" "$OUT/hive/x86_64/pack/debian"

echo "for comparison, a plain single-threaded xz -d of the whole data.tar.xz:"
start=$(date +%s.%N)
ar p "$DEB" data.tar.xz | xz -d -T1 >/dev/null
echo "xz -d: $(echo "$(date +%s.%N) - $start" | bc) s"
