import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { hashToken } from '../../src/api/auth.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { stagingRoot } from '../../src/hive/publish.js';
import { lbcOne } from '../helpers/app.js';
import { buildDeb, buildElf } from '../ingest/helpers/fixtures.js';
import { kernelState } from '../ingest/helpers/ingest-mirror.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'surfhive-upload-'));
t.teardown(() => fs.rm(root, { recursive: true, force: true }));
const hive = path.join(root, 'hive');
const elf = await fs.readFile(await buildElf(root));
const deb = await fs.readFile(
  await buildDeb(root, {
    kver: '6.1.0-7-custom',
    version: '1',
    compression: 'xz',
    elf: path.join(root, 'kfixture.so'),
  }),
);
const TOKEN = 'operator-secret';
const config = loadConfig(
  {},
  { hive, logLevel: 'silent', operatorTokenHashes: [hashToken(TOKEN)], uploadLimit: 8 * 1024 * 1024 },
);
const app = await buildApp({ config, registryOptions: { pollMs: 0 }, docs: false });
await app.ready();
t.teardown(() => app.close());

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' };
const put = (url: string, payload: Buffer, headers: Record<string, string> = auth) =>
  app.inject({ method: 'PUT', url, payload, headers });
const staging = async () =>
  (await fs.readdir(stagingRoot(hive)).catch(() => [] as string[])).filter((n) => !n.endsWith('.lock'));

t.test('a debug vmlinux and a .deb are built and published; lookups answer at once', async (t) => {
  const r = await put('/api/v1/kernels/x86_64/5.10.0-acme1', elf);
  t.equal(r.statusCode, 201, r.body);
  t.same(r.json(), {
    kernel: { arch: 'x86_64', release: 'custom', ver: '5.10.0-acme1' },
    published: true,
    input: 'elf',
  });
  t.equal(
    (await lbcOne(app, { cmd: 'struct', ver: '5.10.0-acme1', arch: 'x86_64', struct: 'struct list_head' }))
      ?.log,
    'ok.',
  );
  const again = await put('/api/v1/kernels/x86_64/5.10.0-acme1', elf);
  t.same([again.statusCode, again.json().published], [201, false], 'same content again: nothing to do');

  const d = await put('/api/v1/kernels/x86_64/6.1.0-7-custom?release=acme', deb);
  t.equal(d.statusCode, 201, d.body);
  t.equal(d.json().input, 'deb');
  t.equal(await kernelState(hive, { arch: 'x86_64', release: 'acme', ver: '6.1.0-7-custom' }), 'complete');
  t.same(await staging(), [], 'no scratch left');
});

t.test('refused with nothing stored: not a kernel, too large, other content, no token', async (t) => {
  const cases: [string, Buffer, number, string, Record<string, string>?][] = [
    ['/api/v1/kernels/x86_64/5.10.0-text', Buffer.from('#!/bin/sh\necho hi\n'), 422, 'BAD_INPUT_FILE'],
    ['/api/v1/kernels/x86_64/5.10.0-empty', Buffer.alloc(0), 422, 'BAD_INPUT_FILE'],
    ['/api/v1/kernels/x86_64/5.10.0-huge', Buffer.alloc(9 * 1024 * 1024, 0x7f), 413, 'BODY_TOO_LARGE'],
    [
      '/api/v1/kernels/x86_64/5.10.0-rpm',
      Buffer.concat([Buffer.from([0xed, 0xab, 0xee, 0xdb]), Buffer.alloc(200)]),
      422,
      'BAD_ARCHIVE',
    ],
    ['/api/v1/kernels/x86_64/5.10.0-acme1', Buffer.concat([elf, Buffer.from('x')]), 409, 'KERNEL_CONFLICT'],
    [
      '/api/v1/kernels/x86_64/5.10.0-noauth',
      elf,
      401,
      'UNAUTHORIZED',
      { 'content-type': 'application/octet-stream' },
    ],
    ['/api/v1/kernels/x86_64/..%2f..%2fetc', elf, 400, 'INVALID_FIELD'],
    ['/api/v1/kernels/x86_64/5.10.0-x?release=..', elf, 400, 'INVALID_FIELD'],
  ];
  for (const [url, body, status, code, headers] of cases) {
    const r = await put(url, body, headers);
    t.equal(r.statusCode, status, `${url}: ${r.body.slice(0, 120)}`);
    t.equal(r.json().code, `SURFHIVE_ERR_${code}`);
    t.notMatch(r.body, root, 'no host path');
  }
  for (const ver of ['5.10.0-text', '5.10.0-empty', '5.10.0-huge', '5.10.0-rpm', '5.10.0-noauth'])
    t.equal(await kernelState(hive, { arch: 'x86_64', release: 'custom', ver }), 'absent', ver);
  t.same(await staging(), [], 'no scratch left');
});

t.test('DELETE removes a kernel atomically', async (t) => {
  const r = await app.inject({
    method: 'DELETE',
    url: '/api/v1/kernels/x86_64/5.10.0-acme1',
    headers: { authorization: auth.authorization },
  });
  t.equal(r.statusCode, 204, r.body);
  t.equal(await kernelState(hive, { arch: 'x86_64', release: 'custom', ver: '5.10.0-acme1' }), 'absent');
  t.equal(
    (await lbcOne(app, { cmd: 'struct', ver: '5.10.0-acme1', arch: 'x86_64', struct: 'struct list_head' }))
      ?.log,
    'version not support.',
  );
  const none = await app.inject({
    method: 'DELETE',
    url: '/api/v1/kernels/x86_64/5.10.0-acme1',
    headers: { authorization: auth.authorization },
  });
  t.equal(none.statusCode, 404);
  const noToken = await app.inject({
    method: 'DELETE',
    url: '/api/v1/kernels/x86_64/6.1.0-7-custom?release=acme',
  });
  t.equal(noToken.statusCode, 401);
  t.same(await staging(), []);
});
