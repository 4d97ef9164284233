#!/usr/bin/env bash
# Lookups against the same-run ceilings, on the real Debian 6.1 database (`struct task_struct`,
# a 47.6 KB answer), wrk with CONNS connections:
#   1. one process: surfhive, bare Node, and Fastify alone returning the same bytes,
#      keep-alive and `Connection: close` (a new connection per request, as the Python clients do);
#   2. the same with `--processes auto` (surfhive) and one bare Node per core;
#   3. a many-kernels mix: MIX_KERNELS copies of the database in one hive, struct lookups spread
#      over all of them with a Zipf skew, the handle cache at its default and at 64; p99, errors, RSS;
#      from a cold server (every pair asked for the first time), then the same server warm.
# usage: bench/lookup/run.sh [duration_s=10] [connections=16]   (MIX_ONLY=1: the many-kernels mix alone)
# ROUNDS (default 3): each shape runs surfhive and its ceilings one after another, ROUNDS times over;
# the ratio to bare Node is taken within each round and its median reported, so that a machine
# whose speed drifts (a shared VM) compares like with like.
# The database is built once from the Debian debug package bench/build/run.sh downloads into
# BENCH_CACHE (default /var/cache/surfhive-bench); BENCH_HIVE=DIR BENCH_VER=... uses a hive you have.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-10}
CONNS=${2:-16}
CACHE=${BENCH_CACHE:-/var/cache/surfhive-bench}
OUT=${BENCH_OUT:-bench/out/lookup}
PORT=${BENCH_PORT:-17655}
MIX_KERNELS=${MIX_KERNELS:-300}
ROUNDS=${ROUNDS:-3}
mkdir -p "$OUT"
[ -f dist/src/cli/main.js ] || npm run build --silent
CLI=dist/src/cli/main.js

echo "machine: $(nproc) cores; load at start $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the database -------------------------------------------------------------------------
HIVE=${BENCH_HIVE:-$OUT/hive}
VER=${BENCH_VER:-}
if [ -z "$VER" ]; then
  deb=$(ls "$CACHE"/linux-image-6.1.0-*-amd64-dbg_*.deb 2>/dev/null | head -n1 || true)
  [ -n "$deb" ] || { echo "no linux-image-6.1.0-*-amd64-dbg package in $CACHE: run bench/build/run.sh (same BENCH_CACHE)"; exit 1; }
  VER=$(basename "$deb" | sed -E 's/^linux-image-(.*)-dbg_.*$/\1/')
  if [ ! -f "$HIVE/x86_64/db/debian/info-$VER.db" ]; then
    vmlinux=$(ls "$CACHE"/x/usr/lib/debug/boot/vmlinux-"$VER" 2>/dev/null || true)
    if [ -z "$vmlinux" ]; then
      mkdir -p "$OUT/x"
      dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$OUT/x" --wildcards "./usr/lib/debug/boot/vmlinux-$VER"
      vmlinux=$OUT/x/usr/lib/debug/boot/vmlinux-$VER
    fi
    echo "building the $VER database from $vmlinux (about a minute)"
    node "$CLI" build --hive "$HIVE" --release debian --arch x86_64 --ver "$VER" "$vmlinux" | tail -n1
    rm -rf "$OUT/x"
  fi
fi
ARCH=${BENCH_ARCH:-x86_64}
export LBC_BODY="[{\"cmd\":\"struct\",\"ver\":\"$VER\",\"arch\":\"$ARCH\",\"struct\":\"struct task_struct\"}]"

# --- servers --------------------------------------------------------------------------------
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

wait_up() { # url [curl args]
  for _ in $(seq 600); do curl -fsS -o /dev/null "$@" 2>/dev/null && return 0; sleep 0.1; done
  echo "server at $1 did not come up"; exit 1
}
# One loopback load client is far above any per-client quota: the limiter is off. Logging is as
# shipped (level info, one access line per request) into a file, as a log collector would take it;
# SURFHIVE_ACCESS_LOG=off in the environment measures without the access line.
SERVER_LOG=$OUT/server.log
start_surfhive() { # hive port processes
  SURFHIVE_LOOKUP_RATE_LIMIT=0 node "$CLI" serve --hive "$1" --port "$2" \
    --host 127.0.0.1 --processes "$3" >"$SERVER_LOG" &
  PIDS+=($!)
  SERVER=$!
  wait_up "http://127.0.0.1:$2/readyz"
}
access_lines() { grep -c '"msg":"request"' "$SERVER_LOG" || true; }
start_ceiling() { # port processes kind
  node bench/lookup/ceiling.mjs "$OUT/answer.json" "$1" "$2" "$3" &
  PIDS+=($!)
  SERVER=$!
  wait_up "http://127.0.0.1:$1/lbc" -d "$LBC_BODY"
}
stop_server() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
}
cpu_ticks() { # CPU time (user + system, clock ticks) of $SERVER and its children
  local t=0
  for p in "$SERVER" $(pgrep -P "$SERVER" || true); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$t"
}
# Besides wrk's figures: the servers' CPU time per request, which a loaded machine disturbs less.
load() { # label port shape
  local hdr=() before line
  [ "$3" = close ] && hdr=(-H 'Connection: close')
  wrk -t1 -c"$CONNS" -d2s "${hdr[@]}" -s bench/lookup/struct-lookup.lua "http://127.0.0.1:$2/lbc" >/dev/null
  before=$(cpu_ticks)
  line=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" "${hdr[@]}" -s bench/lookup/struct-lookup.lua "http://127.0.0.1:$2/lbc" | tail -n1)
  local cpu
  cpu=$(awk -v t=$(($(cpu_ticks) - before)) -v hz="$(getconf CLK_TCK)" -v r="${line%% req/s*}" -v d="$DURATION" \
    'BEGIN { printf "%.0f", t / hz * 1e6 / (r * d) }')
  printf '%-28s %-10s %s  server CPU %s us/req\n' "$1" "$3" "$line" "$cpu"
  # for the summary: processes shape round label req/s cpu
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$PROCS" "$3" "$ROUND" "$1" "$(awk '{print $1}' <<<"$line")" "$cpu" >>"$RESULTS"
}
rss_of() { # pid: the process and its children, current and peak
  local cur=0 peak=0
  for p in "$1" $(pgrep -P "$1" || true); do
    cur=$((cur + $(awk '/VmRSS/{print $2}' "/proc/$p/status")))
    peak=$((peak + $(awk '/VmHWM/{print $2}' "/proc/$p/status")))
  done
  echo "RSS $((cur / 1024)) MB now, $((peak / 1024)) MB peak (sum over processes)"
}

# --- 1 and 2: one answer, surfhive against the ceilings (MIX_ONLY=1 skips them) --------------
if [ "${MIX_ONLY:-0}" != 1 ]; then
start_surfhive "$HIVE" "$PORT" 1
curl -fsS -o "$OUT/answer.json" -d "$LBC_BODY" "http://127.0.0.1:$PORT/lbc"
stop_server
echo "kernel: $ARCH $VER; answer: $(wc -c <"$OUT/answer.json") bytes (struct task_struct); wrk -t1 -c$CONNS -d${DURATION}s after 2 s warm-up"
RESULTS=$OUT/results.tsv
: >"$RESULTS"
for procs in 1 auto; do
  n=$([ "$procs" = auto ] && nproc || echo 1)
  PROCS=$procs
  echo "-- processes: $procs ($n)"
  for shape in keep-alive close; do
    for ROUND in $(seq "$ROUNDS"); do
      start_surfhive "$HIVE" "$PORT" "$procs"
      load "surfhive" "$PORT" "$shape"
      stop_server
      echo "  (access log: $(access_lines) lines written)"
      if [ "$procs" = 1 ]; then
        # What the access line costs: the same, SURFHIVE_ACCESS_LOG=off.
        SURFHIVE_ACCESS_LOG=off start_surfhive "$HIVE" "$PORT" 1
        load "surfhive, access log off" "$PORT" "$shape"
        stop_server
      fi
      start_ceiling $((PORT + 1)) "$n" node
      load "bare node:http (ceiling)" $((PORT + 1)) "$shape"
      stop_server
      if [ "$procs" = 1 ]; then
        start_ceiling $((PORT + 2)) 1 fastify
        load "fastify alone, one route" $((PORT + 2)) "$shape"
        stop_server
      fi
    done
  done
done
# Per round, each figure over bare Node's of the same round; the median of the rounds.
echo "-- over bare Node, per round, and the median of $ROUNDS rounds (req/s ratio; CPU per request, bare Node's over this one's)"
awk -F'\t' '
  { key = $1 SUBSEP $2 SUBSEP $3; if ($4 ~ /ceiling/) { base[key] = $5; basecpu[key] = $6 } else { rows[NR] = $0 } }
  END {
    for (i = 1; i <= NR; i++) { if (!(i in rows)) continue
      split(rows[i], f, "\t"); key = f[1] SUBSEP f[2] SUBSEP f[3]
      g = f[1] "\t" f[2] "\t" f[4]; if (!(g in seen)) { seen[g] = 1; order[++ng] = g }
      r[g, ++cnt[g]] = f[5] / base[key]; c[g, cnt[g]] = basecpu[key] / f[6]
    }
    for (k = 1; k <= ng; k++) {
      g = order[k]; split(g, f, "\t"); m = cnt[g]; list = ""
      for (i = 1; i <= m; i++) { v[i] = r[g, i]; w[i] = c[g, i]; list = list sprintf(" %.2f", v[i]) }
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) { if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t } if (w[j] < w[i]) { t = w[i]; w[i] = w[j]; w[j] = t } }
      mid = int((m + 1) / 2)
      printf "processes %-4s %-10s %-28s rounds%s  median %.2f (CPU %.2f)\n", f[1], f[2], f[3], list, v[mid], w[mid]
    }
  }' "$RESULTS"

fi

# --- 3: many kernels ------------------------------------------------------------------------
MIX=$OUT/mix-hive
src_db="$HIVE/x86_64/db/debian/info-$VER.db"
if [ "$(ls "$MIX/x86_64/db/mix" 2>/dev/null | wc -l)" != "$MIX_KERNELS" ]; then
  rm -rf "$MIX" && mkdir -p "$MIX/x86_64/db/mix"
  for i in $(seq "$MIX_KERNELS"); do cp --reflink=auto "$src_db" "$MIX/x86_64/db/mix/info-6.1.0-$i-mix.db"; done
fi
echo "-- many kernels: $MIX_KERNELS copies of the database ($(du -sh "$MIX" | cut -f1)), 15 struct names," \
  "kernels Zipf(1.1)-skewed; the files in the OS page cache, the server cold (no warm-up requests)"
export MIX_KERNELS MIX_PREFIX=6.1.0- MIX_SUFFIX=-mix
# The handle cache at its default, then smaller than the kernel count (every miss of a closed kernel opens it).
for handles in "${SURFHIVE_DB_CACHE:-default}" 64; do
  if [ "$handles" = default ]; then unset SURFHIVE_DB_CACHE; else export SURFHIVE_DB_CACHE=$handles; fi
  # Each run starts from the same state: files read from memory, not from whatever the disk gives.
  cat "$MIX"/x86_64/db/mix/*.db >/dev/null
  start_surfhive "$MIX" "$PORT" 1
  printf '%-45s ' "surfhive, one process, keep-alive, handles $handles"
  wrk -t1 -c"$CONNS" -d"$((DURATION * 2))s" -s bench/lookup/mix.lua "http://127.0.0.1:$PORT/lbc" | tail -n1
  # The same server again: every (kernel, struct) pair asked once already, the steady state.
  printf '%-45s ' "  the same server, warm"
  wrk -t1 -c"$CONNS" -d"${DURATION}s" -s bench/lookup/mix.lua "http://127.0.0.1:$PORT/lbc" | tail -n1
  echo "  $(rss_of "$SERVER")"
  curl -fsS "http://127.0.0.1:$PORT/metrics" | grep -E '^surfhive_(db|answer)_cache_total' | tr '\n' ' '
  echo
  stop_server
done
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg)"
