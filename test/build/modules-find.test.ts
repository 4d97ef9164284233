import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { funcsFromDwarf } from '../../src/formats/dwarf/funcs.js';
import { findModules } from '../../src/indexer/modules/find.js';
import { prepareModule } from '../../src/indexer/modules/prepare.js';
import { TOOLS } from '../helpers/tools.js';
import { buildNative, rejectsKind, scratch, sh } from './helpers/native-tools.js';

t.before(buildNative);

const MODULE_C = [
  'struct net_device { int ifindex; };',
  'static int __attribute__((noinline, used)) probe_one(struct net_device *dev) { return dev->ifindex; }',
  'int tiny_init(void) { struct net_device d = { 1 }; return probe_one(&d); }',
  '',
].join('\n');

/** A module-like relocatable ELF with DWARF, as `gcc -g -c` makes it. */
async function moduleObject(dir: string): Promise<string> {
  writeFileSync(join(dir, 'tiny.c'), MODULE_C);
  await sh('gcc', ['-g', '-O2', '-c', 'tiny.c', '-o', 'tiny.o'], dir);
  return join(dir, 'tiny.o');
}

t.test('finds .ko, .ko.debug, .ko.xz and .ko.zst, names them and reads their functions', async (t) => {
  const base = scratch(t, 'mods');
  const obj = await moduleObject(base);
  const tree = join(base, 'lib', 'modules');
  mkdirSync(join(tree, 'kernel', 'net', 'deep'), { recursive: true });
  mkdirSync(join(base, 'outside'));
  copyFileSync(obj, join(tree, 'kernel', 'plain_mod.ko'));
  copyFileSync(obj, join(tree, 'kernel', 'net', 'deep', 'dbg-mod.ko.debug'));
  copyFileSync(obj, join(tree, 'kernel', 'net', 'xz_mod.ko'));
  await sh('xz', ['-z', '--format=xz', 'xz_mod.ko'], join(tree, 'kernel', 'net'));
  copyFileSync(obj, join(tree, 'kernel', 'zst_mod.ko'));
  await sh('zstd', ['-q', '--rm', 'zst_mod.ko'], join(tree, 'kernel'));
  writeFileSync(join(tree, 'modules.dep'), 'not a module\n');
  writeFileSync(join(tree, 'kernel', 'readme.ko.txt'), 'not a module either\n');
  copyFileSync(obj, join(base, 'outside', 'secret.ko'));
  symlinkSync(join(base, 'outside', 'secret.ko'), join(tree, 'kernel', 'escape.ko'));
  symlinkSync(join(base, 'outside'), join(tree, 'build'));
  symlinkSync(join(tree, 'kernel', 'plain_mod.ko'), join(tree, 'alias_mod.ko'));

  const found = await findModules(tree);
  t.same(
    found.map((f) => [f.name, f.compression]),
    [
      ['alias_mod', 'none'],
      ['dbg-mod', 'none'],
      ['plain_mod', 'none'],
      ['xz_mod', 'xz'],
      ['zst_mod', 'zst'],
    ],
    'module names; symlinks leading outside are not followed',
  );

  const work = join(base, 'work');
  mkdirSync(work);
  for (const file of found) {
    const mod = await prepareModule(file, work, { tools: TOOLS });
    t.equal(mod.name, file.name);
    if (file.compression !== 'none') {
      t.equal(mod.elfPath, join(work, `${file.name}.ko`), `${file.name} decompressed into the work dir`);
      t.same(readFileSync(mod.elfPath), readFileSync(obj), `${file.name} decompressed intact`);
    }
    const rows = await funcsFromDwarf(mod.elfPath, { module: mod.name, tools: TOOLS });
    t.same(
      rows,
      [
        {
          func: 'probe_one',
          args: ['struct net_device *'],
          ret: 'static int',
          line: 2,
          file: 'tiny.c',
          module: mod.name,
        },
        { func: 'tiny_init', args: ['void'], ret: 'int', line: 3, file: 'tiny.c', module: mod.name },
      ],
      `${mod.name} functions`,
    );
  }
});

t.test('one module in several forms is listed once, the uncompressed debug file first', async (t) => {
  const base = scratch(t, 'mods-dup');
  const obj = await moduleObject(base);
  const tree = join(base, 'tree');
  mkdirSync(join(tree, 'a'), { recursive: true });
  copyFileSync(obj, join(tree, 'a', 'dup.ko.debug'));
  copyFileSync(obj, join(tree, 'dup.ko'));
  await sh('zstd', ['-q', 'dup.ko'], tree);
  const found = await findModules(tree);
  t.same(
    found.map((f) => [f.name, f.compression, f.path.endsWith('dup.ko.debug')]),
    [['dup', 'none', true]],
  );
});

t.test('hostile module file names are rejected', async (t) => {
  const hostile = [
    'bad name.ko',
    '...ko',
    '..ko.xz',
    `${'x'.repeat(65)}.ko`,
    'caf\u00e9.ko',
    'semi;colon.ko.zst',
    '.ko',
  ];
  for (const name of hostile) {
    const dir = scratch(t, 'mods-hostile');
    writeFileSync(join(dir, name), 'x');
    await rejectsKind(t, findModules(dir), ['INVALID_FIELD'], JSON.stringify(name));
  }
  await rejectsKind(t, findModules('/nonexistent/surfhive/dir'), ['BAD_INPUT_FILE'], 'missing directory');
});

t.test('compression bombs and broken archives are refused', async (t) => {
  const dir = scratch(t, 'mods-bomb');
  writeFileSync(join(dir, 'bomb_x.ko'), Buffer.alloc(8 * 1024 * 1024));
  await sh('xz', ['-z', 'bomb_x.ko'], dir);
  writeFileSync(join(dir, 'bomb_z.ko'), Buffer.alloc(8 * 1024 * 1024));
  await sh('zstd', ['-q', '--rm', 'bomb_z.ko'], dir);
  writeFileSync(join(dir, 'broken.ko.xz'), 'definitely not xz');
  writeFileSync(join(dir, 'broken2.ko.zst'), 'definitely not zstd');
  const work = join(dir, 'work');
  mkdirSync(work);
  const cap = { maxBytes: 1024 * 1024, tools: TOOLS };
  const byName = new Map((await findModules(dir)).map((f) => [f.name, f]));
  t.same([...byName.keys()], ['bomb_x', 'bomb_z', 'broken', 'broken2']);
  await rejectsKind(t, prepareModule(byName.get('bomb_x')!, work, cap), ['BAD_ARCHIVE'], 'xz bomb');
  await rejectsKind(t, prepareModule(byName.get('bomb_z')!, work, cap), ['BAD_ARCHIVE'], 'zstd bomb');
  await rejectsKind(
    t,
    prepareModule(byName.get('broken')!, work, { tools: TOOLS }),
    ['BAD_ARCHIVE'],
    'broken xz',
  );
  await rejectsKind(
    t,
    prepareModule(byName.get('broken2')!, work, { tools: TOOLS }),
    ['BAD_ARCHIVE'],
    'broken zstd',
  );
  t.same(readdirSync(work), [], 'nothing left behind in the work dir');
  for (const name of ['bomb_x', 'bomb_z']) {
    const big = await prepareModule(byName.get(name)!, work, { maxBytes: 16 * 1024 * 1024, tools: TOOLS });
    t.equal(statSync(big.elfPath).size, 8 * 1024 * 1024, `${name}: under a larger cap it decompresses`);
  }
});
