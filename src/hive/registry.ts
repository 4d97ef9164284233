import { stat } from 'node:fs/promises';
import type { Logger } from '../log/logger.js';
import { ARTIFACT_KINDS, type ArtifactKind } from './layout.js';
import type { Arch } from './names.js';
import { ContentHasher } from './same-content.js';
import { type ArtifactFile, type HiveScan, type ReleaseCopy, scanHive } from './scan.js';
import { DirWatchers } from './watch.js';

export type { ArtifactFile } from './scan.js';

/** One kernel the hive can answer for: (arch, ver) unambiguous. */
export interface KernelEntry {
  arch: Arch;
  ver: string;
  /** The release whose files are served. */
  release: string;
  /** Every release holding an identical copy, sorted. */
  releases: string[];
  artifacts: Partial<Record<ArtifactKind, ArtifactFile>>;
}

/** Two or more releases hold different files for the same (arch, ver). */
export interface KernelConflict {
  arch: Arch;
  ver: string;
  releases: string[];
  /** Artifact kinds whose content differs. */
  kinds: ArtifactKind[];
}

export type Resolution =
  | { status: 'ok'; kernel: KernelEntry }
  | { status: 'conflict'; conflict: KernelConflict }
  | { status: 'missing' };

export interface KernelFilter {
  arch?: Arch;
  release?: string;
  verPrefix?: string;
}

export interface RegistryOptions {
  logger?: Logger;
  /** Full freshness check period, ms (0: never). Watches and on-miss checks act sooner. */
  pollMs?: number;
  /** Watch hive directories with inotify (default true). */
  watch?: boolean;
}

const keyOf = (arch: string, ver: string) => `${arch}\0${ver}`;
const MISSING: Resolution = { status: 'missing' };

/**
 * Maps (arch, ver) to the files the hive holds for it. A kernel published
 * into the hive (atomic renames) shows up without a restart: directory
 * watches, a poll, and a directory-mtime check when a lookup misses all
 * trigger a rescan.
 */
export class HiveRegistry {
  private byKey = new Map<string, Resolution>();
  private kernels: KernelEntry[] = [];
  private conflictList: KernelConflict[] = [];
  private dirs = new Map<string, number>();
  private scanning: Promise<void> | undefined;
  private rescanAgain = false;
  private readonly hasher = new ContentHasher();
  private readonly watchers: DirWatchers | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private scannedOnce = false;
  private scanCount = 0;
  private lastScanStart = 0;
  /** The on-miss disk check under way, and the one after it that misses arriving meanwhile share. */
  private missCheck: Promise<void> | undefined;
  private nextMissCheck: Promise<void> | undefined;
  private missCheckCount = 0;

  constructor(
    readonly hive: string,
    private readonly opts: RegistryOptions = {},
  ) {
    this.watchers = opts.watch === false ? undefined : new DirWatchers(() => this.scheduleRescan());
  }

  /** First scan, then watches and the poll timer. */
  async start(): Promise<void> {
    await this.refresh();
    const pollMs = this.opts.pollMs ?? 5000;
    if (pollMs > 0 && !this.closed) {
      this.timer = setInterval(() => {
        this.refreshIfChanged().catch((err) => this.opts.logger?.warn({ err }, 'hive poll failed'));
      }, pollMs);
      this.timer.unref();
    }
  }

  get ready(): boolean {
    return this.scannedOnce;
  }

  /** How many full scans ran (for tests and metrics). */
  get scans(): number {
    return this.scanCount;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.watchers?.close();
  }

  /** What the registry knows now, without touching the disk. */
  lookup(arch: Arch, ver: string): Resolution {
    return this.byKey.get(keyOf(arch, ver)) ?? MISSING;
  }

  /** How many on-miss disk checks ran (for tests). */
  get missChecks(): number {
    return this.missCheckCount;
  }

  /** Like `lookup`, but a miss first checks whether the hive changed since the last scan. */
  async resolve(arch: Arch, ver: string): Promise<Resolution> {
    const known = this.byKey.get(keyOf(arch, ver));
    if (known) return known;
    await this.checkOnMiss();
    return this.lookup(arch, ver);
  }

  /**
   * One disk check for many misses: a miss waits for a check that starts after
   * it arrived (so a kernel published just before is found), but every miss
   * arriving while one check runs shares the next. A flood of lookups for
   * unknown kernels costs one directory sweep at a time, not one per request.
   */
  private checkOnMiss(): Promise<void> {
    if (!this.missCheck) {
      this.missCheckCount++;
      this.missCheck = this.refreshIfChanged().finally(() => {
        this.missCheck = undefined;
      });
      return this.missCheck;
    }
    this.nextMissCheck ??= this.missCheck
      .catch(() => {})
      .then(() => {
        this.nextMissCheck = undefined;
        return this.checkOnMiss();
      });
    return this.nextMissCheck;
  }

  list(filter: KernelFilter = {}): KernelEntry[] {
    return this.kernels.filter(
      (k) =>
        (filter.arch === undefined || k.arch === filter.arch) &&
        (filter.release === undefined || k.releases.includes(filter.release)) &&
        (filter.verPrefix === undefined || k.ver.startsWith(filter.verPrefix)),
    );
  }

  conflicts(): KernelConflict[] {
    return this.conflictList;
  }

  /** Rescans when any directory seen by the last scan changed (a cheap stat per directory). */
  async refreshIfChanged(): Promise<void> {
    if (this.scanning) return this.scanning;
    if (!this.scannedOnce) return this.refresh();
    for (const [dir, mtime] of this.dirs) {
      const now = await stat(dir).then(
        (s) => s.mtimeMs,
        () => -1,
      );
      // Directory mtimes tick coarsely: one changed just before the last scan may hide a later change.
      if (now !== mtime || now >= this.lastScanStart - 2000) return this.refresh();
    }
  }

  /** Full rescan; concurrent callers share one scan, and a change during a scan causes one more. */
  refresh(): Promise<void> {
    if (this.scanning) {
      this.rescanAgain = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      try {
        do {
          this.rescanAgain = false;
          await this.rescan();
        } while (this.rescanAgain && !this.closed);
      } finally {
        this.scanning = undefined;
      }
    })();
    return this.scanning;
  }

  private scheduleRescan(): void {
    if (this.closed) return;
    this.refresh().catch((err) => this.opts.logger?.warn({ err }, 'hive rescan failed'));
  }

  private async rescan(): Promise<void> {
    this.lastScanStart = Date.now();
    const scan: HiveScan = await scanHive(this.hive);
    const groups = new Map<string, ReleaseCopy[]>();
    for (const c of scan.copies) {
      const k = keyOf(c.arch, c.ver);
      const g = groups.get(k);
      if (g) g.push(c);
      else groups.set(k, [c]);
    }
    const byKey = new Map<string, Resolution>();
    const kernels: KernelEntry[] = [];
    const conflicts: KernelConflict[] = [];
    for (const [k, copies] of groups) {
      copies.sort((a, b) => (a.release < b.release ? -1 : a.release > b.release ? 1 : 0));
      const differing = await this.differingKinds(copies);
      const first = copies[0]!;
      const releases = copies.map((c) => c.release);
      if (differing.length > 0) {
        const conflict = { arch: first.arch, ver: first.ver, releases, kinds: differing };
        conflicts.push(conflict);
        byKey.set(k, { status: 'conflict', conflict });
        continue;
      }
      const primary = copies.find((c) => c.artifacts.db) ?? first;
      const artifacts: KernelEntry['artifacts'] = {};
      for (const kind of ARTIFACT_KINDS) {
        const file = primary.artifacts[kind] ?? copies.find((c) => c.artifacts[kind])?.artifacts[kind];
        if (file) artifacts[kind] = file;
      }
      const kernel = { arch: first.arch, ver: first.ver, release: primary.release, releases, artifacts };
      kernels.push(kernel);
      byKey.set(k, { status: 'ok', kernel });
    }
    const order = (a: { arch: string; ver: string }, b: { arch: string; ver: string }) =>
      a.arch === b.arch ? a.ver.localeCompare(b.ver, 'en', { numeric: true }) : a.arch < b.arch ? -1 : 1;
    kernels.sort(order);
    conflicts.sort(order);
    for (const c of conflicts) {
      this.opts.logger?.warn(
        { arch: c.arch, ver: c.ver, releases: c.releases, kinds: c.kinds },
        'kernel conflict',
      );
    }
    this.byKey = byKey;
    this.kernels = kernels;
    this.conflictList = conflicts;
    this.dirs = scan.dirs;
    this.scannedOnce = true;
    this.scanCount++;
    if (!this.closed) this.watchers?.sync([...scan.dirs].filter(([, m]) => m >= 0).map(([d]) => d));
  }

  private async differingKinds(copies: ReleaseCopy[]): Promise<ArtifactKind[]> {
    if (copies.length < 2) return [];
    const out: ArtifactKind[] = [];
    for (const kind of ARTIFACT_KINDS) {
      const files = copies.map((c) => c.artifacts[kind]).filter((f): f is ArtifactFile => f !== undefined);
      for (let i = 1; i < files.length; i++) {
        const same = await this.hasher.same(files[0]!, files[i]!).catch(() => false);
        if (!same) {
          out.push(kind);
          break;
        }
      }
    }
    return out;
  }
}
