import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runToolOk } from '../../src/sandbox/exec.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'core');
export const PROGRAMS = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.bpf.c'))
  .map((f) => f.slice(0, -'.bpf.c'.length))
  .sort();
export const LOCAL_BTF = '/sys/kernel/btf/vmlinux';

export interface CoreFixtures {
  dir: string;
  /** program name → compiled object */
  objects: Record<string, string>;
  /** A BTF standing in for an older kernel (task_struct::state, kernel_cap_t as two u32). */
  oldKernel: string;
  cleanup(): void;
}

async function clang(src: string, out: string) {
  await runToolOk('clang', ['-target', 'bpf', '-g', '-O2', '-c', src, '-o', out], { timeoutMs: 60_000 });
}

/** Compiles every fixture program with clang -target bpf -g into a temp directory. */
export async function buildFixtures(): Promise<CoreFixtures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'surfhive-core-'));
  const objects: Record<string, string> = {};
  for (const name of PROGRAMS) {
    objects[name] = path.join(dir, `${name}.bpf.o`);
    await clang(path.join(FIXTURES, `${name}.bpf.c`), objects[name]);
  }
  const oldKernel = path.join(dir, 'old-kernel.o');
  await clang(path.join(FIXTURES, 'old-kernel.c'), oldKernel);
  return { dir, objects, oldKernel, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The small libbpf loader: prints "loaded" or "failed N", libbpf's debug log on stderr. */
export async function buildLoader(dir: string): Promise<string> {
  const out = path.join(dir, 'load');
  await runToolOk('gcc', ['-O2', path.join(FIXTURES, 'load.c'), '-lbpf', '-o', out], { timeoutMs: 60_000 });
  return out;
}

/** A hive holding this machine's kernel BTF (`local`) and the stand-in old kernel (`old`). */
export function fixtureHive(fx: CoreFixtures, localVer: string): string {
  const hive = path.join(fx.dir, 'hive');
  const put = (release: string, ver: string, src: string) => {
    const d = path.join(hive, 'x86_64', 'btf', release);
    mkdirSync(d, { recursive: true });
    copyFileSync(src, path.join(d, `vmlinux-${ver}`));
  };
  put('local', localVer, LOCAL_BTF);
  put('old', '5.4.0-old', fx.oldKernel);
  return hive;
}
