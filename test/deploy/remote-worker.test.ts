import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { hashToken } from '../../src/api/auth.js';
import { bpfFixture } from '../helpers/fixtures.js';
import { postCompile, queueStack } from './helpers/stack.js';

const listFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile())
        .map((e) => path.join(e.parentPath, e.name))
    : [];

if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else {
  t.test(
    'a remote worker (API URL + worker token, no hive) compiles end to end through a real API',
    async (t) => {
      const workerDir = mkdtempSync(path.join(os.tmpdir(), 'surfhive-remote-worker-'));
      // Registered before the stack's teardown, so it runs after it (last in, first out).
      t.teardown(() => rmSync(workerDir, { recursive: true, force: true }));
      const { h, queueEnv, startApi, start } = await queueStack(t);
      const token = randomBytes(24).toString('base64url');
      const api = await startApi({
        ...queueEnv,
        SURFHIVE_WORKER_TOKEN_HASHES: hashToken(token),
        SURFHIVE_LOG_LEVEL: 'warn',
      });
      // The worker's environment names no hive: everything comes through the API.
      const worker = start(['worker', '--api', api.url, '--concurrency', '1'], {
        ...queueEnv,
        SURFHIVE_WORKER_TOKEN: token,
        SURFHIVE_WORK_DIR: workerDir,
        SURFHIVE_HIVE: path.join(workerDir, 'no-hive-here'),
        SURFHIVE_COMPILE_CACHE: path.join(workerDir, 'no-cache-here'),
      });
      const { arch, ver } = h.key;
      const res = await postCompile(
        api.url,
        { arch, ver, output: 'so', source: bpfFixture('hello') },
        '?wait=30',
      );
      const status = (await res.json()) as { status: string; artifact?: { url: string; size: number } };
      t.equal(res.status, 200, JSON.stringify(status));
      t.equal(status.status, 'completed', 'compiled by the remote worker');
      const art = await fetch(`${api.url}${status.artifact?.url}`);
      const bytes = Buffer.from(await art.arrayBuffer());
      t.equal(
        bytes.subarray(0, 4).toString('latin1'),
        '\x7fELF',
        'the API serves the artifact the worker returned',
      );
      t.equal(bytes.length, status.artifact?.size);

      const legacy = await fetch(`${api.url}/lbc`, {
        method: 'POST',
        body: JSON.stringify([{ cmd: 'obj', ver, arch, code: bpfFixture('hello') }]),
      });
      const body = (await legacy.json()) as { res: { log: string; obj: string }[] };
      t.equal(body.res[0]?.log, 'ok.', 'legacy obj compiled by the remote worker');

      const files = listFiles(workerDir).map((f) => path.relative(workerDir, f));
      t.ok(
        files.some((f) => f.startsWith('headers/') && f.endsWith('.h')),
        `vmlinux.h fetched into the worker's own cache: ${files.join(', ')}`,
      );
      t.notOk(
        existsSync(path.join(workerDir, 'no-cache-here')),
        'the worker wrote no compile cache of its own',
      );
      t.equal(worker.child.exitCode, null, 'the worker is still running');

      const cache = listFiles(path.join(h.hive, '.cache', 'compile')).length;
      t.ok(cache >= 2, 'results landed in the API’s cache');
    },
  );
}
