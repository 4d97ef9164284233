import Database from 'better-sqlite3';
import type { HiveRegistry, KernelEntry } from '../hive/registry.js';
import { moduleBuildIds } from '../kernel-db/module-btf.js';
import { buildIdOfElfFile } from './elf-notes.js';

/** What one build id names: a kernel's vmlinux, or one of its modules. */
export interface BuildIdHit {
  kernel: KernelEntry;
  /** The module's name; undefined for the vmlinux. */
  module?: string;
}

interface KernelIds {
  identity: string;
  vmlinux: string | undefined;
  modules: { name: string; buildId: string }[];
}

const identityOf = (k: KernelEntry) => {
  const db = k.artifacts.db;
  const vm = k.artifacts.vmlinux;
  return db ? `${db.path}\0${db.ino}\0${db.size}\0${db.mtimeMs}\0${vm?.mtimeMs ?? ''}` : '';
};

/**
 * Build id → kernel (or module) over the whole hive. Each kernel database is
 * read once per version of the file (its meta's `build_id` and its module
 * table); a database built before build ids were recorded falls back to the
 * kept vmlinux's note, and is otherwise simply not indexed.
 */
export class BuildIdIndex {
  private perKernel = new Map<string, KernelIds>();
  private byId = new Map<string, BuildIdHit>();
  private byKernel = new Map<KernelEntry, string | undefined>();
  private syncedScan = -1;
  private syncing: Promise<void> | undefined;

  constructor(private readonly registry: HiveRegistry) {}

  /** The kernel or module with this build id (lower-case hex); a miss first checks whether the hive changed. */
  async find(buildId: string): Promise<BuildIdHit | undefined> {
    await this.sync();
    const hit = this.byId.get(buildId);
    if (hit) return hit;
    await this.registry.refreshIfChanged();
    await this.sync();
    return this.byId.get(buildId);
  }

  /** The vmlinux build id of a kernel, when known. */
  async kernelBuildId(k: KernelEntry): Promise<string | undefined> {
    await this.sync();
    return this.byKernel.get(k);
  }

  /** Every indexed id (for listings and tests). */
  async entries(): Promise<[string, BuildIdHit][]> {
    await this.sync();
    return [...this.byId];
  }

  private sync(): Promise<void> {
    if (this.registry.scans === this.syncedScan) return Promise.resolve();
    this.syncing ??= this.rebuild().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async rebuild(): Promise<void> {
    const scan = this.registry.scans;
    const kernels = this.registry.list();
    const perKernel = new Map<string, KernelIds>();
    const byId = new Map<string, BuildIdHit>();
    const byKernel = new Map<KernelEntry, string | undefined>();
    for (const k of kernels) {
      const identity = identityOf(k);
      if (!identity) continue;
      let ids = this.perKernel.get(identity);
      if (!ids) ids = { identity, ...(await readIds(k)) };
      perKernel.set(identity, ids);
      byKernel.set(k, ids.vmlinux);
      if (ids.vmlinux && !byId.has(ids.vmlinux)) byId.set(ids.vmlinux, { kernel: k });
      for (const m of ids.modules)
        if (m.buildId && !byId.has(m.buildId)) byId.set(m.buildId, { kernel: k, module: m.name });
    }
    this.perKernel = perKernel;
    this.byId = byId;
    this.byKernel = byKernel;
    this.syncedScan = scan;
  }
}

async function readIds(k: KernelEntry): Promise<Omit<KernelIds, 'identity'>> {
  let vmlinux: string | undefined;
  let modules: { name: string; buildId: string }[] = [];
  try {
    const db = new Database(k.artifacts.db!.path, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare("SELECT value FROM meta WHERE key = 'build_id'").get() as
        | { value: string }
        | undefined;
      vmlinux = row?.value;
      modules = moduleBuildIds(db);
    } finally {
      db.close();
    }
  } catch {
    // an unreadable database is the lookup routes' business; here it just has no ids
  }
  if (!vmlinux && k.artifacts.vmlinux)
    vmlinux = await buildIdOfElfFile(k.artifacts.vmlinux.path).catch(() => undefined);
  return { vmlinux, modules };
}
