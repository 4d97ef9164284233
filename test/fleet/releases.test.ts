import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { loadCatalog } from '../../src/ingest/catalog-file.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'surfhive-releases-'));
t.teardown(() => fs.rm(root, { recursive: true, force: true }));

const operatorCatalog = {
  $comment: 'our own kernels and an internal rocky mirror layout',
  acme: {
    format: 'rpm',
    bases: { default: 'http://127.0.0.1:9/acme' },
    repos: [{ kind: 'repodata', path: 'kernels/{arch}/debug' }],
    packages: [{ match: '^kernel-debuginfo$', ver: '{version}-{release}.{arch}' }],
    vmlinux: 'usr/lib/debug/lib/modules/{kver}/vmlinux',
    uname: ['\\.acme[0-9]+\\.(x86_64|aarch64)$'],
  },
};
const catalogFile = path.join(root, 'catalog.json');
await fs.writeFile(catalogFile, JSON.stringify(operatorCatalog));

const config = loadConfig(
  {
    SURFHIVE_CATALOG: catalogFile,
    SURFHIVE_MIRRORS: 'debian=http://127.0.0.1:8/debian, ubuntu.default=http://127.0.0.1:8/ubuntu',
    SURFHIVE_RELEASE_ORDER: 'alma,rocky',
  },
  { hive: path.join(root, 'hive'), logLevel: 'silent' },
);
const app = await buildApp({ config, registryOptions: { pollMs: 0 }, docs: false });
await app.ready();
t.teardown(() => app.close());

const get = async (url: string) => {
  const r = await app.inject({ method: 'GET', url });
  return { status: r.statusCode, json: r.json() as Record<string, unknown> };
};

t.test('GET /api/v1/releases/resolve', async (t) => {
  const el8 = await get('/api/v1/releases/resolve?uname=4.18.0-553.el8_10.x86_64');
  t.equal(el8.status, 200);
  t.same(el8.json, {
    release: 'alma',
    version: '4.18.0-553.el8_10.x86_64',
    arch: 'x86_64',
    candidates: ['alma', 'rocky', 'centos', 'oracle'],
  });
  const deb = await get('/api/v1/releases/resolve?uname=6.1.0-56-arm64');
  t.same(deb.json, { release: 'debian', version: '6.1.0-56-arm64', arch: 'aarch64', candidates: ['debian'] });
  const own = await get('/api/v1/releases/resolve?uname=5.10.1-7.acme3.x86_64');
  t.equal(own.json.release, 'acme', 'a release of the operator catalog resolves too');
  const ub = await get('/api/v1/releases/resolve?uname=5.15.0-91-generic&arch=aarch64');
  t.same([ub.json.release, ub.json.arch], ['ubuntu', 'aarch64']);

  for (const bad of [
    '',
    '%2e%2e%2fetc',
    'http%3A%2F%2Fevil.example%2Fa',
    '6.1.0-56-amd64&arch=aarch64',
    'nothing-known-1',
    '9'.repeat(300),
  ]) {
    const r = await get(`/api/v1/releases/resolve?uname=${bad}`);
    t.equal(r.status, 400, bad.slice(0, 30));
    t.equal(r.json.code, 'SURFHIVE_ERR_INVALID_FIELD');
    t.notMatch(String(r.json.message), /evil|etc/, 'no echo of the input');
  }
  t.equal((await get('/api/v1/releases/resolve')).status, 400, 'uname is required');
  t.equal((await get('/api/v1/releases/resolve?uname=6.1.0-56-amd64&arch=mips')).status, 400);
});

t.test('GET /api/v1/releases lists releases, their versions and mirror bases after overrides', async (t) => {
  const r = await get('/api/v1/releases');
  t.equal(r.status, 200);
  const releases = r.json.releases as { name: string; bases: Record<string, string>; versions: string[] }[];
  const by = Object.fromEntries(releases.map((x) => [x.name, x]));
  t.same(by.debian?.bases, { default: 'http://127.0.0.1:8/debian', security: 'http://127.0.0.1:8/debian' });
  t.same(by.ubuntu?.bases, { default: 'http://127.0.0.1:8/ubuntu' });
  t.ok(by.debian?.versions.includes('bookworm-backports/main'));
  t.ok(by.ubuntu?.versions.includes('pool/main/l/linux'));
  t.ok(by.anolis?.versions.includes('23/os/{arch}/debug'), 'Anolis 23');
  t.ok(by.alinux?.versions.includes('4/os/{arch}/debug'), 'Alibaba Cloud Linux 4');
  t.equal(by.fedora?.bases.koji, 'https://kojipkgs.fedoraproject.org');
  t.ok(by.acme, 'the operator catalog is merged over the built-in one');
  t.ok(releases.length >= 11);
});

t.test('an operator catalog with a mistake is refused with the entry and the reason', async (t) => {
  const cases: [unknown, RegExp][] = [
    ['not json', /not valid JSON/],
    [[], /must be an object of releases/],
    [{ x: null }, /catalog entry x: must be an object/],
    [{ Bad: {} }, /catalog entry Bad: bad release name/],
    [{ x: { ...operatorCatalog.acme, format: 'zip' } }, /entry x: format must be rpm or deb/],
    [{ x: { ...operatorCatalog.acme, bases: { default: 'file:///etc' } } }, /must be an http\(s\) URL/],
    [{ x: { ...operatorCatalog.acme, repos: [{ kind: 'ftp', path: 'a' }] } }, /repos kind must be one of/],
    [{ x: { ...operatorCatalog.acme, repos: [{ kind: 'deb', path: 'a' }] } }, /needs suite and component/],
    [
      { x: { ...operatorCatalog.acme, packages: [{ match: '(', ver: 'x' }] } },
      /not a valid regular expression/,
    ],
    [{ x: { ...operatorCatalog.acme, uname: ['[z-a]'] } }, /uname is not a valid regular expression/],
    [{ x: { ...operatorCatalog.acme, vmlinux: 'boot/vmlinux' } }, /vmlinux needs \{kver\}/],
    [{ x: { ...operatorCatalog.acme, typo: 1 } }, /unknown field "typo"/],
  ];
  for (const [content, message] of cases) {
    await fs.writeFile(catalogFile, typeof content === 'string' ? content : JSON.stringify(content));
    t.throws(() => loadCatalog(catalogFile), { kind: 'INVALID_FIELD', message }, String(message));
  }
  t.throws(() => loadCatalog(path.join(root, 'absent.json')), { message: /cannot be read/ });
});
