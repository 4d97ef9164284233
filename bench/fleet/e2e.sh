#!/usr/bin/env bash
# End to end of on-demand provisioning with the real Debian 6.1 debug package (~860 MB):
# an empty hive, a Debian-style mirror on 127.0.0.1 holding the package, `surfhive serve`
# with SURFHIVE_AUTO_INGEST=on, and a surftrace remote-mode client asking for
# `struct task_struct` on that kernel until it answers. Prints what the client first heard,
# the time from its first miss to a correct answer, and, as the same-run baseline, the same
# steps by hand: the package downloaded from the same mirror with curl, its vmlinux extracted
# with dpkg-deb and tar, `pahole -J` alone on it, and `surfhive build` alone on it. Their sum is
# what the work costs; the difference to the client's wait is the provisioning overhead.
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

kill "${PIDS[1]}" 2>/dev/null || true # the server: the baseline runs alone beside the mirror
wait "${PIDS[1]}" 2>/dev/null || true

if [ "${E2E_BASELINE:-1}" != 0 ]; then
  echo "baseline: the same steps by hand, one after the other (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  HAND="$OUT/by-hand"
  mkdir -p "$HAND"
  seconds() { echo "$(date +%s.%N) - $1" | bc; }
  t0=$(date +%s.%N)
  curl -sSf -o "$HAND/pkg.deb" "$MIRROR_URL/$POOL/$(basename "$DEB")"
  t_dl=$(seconds "$t0")
  t1=$(date +%s.%N)
  dpkg-deb --fsys-tarfile "$HAND/pkg.deb" | tar -x -C "$HAND" "./usr/lib/debug/boot/vmlinux-$KVER"
  VMLINUX="$HAND/usr/lib/debug/boot/vmlinux-$KVER"
  t_ex=$(seconds "$t1")
  t2=$(date +%s.%N)
  pahole -J --btf_gen_all --btf_encode_detached="$HAND/vmlinux.btf" "$VMLINUX"
  t_pahole=$(seconds "$t2")
  t3=$(date +%s.%N)
  node dist/src/cli/main.js build "$VMLINUX" --hive "$HAND/hive" --release debian --arch x86_64 \
    --ver "$KVER" >"$HAND/build.log" 2>&1
  t_build=$(seconds "$t3")
  printf 'by hand: curl %.1f s, extract %.1f s, pahole -J alone %.1f s, surfhive build alone %.1f s\n' \
    "$t_dl" "$t_ex" "$t_pahole" "$t_build"
  printf 'by hand, download + extract + build: %.1f s\n' "$(echo "$t_dl + $t_ex + $t_build" | bc)"
  grep -o 'first miss to correct answer: [0-9.]* s' "$OUT/client.out" || true
  rm -rf "$HAND/pkg.deb" "$HAND/usr"
fi
