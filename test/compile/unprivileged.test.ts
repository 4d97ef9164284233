import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { buildLocalKernel } from '../../src/indexer/local-kernel.js';
import { createLogger } from '../../src/log/logger.js';
import { packageRoot } from '../../src/util/package-root.js';
import { bpfFixture } from '../helpers/fixtures.js';
import { TOOLS } from '../helpers/tools.js';

/** Whether nobody can reach the checkout (lbc.h, static libraries): only then can compiles drop to nobody. */
const checkoutReadable = () => {
  for (let dir = packageRoot(); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
};

if (process.getuid?.() !== 0 || !existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'needs root and this kernel’s BTF');
} else {
  t.test('a root server compiles as nobody when nobody can read the inputs', async (t) => {
    const hive = mkdtempSync(path.join(os.tmpdir(), 'surfhive-open-hive-'));
    chmodSync(hive, 0o755);
    t.teardown(() => rmSync(hive, { recursive: true, force: true }));
    const { key } = await buildLocalKernel({ hive, logger: createLogger('silent'), tools: TOOLS });
    const app = await buildApp({
      config: loadConfig({}, { hive, logLevel: 'silent' }),
      registryOptions: { pollMs: 0 },
      docs: false,
    });
    await app.ready();
    t.teardown(() => app.close());
    for (const [name, output, status] of [
      ['hello', 'so', 'completed'],
      ['hash_map', 'o', 'completed'],
      ['bad_syntax', 'o', 'failed'],
    ] as const) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/compile?wait=30',
        payload: { arch: key.arch, ver: key.ver, output, source: bpfFixture(name) },
      });
      t.equal(r.json().status, status, name);
    }
    const pchDir = path.join(hive, '.cache', 'pch');
    const pch = readdirSync(pchDir).find((f) => f.endsWith('.pch'));
    t.ok(pch, 'a precompiled header was built');
    const owner = statSync(path.join(pchDir, pch!)).uid;
    t.equal(
      owner,
      checkoutReadable() ? 65534 : 0,
      'built by nobody when the checkout is readable, else by root',
    );
  });
}
