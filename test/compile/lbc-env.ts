import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Arch } from '../../src/hive/names.js';
import { runTool } from '../../src/sandbox/exec.js';
import { fixturePath } from '../helpers/fixtures.js';

export const FIXTURES = fixturePath('bpf');
export const LOCAL_FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const DRIVER = path.join(LOCAL_FIXTURES, 'lbc_driver.py');
export const GOOD_FIXTURES = ['hello', 'event_out', 'hash_map', 'call_stack', 'dynamic_filter'];

export const HOST_ARCH: Arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';

export const fixtureSource = (name: string) =>
  readFileSync(
    existsSync(path.join(LOCAL_FIXTURES, `${name}.bpf.c`))
      ? path.join(LOCAL_FIXTURES, `${name}.bpf.c`)
      : path.join(FIXTURES, `${name}.bpf.c`),
    'utf8',
  );

/** A temp dir for this test run, with THIS kernel's vmlinux.h made by bpftool, removed on teardown. */
export async function testKernel(t: {
  teardown(fn: () => void): void;
}): Promise<{ root: string; vmlinuxH: string; release: string }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'surfhive-lbc-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const vmlinuxH = path.join(root, 'vmlinux.h');
  const r = await runTool('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], {
    timeoutMs: 60_000,
    stdoutFile: vmlinuxH,
  });
  if (r.code !== 0) throw new Error(`bpftool failed: ${r.stderr}`);
  return { root, vmlinuxH, release: os.release() };
}

let jobCount = 0;
export function newJobDir(root: string, label: string): string {
  const dir = path.join(root, `job-${label}-${++jobCount}`);
  mkdirSync(dir);
  return dir;
}

export const hasKernelBtf = () => existsSync('/sys/kernel/btf/vmlinux');

/** Why BPF programs cannot be loaded here, or undefined when they can. */
export function cannotLoadBpf(): string | undefined {
  if (process.getuid?.() !== 0) return 'loading BPF needs root';
  if (!hasKernelBtf()) return 'the kernel has no BTF (/sys/kernel/btf/vmlinux)';
  return undefined;
}

/** Mounts tracefs when it is not there yet (root only); returns whether trace_pipe exists. */
export async function ensureTracefs(): Promise<boolean> {
  const pipe = '/sys/kernel/tracing/trace_pipe';
  if (existsSync(pipe)) return true;
  await runTool('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing'], { timeoutMs: 10_000 });
  return existsSync(pipe);
}

/** Runs the ctypes driver on a .so and returns its JSON output. */
export async function drive(scenario: string, so: string): Promise<Record<string, unknown>> {
  const r = await runTool('python3', [DRIVER, scenario, so], { timeoutMs: 60_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(
      `driver ${scenario} failed (exit ${r.code}): ${r.stderr.slice(-2000)} ${r.stdout.slice(-500)}`,
    );
  }
}
