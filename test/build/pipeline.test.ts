import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { artifactPath, type KernelKey } from '../../src/hive/layout.js';
import { stagingRoot } from '../../src/hive/publish.js';
import { buildKernel } from '../../src/indexer/pipeline.js';
import { createLogger } from '../../src/log/logger.js';
import { loadGolden } from '../helpers/golden-hive.js';
import { TOOLS } from '../helpers/tools.js';
import { compileC, run, tempDir } from './helpers/btf-tools.js';
import { buildFixtureKernel } from './helpers/fixture-kernel.js';

const logger = createLogger('silent');
const key: KernelKey = { arch: 'x86_64', release: 'anolis', ver: '4.19.91-23.4.an8.x86_64' };

/** Every file under the hive except the staging area, with sizes and mtimes: "the hive as it was". */
function snapshot(hive: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (p === stagingRoot(hive)) continue;
      if (e.isDirectory()) walk(p);
      else out.push(`${p} ${statSync(p).size} ${statSync(p).mtimeMs}`);
    }
  };
  walk(hive);
  return out.sort();
}

const dbRows = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    const structs = db.prepare('SELECT id, name, members, bytes FROM structs').all() as {
      id: number;
      name: string;
      members: number;
      bytes: number;
    }[];
    const cells = db.prepare(
      'SELECT types AS type, name, offset, bytes AS size, bits FROM members WHERE fid = ? ORDER BY id',
    );
    return {
      structs: structs.map((s) => ({
        name: s.name,
        members: s.members,
        size: s.bytes,
        cell: cells.all(s.id),
      })),
      types: db.prepare('SELECT id, name, alias AS type, bytes AS size FROM types ORDER BY id').all() as {
        id: number;
        name: string;
      }[],
      funcs: (
        db
          .prepare('SELECT func, args, ret, line, file, module FROM funs JOIN files ON files.id = funs.fid')
          .all() as { args: string }[]
      ).map((f) => ({ ...f, args: JSON.parse(f.args) as string[] })),
      meta: Object.fromEntries(
        (db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [
          r.key,
          r.value,
        ]),
      ),
    };
  } finally {
    db.close();
  }
};

t.test('a debug ELF becomes btf, vmlinux.h, database and function list matching golden.json', async (t) => {
  const { dir, cleanup } = tempDir('pipeline');
  t.teardown(cleanup);
  const input = await buildFixtureKernel(dir);
  const hive = join(dir, 'hive');
  const res = await buildKernel({ hive, key, input, keepVmlinux: true, force: false, logger, tools: TOOLS });
  t.ok(res.published);

  const rows = dbRows(artifactPath(hive, key, 'db'));
  const golden = loadGolden();
  for (const g of golden.structs) {
    const s = rows.structs.find((x) => x.name === g.name);
    t.same(s, g, `struct ${g.name}`);
  }
  t.same(rows.types[0], { id: 1, name: 'void *', type: 'void *', size: 8 }, 'types row 1 is void *');
  for (const g of golden.types) {
    const row = rows.types.find((x) => x.name === g.name);
    t.same(
      row && { name: row.name, type: (row as { type?: string }).type, size: (row as { size?: number }).size },
      g,
      `type ${g.name}`,
    );
  }
  for (const g of golden.funcs)
    t.same(
      rows.funcs.find((x) => (x as { func?: string }).func === g.func),
      g,
      `func ${g.func}`,
    );
  t.match(rows.meta, {
    input_sha256: /^[0-9a-f]{64}$/,
    pahole: /v1\./,
    arch: 'x86_64',
    ver: key.ver,
    release: 'anolis',
  });

  const head = readFileSync(artifactPath(hive, key, 'head'), 'utf8');
  t.match(head, /struct task_struct \{/);
  const btfDump = await run('bpftool', ['btf', 'dump', 'file', artifactPath(hive, key, 'btf')]);
  t.match(btfDump.stdout, /STRUCT 'task_struct' size=288/);
  const wake = golden.funcs.find((f) => f.func === 'wake_up_new_task');
  t.match(
    readFileSync(artifactPath(hive, key, 'funcs'), 'utf8'),
    new RegExp(`^wake_up_new_task\tvoid\tstruct task_struct \\*\tkfixture\\.c\t${wake?.line}\tvm$`, 'm'),
  );
  t.ok(existsSync(artifactPath(hive, key, 'vmlinux')), 'debug vmlinux kept on request');
  t.same(readdirSync(stagingRoot(hive)), [], 'no scratch left');

  const before = snapshot(hive);
  const again = await buildKernel({
    hive,
    key,
    input,
    keepVmlinux: true,
    force: false,
    logger,
    tools: TOOLS,
  });
  t.notOk(again.published, 're-run of the same input is a no-op');
  t.same(snapshot(hive), before, 'hive untouched by the re-run');
});

t.test('a raw BTF file: structs from BTF, functions from BTF with line 0', async (t) => {
  const { dir, cleanup } = tempDir('pipeline-btf');
  t.teardown(cleanup);
  const so = await buildFixtureKernel(dir);
  await run('pahole', ['-J', `--btf_encode_detached=${join(dir, 'raw.btf')}`, so], dir);
  const hive = join(dir, 'hive');
  const k = { ...key, release: 'btfhub' };
  await buildKernel({
    hive,
    key: k,
    input: join(dir, 'raw.btf'),
    keepVmlinux: false,
    force: false,
    logger,
    tools: TOOLS,
  });
  const rows = dbRows(artifactPath(hive, k, 'db'));
  const task = rows.structs.find((s) => s.name === 'struct task_struct');
  t.equal(task?.size, 288);
  t.same(
    rows.funcs.find((f) => (f as { func?: string }).func === 'do_filp_open'),
    {
      func: 'do_filp_open',
      args: ['int', 'struct filename *', 'const struct open_flags *'],
      ret: 'struct file *',
      line: 0,
      file: '',
      module: 'vm',
    },
  );
});

t.test('modules add their own structs and functions, vmlinux definitions win', async (t) => {
  const { dir, cleanup } = tempDir('pipeline-mod');
  t.teardown(cleanup);
  const input = await buildFixtureKernel(dir);
  const mods = join(dir, 'mods');
  mkdirSync(join(mods, 'kernel/drivers'), { recursive: true });
  copyFileSync(join(import.meta.dirname, 'fixtures/module.c'), join(dir, 'mod_thing.c'));
  await compileC(dir, 'mod_thing.c', join(mods, 'kernel/drivers/mod_thing.ko'), 'object');
  await compileC(dir, 'mod_thing.c', join(dir, 'zmod.ko'), 'object');
  await run('xz', ['-k', join(dir, 'zmod.ko')]);
  copyFileSync(join(dir, 'zmod.ko.xz'), join(mods, 'zmod.ko.xz'));
  const hive = join(dir, 'hive');
  await buildKernel({
    hive,
    key,
    input,
    modulesDir: mods,
    keepVmlinux: false,
    force: false,
    logger,
    tools: TOOLS,
  });
  const rows = dbRows(artifactPath(hive, key, 'db'));
  const modFuncs = rows.funcs.filter((f) => (f as { func?: string }).func === 'mod_init');
  t.same(modFuncs.map((f) => (f as { module?: string }).module).sort(), ['mod_thing', 'zmod']);
  t.ok(
    rows.structs.find((s) => s.name === 'struct mod_thing'),
    'module struct added',
  );
  const paths = rows.structs.filter((s) => s.name === 'struct path');
  t.equal(paths.length, 1, 'one struct path');
  t.equal(paths[0]?.size, 16, "vmlinux's struct path kept");
});

t.test('bad inputs: a clear error, nothing published, nothing left behind', async (t) => {
  const { dir, cleanup } = tempDir('pipeline-bad');
  t.teardown(cleanup);
  const good = await buildFixtureKernel(dir);
  const hive = join(dir, 'hive');
  await buildKernel({ hive, key, input: good, keepVmlinux: false, force: false, logger, tools: TOOLS });
  const before = snapshot(hive);

  writeFileSync(join(dir, 'text'), 'just some text, not a kernel\n');
  copyFileSync(good, join(dir, 'stripped.so'));
  await run('strip', ['--strip-debug', join(dir, 'stripped.so')]);
  writeFileSync(join(dir, 'truncated.so'), readFileSync(good).subarray(0, 3000));
  const raw = Buffer.alloc(64);
  raw.writeUInt16LE(0xeb9f, 0);
  raw[2] = 1;
  raw.writeUInt32LE(24, 4);
  raw.writeUInt32LE(0, 8);
  raw.writeUInt32LE(4000, 12); // type section runs past the end
  writeFileSync(join(dir, 'hostile.btf'), raw);
  writeFileSync(join(dir, 'empty'), '');

  const cases: [string, RegExp, RegExp][] = [
    ['text', /BAD_INPUT_FILE/, /neither an ELF file nor raw BTF/],
    ['empty', /BAD_INPUT_FILE/, /neither an ELF file nor raw BTF/],
    ['stripped.so', /BAD_INPUT_FILE/, /neither DWARF debug info nor a \.BTF section/],
    ['truncated.so', /BAD_ELF/, /truncated|past the end/],
    ['hostile.btf', /BAD_BTF/, /./],
    ['missing-file', /BAD_INPUT_FILE/, /cannot be read/],
  ];
  for (const [name, code, message] of cases) {
    const err = (await buildKernel({
      hive,
      key: { ...key, ver: '5.10.0-1' },
      input: join(dir, name),
      keepVmlinux: false,
      force: true,
      logger,
      tools: TOOLS,
    }).catch((e: unknown) => e)) as { code?: string; message?: string };
    t.match(err.code, code, `${name}: ${err.message}`);
    t.match(err.message, message);
    t.notMatch(err.message, dir, `${name}: no host path in the message`);
  }
  t.same(snapshot(hive), before, 'hive unchanged');
  t.same(readdirSync(stagingRoot(hive)), [], 'no scratch left');

  const conflict = (await buildKernel({
    hive,
    key: { ...key, release: 'centos' },
    input: join(dir, 'stripped.so'),
    keepVmlinux: false,
    force: false,
    logger,
    tools: TOOLS,
  }).catch((e: unknown) => e)) as { code?: string };
  t.equal(conflict.code, 'SURFHIVE_ERR_KERNEL_CONFLICT', 'same ver, other release, other content');
});
