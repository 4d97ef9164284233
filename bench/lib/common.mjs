// What the loopback benches share: where the built CLI is, their `--name value` arguments,
// the BPF fixtures, a hive with this machine's kernel, and latency percentiles.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = path.join(root, 'dist/src/cli/main.js');
export const arch = os.machine();
export const ver = os.release();

/** `--cold 15 --output so` → `{ cold: '15', output: 'so' }`. */
export const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(' ')
    .split('--')
    .filter(Boolean)
    .map((a) => a.trim().split(/\s+/)),
);

/** The source of the repository's BPF fixture `test/fixtures/bpf/<name>.bpf.c`. */
export const bpfFixture = (name) => readFileSync(path.join(root, `test/fixtures/bpf/${name}.bpf.c`), 'utf8');

/** A new temp hive holding this machine's kernel, built by `surfhive build --local`. */
export function localHive(prefix) {
  const hive = mkdtempSync(path.join(os.tmpdir(), prefix));
  execFileSync('node', [cli, 'build', '--local', '--hive', hive], { stdio: 'ignore' });
  return hive;
}

/** The p-th percentile (nearest rank below); NaN when there are no samples. */
export const pct = (xs, p) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
export const fmt = (ms) => (Number.isNaN(ms) ? '-' : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`);

export const machineLine = () =>
  `machine: ${os.cpus().length} cores, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; kernel ${arch} ${ver}`;
