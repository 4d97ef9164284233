import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { bpfFixture } from '../helpers/fixtures.js';
import { postCompile, queueStack } from './helpers/stack.js';

/** Writes into `dir` until the file system refuses (ENOSPC). */
function fill(dir: string): string {
  const filler = path.join(dir, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let size = 0;
  for (;;) {
    try {
      writeFileSync(filler, chunk, { flag: size === 0 ? 'w' : 'a' });
      size += chunk.length;
    } catch {
      break;
    }
  }
  // the last partial chunk may have left a few bytes: take them as well
  for (let n = 4096; n >= 1; n = Math.floor(n / 2)) {
    try {
      for (;;) writeFileSync(filler, Buffer.alloc(n, 1), { flag: 'a' });
    } catch {}
  }
  return filler;
}

async function diskFull(t: Test) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'surfhive-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', work]);
  // Registered before the stack's teardown, so it runs after it (last in, first out): nothing uses the mount by then.
  t.teardown(async () => {
    await new Promise((r) => setTimeout(r, 200));
    execFileSync('umount', ['-l', work]);
    rmSync(work, { recursive: true, force: true });
  });
  const { h, queueEnv, startApi, start } = await queueStack(t);
  const env = { ...queueEnv, SURFHIVE_LOG_LEVEL: 'warn' };
  const api = await startApi(env);
  // The worker's scratch space is the small tmpfs; the API's cache is elsewhere.
  const worker = start(['worker', '--hive', h.hive, '--concurrency', '1'], {
    ...env,
    SURFHIVE_WORK_DIR: work,
  });
  const { arch, ver } = h.key;
  const source = `${bpfFixture('hello')}\n// ${randomUUID()}\n`;
  const compile = async () => {
    const r = await postCompile(api.url, { arch, ver, output: 'so', source }, '?wait=30');
    let s = (await r.json()) as { id: string; status: string; error?: string };
    // retries with back-off may outlast one wait
    for (let i = 0; i < 3 && s.status !== 'completed' && s.status !== 'failed'; i++)
      s = (await (await fetch(`${api.url}/api/v1/compile/${s.id}?wait=30`)).json()) as typeof s;
    return s;
  };

  const filler = fill(work);
  const full = await compile();
  t.equal(full.status, 'failed', 'a compile that cannot write fails');
  t.match(full.error, /no space left/, `with a clear message: ${full.error}`);
  t.notMatch(full.error ?? '', new RegExp(work), 'naming no host path');
  t.equal(worker.child.exitCode, null, 'the worker survived');

  rmSync(filler);
  const again = await compile();
  t.equal(again.status, 'completed', 'the same compile succeeds once space is back (nothing poisoned)');
  t.equal(worker.child.exitCode, null);
}

if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else if (process.getuid?.() !== 0) {
  t.plan(0, 'mounting a small tmpfs needs root');
} else {
  t.test(
    'disk full in the job directory: a clear failure, the worker survives, later compiles succeed',
    diskFull,
  );
}
