#!/usr/bin/env bash
# End to end of on-demand provisioning with the real Debian 6.1 debug package (~860 MB):
# an empty hive, a Debian-style mirror on 127.0.0.1 holding the package, `surfhive serve`
# with SURFHIVE_AUTO_INGEST=on, and a surftrace remote-mode client asking for
# `struct task_struct` on that kernel until it answers. Prints what the client first heard,
# the time from its first miss to a correct answer, and, as the same-run baseline, a
# direct `surfhive ingest` of the same package into another hive.
# usage: bench/fleet/e2e.sh   (env: BENCH_DEB=path/to.deb, SURFTRACE_CLIENT=checkout of aliyun/surftrace,
#                              BENCH_PORT, BENCH_OUT, E2E_BASELINE=0 to skip the baseline)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${BENCH_OUT:-bench/out/fleet}
PORT=${BENCH_PORT:-17666}
DEB=${BENCH_DEB:-$(ls /var/cache/surfhive-bench/linux-image-6.1.0-*-amd64-dbg_*_amd64.deb 2>/dev/null | sort -V | tail -n 1 || true)}
[ -n "$DEB" ] && [ -f "$DEB" ] || { echo "set BENCH_DEB to a linux-image-6.1.0-*-amd64-dbg .deb (bench/ingest/run.sh downloads one)" >&2; exit 1; }
[ -f dist/src/cli/main.js ] || npm run build --silent

NAME=$(dpkg-deb -f "$DEB" Package)
VERSION=$(dpkg-deb -f "$DEB" Version)
KVER=${NAME#linux-image-}
KVER=${KVER%-dbg}

rm -rf "$OUT"
MIRROR="$OUT/mirror/debian"
POOL="pool/main/l/linux"
mkdir -p "$MIRROR/$POOL" "$MIRROR/dists/bookworm/main/binary-amd64" "$OUT/hive"
ln "$DEB" "$MIRROR/$POOL/" 2>/dev/null || ln -s "$(realpath "$DEB")" "$MIRROR/$POOL/"
echo "hashing the package..."
cat >"$MIRROR/dists/bookworm/main/binary-amd64/Packages" <<STANZA
Package: $NAME
Version: $VERSION
Architecture: amd64
Filename: $POOL/$(basename "$DEB")
Size: $(stat -c %s "$DEB")
SHA256: $(sha256sum "$DEB" | cut -d' ' -f1)
Description: Debug symbols for linux-image-$KVER

STANZA
xz -f "$MIRROR/dists/bookworm/main/binary-amd64/Packages"

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
node bench/ingest/serve-mirror.mjs "$OUT/mirror" 0 >"$OUT/mirror.port" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$OUT/mirror.port" ] && break; sleep 0.1; done
MIRROR_URL="http://127.0.0.1:$(cat "$OUT/mirror.port")/debian"

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
SURFHIVE_AUTO_INGEST=on SURFHIVE_LOG_LEVEL=info SURFHIVE_LOOKUP_RATE_LIMIT=0 \
  node dist/src/cli/main.js serve --hive "$OUT/hive" --host 127.0.0.1 --port "$PORT" \
  --mirror "debian=$MIRROR_URL" >"$OUT/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done

python3 bench/fleet/lbc-client.py "$PORT" "$KVER" 3600 | tee "$OUT/client.out"
grep -o '"msg":"[^"]*provision[^"]*"' "$OUT/server.log" | head -3 || true

if [ "${E2E_BASELINE:-1}" != 0 ]; then
  echo "baseline: surfhive ingest debian $KVER alone, same mirror:"
  start=$(date +%s.%N)
  node dist/src/cli/main.js ingest debian "$KVER" --hive "$OUT/hive-baseline" --arch x86_64 \
    --mirror "debian=$MIRROR_URL" 2>/dev/null
  echo "baseline ingest: $(echo "$(date +%s.%N) - $start" | bc) s"
fi
