#!/usr/bin/env bash
# Is pahole's BTF encoding reproducible? Encodes one vmlinux twice with -j (threads) and twice
# without, as src/indexer/tools.ts would (-J --btf_gen_all, detached), printing time, peak RSS and
# whether the two outputs of each mode are byte-equal; also compares with the vmlinux's own .BTF.
# usage: bench/btf/pahole-determinism.sh VMLINUX   (e.g. a Debian linux-image-*-dbg vmlinux)
set -euo pipefail
VM=${1:?usage: $0 VMLINUX}
OUT=$(mktemp -d /tmp/surfhive-pahole-det-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
echo "load $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(pahole --version)"
for mode in one threads; do
  J=; [ $mode = threads ] && J=-j
  for i in 1 2; do
    /usr/bin/time -f "$mode run $i: %e s wall, %U s user, %M KB peak RSS" \
      pahole -J --btf_gen_all $J --btf_encode_detached="$OUT/$mode-$i.btf" "$VM"
  done
  echo "$mode: $(stat -c %s "$OUT/$mode-1.btf") and $(stat -c %s "$OUT/$mode-2.btf") bytes, $(cmp -s "$OUT/$mode-1.btf" "$OUT/$mode-2.btf" && echo EQUAL || echo DIFFERENT)"
done
if objcopy --dump-section .BTF="$OUT/own.btf" "$VM" "$OUT/junk" 2>/dev/null; then
  echo "the vmlinux's own .BTF: $(stat -c %s "$OUT/own.btf") bytes; equal to one-thread encoding: $(cmp -s "$OUT/own.btf" "$OUT/one-1.btf" && echo yes || echo no)"
fi
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
