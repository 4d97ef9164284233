#!/usr/bin/env bash
# Real-kernel checks of BTF distribution against a hive of real kernels (default: the one
# bench/build/run.sh style builds leave in $BENCH_HIVE), each printed with its oracle:
#  1. debuginfod-find section <build-id> .BTF (Debian's client) == that vmlinux's own .BTF section
#     (what its build's pahole -J wrote; vmlinux files under $BENCH_VMLINUX_DIR, named
#     vmlinux-<ver>), or == pahole -J without -j when the vmlinux has no .BTF, or ==
#     /sys/kernel/btf/vmlinux for this machine's kernel (release local);
#  2. bpftool btf dump file reads what /btfhub/... serves for this machine's kernel;
#  3. a CO-RE libbpf program loads with btf_custom_path = that file (needs root, tracefs).
#  4. task_struct.__state and comm offsets from the history API == pahole -C on each kernel.
# usage: BENCH_HIVE=DIR BENCH_VMLINUX_DIR=DIR bench/btf/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
HIVE=${BENCH_HIVE:?set BENCH_HIVE to a hive holding real kernels}
VMDIR=${BENCH_VMLINUX_DIR:-/nonexistent}
PORT=${BENCH_PORT:-17699}
OUT=$(mktemp -d /tmp/surfhive-btf-check-XXXXXX)
[ -f dist/src/cli/main.js ] || npm run build --silent
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"

SURFHIVE_LOG_LEVEL=warn node dist/src/cli/main.js serve --hive "$HIVE" --port "$PORT" --host 127.0.0.1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$OUT"' EXIT
for _ in $(seq 200); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
BASE=http://127.0.0.1:$PORT

curl -fsS "$BASE/api/v1/kernels?limit=500" | node -e '
  let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const k of JSON.parse(s).items)console.log(k.arch,k.release,k.ver)})' >"$OUT/kernels"
while read -r arch release ver; do
  id=$(curl -fsS "$BASE/api/v1/kernels/$arch/$ver" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).meta.build_id??""))')
  [ -n "$id" ] || { echo "$ver: no build id recorded"; continue; }
  t0=$(date +%s.%N)
  got=$(DEBUGINFOD_URLS=$BASE DEBUGINFOD_CACHE_PATH=$OUT/cache debuginfod-find section "$id" .BTF)
  t1=$(date +%s.%N)
  if [ "$release" = local ]; then ref=/sys/kernel/btf/vmlinux; else
    ref=$OUT/ref-$ver.btf
    # the kernel's own .BTF when its build embedded one; else pahole in one thread (-j output
    # differs from run to run: bench/btf/pahole-determinism.sh)
    if ! objcopy --dump-section .BTF="$ref" "$VMDIR/vmlinux-$ver" "$OUT/junk" 2>/dev/null; then
      ref=$OUT/ref-$ver-pahole.btf
      pahole -J --btf_gen_all --btf_encode_detached="$ref" "$VMDIR/vmlinux-$ver"
    fi
    rm -f "$OUT/junk"
  fi
  # when they differ, bpftool's type lists tell whether only the order does
  if cmp -s "$got" "$ref"; then verdict=equal; else
    verdict="DIFFERENT (types: served $(bpftool btf dump file "$got" | grep -c '^\[') vs $(bpftool btf dump file "$ref" | grep -c '^\['); sorted type lines $(cmp -s <(bpftool btf dump file "$got" | sed 's/^\[[0-9]*\] //' | sort) <(bpftool btf dump file "$ref" | sed 's/^\[[0-9]*\] //' | sort) && echo same || echo differ))"
  fi
  printf '%s %s build-id %s: debuginfod-find %s bytes in %.2f s, %s to %s\n' \
    "$release" "$ver" "$id" "$(stat -c %s "$got")" "$(echo "$t1 - $t0" | bc)" "$verdict" "$ref"
  for m in __state comm; do
    api=$(curl -fsS "$BASE/api/v1/structs/task_struct/history?member=$m&arch=$arch" | node -e '
      let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const k=JSON.parse(s).kernels.find(k=>k.ver===process.argv[1]);console.log(k.place.offset)})' "$ver")
    src=$([ "$release" = local ] && echo /sys/kernel/btf/vmlinux || echo "$VMDIR/vmlinux-$ver")
    pah=$(pahole -C task_struct "$src" 2>/dev/null | awk -v m="$m" '$0 ~ "[ *]"m"(\\[[0-9]+\\])?;" {for(i=1;i<=NF;i++) if($i=="/*"){print $(i+1); exit}}' || true)
    echo "  task_struct.$m: history API offset $api, pahole -C $pah $([ "$api" = "$pah" ] && echo OK || echo MISMATCH)"
  done
done <"$OUT/kernels"

# this machine's kernel from the BTFHub-shaped archive: bpftool reads it, libbpf loads a CO-RE program with it
url=$(curl -fsS "$BASE/btfhub?limit=500" | node -e '
  let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const k=JSON.parse(s).items.find(i=>i.release==="local");console.log(k?k.url:"")})')
[ -n "$url" ] || { echo "no local kernel in the archive"; exit 1; }
curl -fsS "$BASE$url" -o "$OUT/local.btf.tar.xz"
tar -xJf "$OUT/local.btf.tar.xz" -C "$OUT"
btf="$OUT/$(uname -r).btf"
echo "btfhub $url: $(bpftool btf dump file "$btf" | wc -l) lines from bpftool btf dump file; $(cmp -s "$btf" /sys/kernel/btf/vmlinux && echo equal || echo DIFFERENT) to /sys/kernel/btf/vmlinux"
bpftool btf dump file "$btf" format c >"$OUT/vmlinux.h"
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$OUT" -c bench/btf/core_comm.bpf.c -o "$OUT/core_comm.bpf.o"
cc bench/btf/load_with_btf.c -o "$OUT/load_with_btf" -lbpf
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
"$OUT/load_with_btf" "$OUT/core_comm.bpf.o" "$btf"
