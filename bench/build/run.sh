#!/usr/bin/env bash
# Builds every artifact of a real distribution kernel from its 633 MB debug vmlinux
# (Debian's linux-image-6.1.0-*-amd64-dbg) and, in the same run, times `pahole -J`
# alone on the same file, so the figure reads as a ratio.
# usage: bench/build/run.sh            (downloads the package into $BENCH_CACHE once)
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=${BENCH_CACHE:-/var/cache/surfhive-bench}
OUT=${BENCH_OUT:-bench/out/build}
mkdir -p "$CACHE" "$OUT"
[ -f dist/src/cli/main.js ] || npm run build --silent

deb=$(ls "$CACHE"/linux-image-6.1.0-*-amd64-dbg_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  pkg=$(apt-cache depends linux-image-amd64-dbg | awk '/Depends:/{print $2; exit}')
  (cd "$CACHE" && apt-get download "$pkg")
  deb=$(ls "$CACHE"/linux-image-6.1.0-*-amd64-dbg_*.deb | head -n1)
fi
vmlinux=$(ls "$CACHE"/x/usr/lib/debug/boot/vmlinux-* 2>/dev/null | head -n1 || true)
if [ -z "$vmlinux" ]; then
  mkdir -p "$CACHE/x"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$CACHE/x" --wildcards './usr/lib/debug/boot/vmlinux-*'
  vmlinux=$(ls "$CACHE"/x/usr/lib/debug/boot/vmlinux-* | head -n1)
fi
ver=${vmlinux##*/vmlinux-}
echo "input: $vmlinux ($(du -m "$vmlinux" | cut -f1) MB), ver $ver; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

rm -rf "$OUT/hive" "$OUT/pahole.btf"
/usr/bin/time -f '%e %M' -o "$OUT/pahole.time" \
  pahole -J --btf_gen_all -j --btf_encode_detached="$OUT/pahole.btf" "$vmlinux"
read -r pahole_s pahole_kb < "$OUT/pahole.time"

/usr/bin/time -f '%e %M' -o "$OUT/build.time" \
  node dist/src/cli/main.js build --hive "$OUT/hive" --release debian --arch x86_64 --ver "$ver" "$vmlinux" >"$OUT/build.log"
read -r build_s build_kb < "$OUT/build.time"
tail -n1 "$OUT/build.log"
ls -la "$OUT"/hive/x86_64/*/debian/ | grep -v '^total\|^d'

echo "pahole -J alone:            ${pahole_s} s wall, $((pahole_kb / 1024)) MB peak RSS"
echo "surfhive build (all files): ${build_s} s wall, $((build_kb / 1024)) MB peak RSS (largest process)"
awk -v b="$build_s" -v p="$pahole_s" 'BEGIN { printf "ratio build / pahole -J: %.2f\n", b / p }'
