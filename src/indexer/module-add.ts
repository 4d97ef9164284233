import { copyFile, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { buildIdOfElfFile } from '../buildid/elf-notes.js';
import { SurfhiveError } from '../errors/codes.js';
import { readSectionFromFile } from '../formats/elf/file-sections.js';
import { EM_OF_ARCH } from '../formats/elf/machine.js';
import { artifactPath, type KernelKey } from '../hive/layout.js';
import { checkModuleName } from '../hive/names.js';
import { makeStagingDir, publishKernel, withKernelLock } from '../hive/publish.js';
import { insertKernelRows, readKernelMeta } from '../kernel-db/db-file.js';
import { hasModuleBtf, MODULE_BTF_TABLE } from '../kernel-db/module-btf.js';
import type { KernelRows } from '../kernel-db/rows.js';
import type { Logger } from '../log/logger.js';
import type { ToolUse } from '../sandbox/tool-use.js';
import type { ModuleAddResult, ModuleJob } from './build-messages.js';
import { moduleRows } from './module-rows.js';
import { type ModuleCompression, prepareModule } from './modules/find.js';
import { loadBase } from './modules-db.js';
import { findOtherReleases, formatFuncList } from './pipeline.js';

const MAX_MODINFO = 1024 * 1024;
const MAX_MODULE_BYTES = 1024 ** 3;

/** Module names as the kernel compares them: `-` and `_` are the same. */
const sameModule = (a: string, b: string) => a.replaceAll('-', '_') === b.replaceAll('-', '_');

/**
 * Adds one module's structs, types and functions to a published kernel's database, under
 * the kernel's lock: the module must be built for that kernel (its `.modinfo` vermagic names
 * the kernel's version, its name the URL's, its machine the arch); the same module again
 * changes nothing, another one of that name is refused. The database and the function list
 * are rewritten in a staging copy and published atomically.
 */
export async function addModuleToKernel(
  opts: ModuleJob & { logger: Logger; tools: ToolUse },
): Promise<ModuleAddResult> {
  const { hive, key, logger } = opts;
  const name = checkModuleName(opts.name);
  if (name === 'vm') throw new SurfhiveError('INVALID_FIELD', '"vm" names the kernel itself, not a module');
  return withKernelLock(hive, key, 'built', async () => {
    const dbFile = artifactPath(hive, key, 'db');
    if (!readKernelMeta(dbFile))
      throw new SurfhiveError('KERNEL_NOT_FOUND', `${key.arch}/${key.release}/${key.ver} is not in the hive`);
    const others = await findOtherReleases(hive, key);
    if (others.length > 0)
      throw new SurfhiveError(
        'KERNEL_CONFLICT',
        `${key.arch}/${key.ver} is also published under ${others.map((o) => o.release).join(', ')}; ` +
          'a module added to one copy would make them differ',
      );
    const txDir = await makeStagingDir(hive, 'module');
    try {
      const work = path.join(txDir, 'work');
      await mkdir(work);
      const mod = await prepareModule(
        { name, path: opts.file, compression: await compressionOf(opts.file) },
        work,
        { maxBytes: MAX_MODULE_BYTES, tools: opts.tools },
      );
      await checkBelongs(mod.elfPath, name, key);
      const buildId = (await buildIdOfElfFile(mod.elfPath)) ?? '';

      const current = currentState(dbFile, name);
      const had = current.module;
      // the same module again: by build id when both have one, else by its BTF below
      if (had && had.buildId !== '' && buildId !== '') {
        if (had.buildId !== buildId) throw conflict(key, had.name);
        return { key, module: name, published: false };
      }
      if (had && had.btf === undefined) throw conflict(key, had.name);

      const base = await loadBase(artifactPath(hive, key, 'btf'));
      if (!base) throw new SurfhiveError('BAD_BTF', `${key.arch}/${key.ver} has no BTF to add a module to`);
      const rows = await moduleRows(mod, base, work, current.structNames, opts.tools);
      const btf = rows.moduleBtf?.[0]?.btf;
      if (had) {
        if (btf && had.btf?.equals(btf)) return { key, module: name, published: false };
        throw conflict(key, had.name);
      }
      rows.types = rows.types.filter((t) => !current.typeNames.has(t.name));

      const files = await writeUpdated(hive, key, txDir, rows);
      await publishKernel(hive, key, files, txDir);
      const stats = { structs: rows.structs.length, types: rows.types.length, funcs: rows.funcs.length };
      logger.info({ kernel: key, module: name, ...stats }, 'module added');
      return { key, module: name, published: true, stats };
    } finally {
      // gone already once published
      await rm(txDir, { recursive: true, force: true });
    }
  });
}

const conflict = (key: KernelKey, existing: string) =>
  new SurfhiveError(
    'KERNEL_CONFLICT',
    `${key.arch}/${key.ver} already has a module ${existing} with different content`,
  );

/** xz and zstd by their magic; anything else is read as ELF. */
async function compressionOf(file: string): Promise<ModuleCompression> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(6);
    await fh.read(head, 0, 6, 0);
    if (head.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    if (head.readUInt32LE(0) === 0xfd2fb528) return 'zst';
    return 'none';
  } finally {
    await fh.close();
  }
}

/** The module is for this kernel: its machine, its `vermagic=` and (when given) its `name=`. */
async function checkBelongs(elfPath: string, name: string, key: KernelKey): Promise<void> {
  const { elf, data } = await readSectionFromFile(elfPath, '.modinfo', MAX_MODINFO);
  if (elf.machine !== EM_OF_ARCH[key.arch])
    throw new SurfhiveError('BAD_INPUT_FILE', `the module is not built for ${key.arch}`);
  const info = new Map<string, string>();
  for (const entry of (data ?? Buffer.alloc(0)).toString('latin1').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0 && !info.has(entry.slice(0, eq))) info.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const vermagic = info.get('vermagic');
  if (vermagic === undefined)
    throw new SurfhiveError(
      'BAD_INPUT_FILE',
      'the module has no vermagic in .modinfo: upload the .ko as built for this kernel',
    );
  const built = vermagic.split(' ')[0] ?? '';
  if (built !== key.ver)
    throw new SurfhiveError(
      'BAD_INPUT_FILE',
      `the module was built for kernel ${built.slice(0, 64) || '(none)'}, not ${key.ver}`,
    );
  const own = info.get('name');
  if (own !== undefined && !sameModule(own, name))
    throw new SurfhiveError('BAD_INPUT_FILE', `the module calls itself ${own.slice(0, 64)}, not ${name}`);
}

interface CurrentState {
  structNames: Set<string>;
  typeNames: Set<string>;
  /** The module of that name already in the database: its build id and BTF when it has them. */
  module?: { name: string; buildId: string; btf?: Buffer };
}

function currentState(dbFile: string, name: string): CurrentState {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const names = (sql: string) => new Set(db.prepare(sql).pluck().all() as string[]);
    const state: CurrentState = {
      structNames: names('SELECT name FROM structs'),
      typeNames: names('SELECT name FROM types'),
    };
    if (hasModuleBtf(db)) {
      const rows = db.prepare(`SELECT name, build_id AS buildId, btf FROM ${MODULE_BTF_TABLE}`).all() as {
        name: string;
        buildId: string;
        btf: Buffer;
      }[];
      const found = rows.find((r) => sameModule(r.name, name));
      if (found) state.module = found;
    }
    if (!state.module) {
      const mods = names("SELECT DISTINCT module FROM funs WHERE module != 'vm'");
      const found = [...mods].find((m) => sameModule(m, name));
      if (found) state.module = { name: found, buildId: '' };
    }
    return state;
  } finally {
    db.close();
  }
}

/** The kernel's database and function list with the module's rows added, in `txDir`. */
async function writeUpdated(hive: string, key: KernelKey, txDir: string, rows: KernelRows) {
  const db = path.join(txDir, 'info.db');
  await copyFile(artifactPath(hive, key, 'db'), db);
  const handle = new Database(db);
  try {
    handle.transaction(() => insertKernelRows(handle, rows))();
  } finally {
    handle.close();
  }
  const files: { db: string; funcs?: string } = { db };
  const funcsNow = await readFile(artifactPath(hive, key, 'funcs'), 'utf8').catch(() => undefined);
  if (funcsNow !== undefined) {
    files.funcs = path.join(txDir, 'funcs.tsv');
    const added = formatFuncList(rows.funcs).split('\n').slice(1).join('\n');
    await writeFile(files.funcs, funcsNow + added);
  }
  return files;
}
