#!/usr/bin/env bash
# Loopback load of legacy `struct task_struct` lookups (POST /lbc) against this
# machine's own kernel database, built from /sys/kernel/btf/vmlinux.
# usage: bench/lookup/run.sh [duration_s=20] [connections=16]
# Another kernel: BENCH_HIVE=DIR BENCH_VER=6.1.0-…-amd64 (e.g. a hive `surfhive ingest debian …` filled).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20}
CONNS=${2:-16}
HIVE=${BENCH_HIVE:-bench/out/hive}
PORT=${BENCH_PORT:-17655}
[ -f dist/src/cli/main.js ] || npm run build --silent

if [ -z "${BENCH_VER:-}" ]; then node dist/src/cli/main.js build --local --hive "$HIVE" >/dev/null; fi
VER=${BENCH_VER:-$(uname -r)}
ARCH=${BENCH_ARCH:-$(uname -m)}
export LBC_BODY="[{\"cmd\":\"struct\",\"ver\":\"$VER\",\"arch\":\"$ARCH\",\"struct\":\"struct task_struct\"}]"

# One loopback client is far above any per-client quota: the limiter is off unless BENCH_RATE_LIMIT sets it.
SURFHIVE_LOOKUP_RATE_LIMIT=${BENCH_RATE_LIMIT:-0} SURFHIVE_LOG_LEVEL=warn node dist/src/cli/main.js serve --hive "$HIVE" --port "$PORT" --host 127.0.0.1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

answer=$(curl -fsS -H 'Content-Type: application/json' -d "$LBC_BODY" "http://127.0.0.1:$PORT/lbc")
bytes=$(printf '%s' "$answer" | wc -c)
members=$(printf '%s' "$answer" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).res[0].res;console.log(r.cell.length+" member rows, members="+r.members+", size="+r.size)})')
echo "kernel: $ARCH $VER; answer: $bytes bytes; $members"
echo "load: wrk -t1 -c$CONNS -d${DURATION}s (2 s warm-up first), $(nproc) cores"
wrk -t1 -c"$CONNS" -d2s -s bench/lookup/struct-lookup.lua "http://127.0.0.1:$PORT/lbc" >/dev/null
wrk -t1 -c"$CONNS" -d"${DURATION}s" -s bench/lookup/struct-lookup.lua "http://127.0.0.1:$PORT/lbc" | tail -n 5
