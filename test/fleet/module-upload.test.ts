import { copyFileSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { hashToken } from '../../src/api/auth.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { artifactPath, type KernelKey } from '../../src/hive/layout.js';
import { stagingRoot } from '../../src/hive/publish.js';
import { run } from '../build/helpers/btf-tools.js';
import { lbcOne } from '../helpers/app.js';
import { buildElf } from '../ingest/helpers/fixtures.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'surfhive-module-upload-'));
t.teardown(() => fs.rm(root, { recursive: true, force: true }));
const hive = path.join(root, 'hive');
const VER = '5.10.0-acme1';
const key: KernelKey = { arch: 'x86_64', release: 'custom', ver: VER };
const TOKEN = 'operator-secret';

/**
 * A module as kbuild makes one: the fixture module's code with DWARF, a `.modinfo` section
 * (name, vermagic) and a build id from the final `ld -r --build-id`.
 */
async function buildModule(
  out: string,
  info: { name?: string; vermagic?: string; license?: string },
  source = 'module.c',
): Promise<string> {
  const dir = await fs.mkdtemp(path.join(root, 'mod-'));
  copyFileSync(path.join(import.meta.dirname, '../build/fixtures', source), path.join(dir, 'mod.c'));
  const fields = [
    `license=${info.license ?? 'GPL'}`,
    ...(info.name ? [`name=${info.name}`] : []),
    ...(info.vermagic ? [`vermagic=${info.vermagic}`] : []),
  ];
  const cString = fields.map((f) => JSON.stringify(f)).join(' "\\0" ');
  writeFileSync(
    path.join(dir, 'modinfo.c'),
    `static const char modinfo[] __attribute__((section(".modinfo"), used, aligned(1))) = ${cString};\n`,
  );
  await run('gcc', ['-g', '-O0', '-fno-eliminate-unused-debug-types', '-c', 'mod.c', '-o', 'mod.o'], dir);
  await run('gcc', ['-c', 'modinfo.c', '-o', 'modinfo.o'], dir);
  await run('ld', ['-r', '--build-id=sha1', 'mod.o', 'modinfo.o', '-o', out], dir);
  return out;
}

const vermagic = `${VER} SMP preempt mod_unload modversions `;
const modThing = await buildModule(path.join(root, 'mod_thing.ko'), { name: 'mod_thing', vermagic });
const zmod = await buildModule(path.join(root, 'zmod.ko'), { name: 'zmod', vermagic });
await run('xz', ['-k', zmod]);
const otherThing = await buildModule(path.join(root, 'mod_thing-2.ko'), {
  name: 'mod_thing',
  vermagic,
  license: 'Dual MIT/GPL',
});
const wrongKernel = await buildModule(path.join(root, 'wrong.ko'), {
  name: 'wrong',
  vermagic: '5.10.0-other SMP',
});
const noVermagic = await buildModule(path.join(root, 'plain.ko'), { name: 'plain' });
const misnamed = await buildModule(path.join(root, 'misnamed.ko'), { name: 'something_else', vermagic });

const config = loadConfig({}, { hive, logLevel: 'silent', operatorTokenHashes: [hashToken(TOKEN)] });
const app = await buildApp({ config, registryOptions: { pollMs: 0 }, docs: false });
await app.ready();
t.teardown(() => app.close());

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' };
const put = async (url: string, file: string | Buffer, headers: Record<string, string> = auth) =>
  app.inject({
    method: 'PUT',
    url,
    payload: typeof file === 'string' ? await fs.readFile(file) : file,
    headers,
  });
const modUrl = (name: string, ver = VER) => `/api/v1/kernels/x86_64/${ver}/modules/${name}`;
const dbFile = artifactPath(hive, key, 'db');
const dbIdentity = async () => {
  const st = await fs.stat(dbFile);
  return `${st.ino}-${st.size}`;
};
const scratch = async () =>
  (await fs.readdir(stagingRoot(hive)).catch(() => [] as string[])).filter((n) => !n.startsWith('lock-'));

const kernel = await put(`/api/v1/kernels/x86_64/${VER}`, await buildElf(root));
t.equal(kernel.statusCode, 201, kernel.body);

t.test("a module built for the kernel adds its rows; the kernel's own definitions win", async (t) => {
  const before = await lbcOne(app, { cmd: 'struct', ver: VER, arch: 'x86_64', struct: 'struct mod_thing' });
  t.same(before?.res ?? {}, {}, 'not known before');

  const r = await put(modUrl('mod_thing'), modThing);
  t.equal(r.statusCode, 201, r.body);
  const body = r.json();
  t.same([body.kernel, body.module, body.published], [key, 'mod_thing', true]);
  t.ok(body.stats.structs >= 1 && body.stats.funcs === 1, JSON.stringify(body.stats));

  const after = await lbcOne(app, { cmd: 'struct', ver: VER, arch: 'x86_64', struct: 'struct mod_thing' });
  t.equal(after?.log, 'ok.', 'the lookup answers at once');
  t.notSame(after?.res ?? {}, {}, 'with the struct');
  const fn = await lbcOne(app, { cmd: 'func', ver: VER, arch: 'x86_64', func: 'mod_init' });
  t.match(fn, { log: 'ok.', res: [{ func: 'mod_init', args: ['struct mod_thing *'], ret: 'int' }] });

  const db = new Database(dbFile, { readonly: true });
  t.teardown(() => db.close());
  t.same(
    (db.prepare("SELECT bytes FROM structs WHERE name = 'struct path'").all() as { bytes: number }[]).map(
      (s) => s.bytes,
    ),
    [16],
    "the module's own struct path does not replace the kernel's",
  );
  const btfRow = db
    .prepare("SELECT name, length(btf) AS n FROM btf_modules WHERE name = 'mod_thing'")
    .get() as { n: number } | undefined;
  t.ok(btfRow && btfRow.n > 0, "the module's split BTF is kept");
  const funcs = await fs.readFile(artifactPath(hive, key, 'funcs'), 'utf8');
  t.match(funcs, /\nmod_init\tint\tstruct mod_thing \*\t[^\t]*\t\d+\tmod_thing\n/, 'funcs.tsv lists it');

  const z = await put(modUrl('zmod'), `${zmod}.xz`);
  t.equal(z.statusCode, 201, z.body);
  t.equal(z.json().published, true, 'an xz-compressed module');
  t.same(await scratch(), [], 'no scratch left');
});

t.test('the same module again changes nothing; another one of that name is refused', async (t) => {
  const was = await dbIdentity();
  const again = await put(modUrl('mod_thing'), modThing);
  t.same([again.statusCode, again.json().published], [201, false]);
  const other = await put(modUrl('mod_thing'), otherThing);
  t.same([other.statusCode, other.json().code], [409, 'SURFHIVE_ERR_KERNEL_CONFLICT'], other.body);
  t.equal(await dbIdentity(), was, 'the database is untouched');
  t.same(await scratch(), [], 'no scratch left');
});

t.test('modules that do not belong are refused with nothing stored', async (t) => {
  const was = await dbIdentity();
  const cases: [string, string | Buffer, number, string, RegExp, Record<string, string>?][] = [
    [modUrl('wrong'), wrongKernel, 422, 'BAD_INPUT_FILE', /built for kernel 5\.10\.0-other/],
    [modUrl('plain'), noVermagic, 422, 'BAD_INPUT_FILE', /vermagic/],
    [modUrl('misnamed'), misnamed, 422, 'BAD_INPUT_FILE', /calls itself something_else/],
    [modUrl('text'), Buffer.from('not a module at all\n'), 422, 'BAD_ELF', /./],
    [modUrl('empty'), Buffer.alloc(0), 422, 'BAD_INPUT_FILE', /empty/],
    [modUrl('vm'), modThing, 400, 'INVALID_FIELD', /vm/],
    [modUrl('mod_thing', '5.10.0-absent'), modThing, 404, 'KERNEL_NOT_FOUND', /not in the hive/],
    [`${modUrl('mod_thing')}?release=other`, modThing, 404, 'KERNEL_NOT_FOUND', /not in the hive/],
    [modUrl('..%2Fevil'), modThing, 400, 'INVALID_FIELD', /./],
    [modUrl('mod_thing'), modThing, 401, 'UNAUTHORIZED', /./, { 'content-type': 'application/octet-stream' }],
  ];
  for (const [url, file, status, code, message, headers] of cases) {
    const r = await put(url, file, headers);
    t.equal(r.statusCode, status, `${url}: ${r.body}`);
    t.equal(r.json().code, `SURFHIVE_ERR_${code}`);
    t.match(r.json().message, message);
    t.notMatch(r.body, root, 'no host path');
  }
  t.equal(await dbIdentity(), was, 'the database is untouched');
  t.same(await scratch(), [], 'no scratch left');
});
