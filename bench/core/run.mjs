#!/usr/bin/env node
// CO-RE bench: one object with 60+ relocations against N kernels (copies of real BTF files,
// at least 3 distinct ones): the matrix (one corecheck process) and the min_core_btf bundle.
// Baselines in the same run: corecheck with a relocation-free object (reading the BTFs alone),
// and bpftool gen min_core_btf alone for one kernel.
// usage: node bench/core/run.mjs [--kernels 300] [--btf FILE]...   (this kernel's BTF is always one)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { args, cli, machineLine, root } from '../lib/common.mjs';

const N = Number(args.kernels ?? 300);
const extra = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--btf' ? [path.resolve(a)] : []));
const distinct = ['/sys/kernel/btf/vmlinux', ...extra];
const dir = mkdtempSync(path.join(os.tmpdir(), 'surfhive-bench-core-'));
const { writeBundle } = await import(path.join(root, 'dist/src/corecheck/bundle.js'));
const { selectKernels } = await import(path.join(root, 'dist/src/corecheck/select.js'));
const { HiveRegistry } = await import(path.join(root, 'dist/src/hive/registry.js'));
const { ToolRunner } = await import(path.join(root, 'dist/src/sandbox/exec.js'));

console.log(machineLine());
if (distinct.length < 3) console.log(`warning: only ${distinct.length} distinct BTF files (pass --btf FILE)`);

const obj = path.join(dir, 'many.o');
execFileSync('clang', [
  '-target',
  'bpf',
  '-g',
  '-O2',
  '-c',
  path.join(root, 'bench/core/many-relos.bpf.c'),
  '-o',
  obj,
]);
const empty = path.join(dir, 'empty.o');
writeFileSync(
  path.join(dir, 'empty.bpf.c'),
  'typedef unsigned long long __u64; typedef unsigned int __u32; typedef unsigned short __u16; typedef unsigned char __u8; typedef long long __s64; typedef int __s32; typedef __u16 __be16; typedef __u32 __be32; typedef __u32 __wsum; enum bpf_map_type { X };\n#include <bpf/bpf_helpers.h>\nSEC("tp/x") int p(void *c) { return 0; }\n',
);
execFileSync('clang', ['-target', 'bpf', '-g', '-O2', '-c', path.join(dir, 'empty.bpf.c'), '-o', empty]);

const hive = path.join(dir, 'hive');
const btfDir = path.join(hive, 'x86_64', 'btf', 'bench');
mkdirSync(btfDir, { recursive: true });
const paths = [];
for (let i = 0; i < N; i++) {
  const p = path.join(btfDir, `vmlinux-6.0.${i}-bench`);
  copyFileSync(distinct[i % distinct.length], p);
  paths.push(p);
}
const bytes = paths.reduce((s, p) => s + statSync(p).size, 0);
console.log(`${N} kernels from ${distinct.length} distinct BTF files, ${(bytes / 2 ** 20).toFixed(0)} MiB`);

/** Wall seconds and max RSS of a command, from GNU time. */
function timeOf(cmd, argv, input) {
  try {
    execFileSync('/usr/bin/time', ['-o', path.join(dir, 't'), '-f', '%e %M', cmd, ...argv], {
      input,
      stdio: ['pipe', 'ignore', 'ignore'],
      maxBuffer: 1 << 30,
    });
  } catch {
    // core-check exits 2 when a kernel fails; the time is what counts
  }
  const [s, kb] = execFileSync('tail', ['-1', path.join(dir, 't')], { encoding: 'utf8' })
    .trim()
    .split(' ');
  return { s: Number(s), mib: Number(kb) / 1024 };
}

const helper = path.join(root, 'out/native/corecheck');
const list = `${paths.join('\n')}\n`;
const relos = JSON.parse(execFileSync(helper, [obj], { input: '', encoding: 'utf8' }).split('\n')[0]).relos
  .length;
const base = timeOf(helper, [empty], list);
const native = timeOf(helper, [obj], list);
const whole = timeOf('node', [cli, 'core-check', '--hive', hive, '--json', obj]);
console.log(`object: ${relos} CO-RE relocations`);
console.log(
  `matrix, surfhive core-check (node + hive scan + helper): ${whole.s.toFixed(2)} s, ${((whole.s * 1000) / N).toFixed(1)} ms/kernel, node max RSS ${whole.mib.toFixed(0)} MiB`,
);
console.log(
  `matrix, corecheck helper alone: ${native.s.toFixed(2)} s, ${((native.s * 1000) / N).toFixed(1)} ms/kernel, max RSS ${native.mib.toFixed(0)} MiB`,
);
console.log(
  `baseline, corecheck on a relocation-free object (reading the BTFs): ${base.s.toFixed(2)} s, ${((base.s * 1000) / N).toFixed(1)} ms/kernel`,
);

const one = timeOf('bpftool', ['gen', 'min_core_btf', paths[0], path.join(dir, 'one.btf'), obj]);
console.log(
  `baseline, bpftool gen min_core_btf for one kernel: ${one.s.toFixed(2)} s, max RSS ${one.mib.toFixed(0)} MiB`,
);
const registry = new HiveRegistry(hive, { watch: false, pollMs: 0 });
await registry.start();
const kernels = selectKernels(registry, { arch: 'x86_64' });
registry.close();
const bundleDir = path.join(dir, 'bundle');
mkdirSync(bundleDir);
const t0 = performance.now();
// the server's default policy: each bpftool run confined by bubblewrap
const archive = await writeBundle(obj, kernels, bundleDir, { runner: new ToolRunner({ kind: 'bwrap' }) });
const bundleS = (performance.now() - t0) / 1000;
console.log(
  `bundle (${kernels.length} min_core_btf, 2 at a time, + tar.xz): ${bundleS.toFixed(2)} s, ${((bundleS * 1000) / N).toFixed(1)} ms/kernel, archive ${(statSync(archive).size / 1024).toFixed(0)} KiB`,
);
console.log(
  `  (identical BTF files share one bpftool run: ${distinct.length} runs here; ${N} distinct kernels would take about ${((one.s * N) / 2).toFixed(0)} s at the baseline's cost, 2 at a time)`,
);
console.log(`targets: matrix <= 5 s, bundle <= 30 s; ${machineLine()}`);
rmSync(dir, { recursive: true, force: true });
