import { type Arch, isVer } from '../hive/names.js';
import type { Candidate, IndexEntry } from './candidate.js';
import { debArch, fillTemplate, type ReleaseSpec } from './catalog.js';

const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+~%:-]{0,254}$/;

/**
 * Collects candidates across repositories: one per `uname -r`, a package of an earlier
 * catalog rule (then an earlier repository) winning over later ones.
 */
export class CandidateSet {
  private readonly byVer = new Map<string, { cand: Candidate; rule: number }>();
  private readonly rules: RegExp[];

  constructor(
    private readonly release: string,
    private readonly spec: ReleaseSpec,
    private readonly arch: Arch,
  ) {
    this.rules = spec.packages.map((r) => new RegExp(r.match));
  }

  /** True if any catalog rule may want a package of this name (filters index parsing). */
  readonly wants = (name: string) => this.rules.some((re) => re.test(name));

  add(entry: IndexEntry): void {
    const pkgArch = this.spec.format === 'deb' ? debArch(this.arch) : this.arch;
    if (entry.arch !== pkgArch) return;
    // A package that depends on another kernel debuginfo package only points at it (Debian's
    // linux-image-6.12-amd64-dbg metapackage): it holds no vmlinux, so it is no candidate.
    if (entry.depends?.some(this.wants)) return;
    for (const [i, re] of this.rules.entries()) {
      const m = re.exec(entry.name);
      if (!m) continue;
      const rule = this.spec.packages[i]!;
      if (rule.minBytes !== undefined && (entry.size ?? 0) < rule.minBytes) continue;
      const cand = this.toCandidate(entry, rule.ver, m.groups ?? {});
      if (!cand) continue;
      const had = this.byVer.get(cand.ver);
      if (!had || i < had.rule) this.byVer.set(cand.ver, { cand, rule: i });
      return;
    }
  }

  has(ver: string): boolean {
    return this.byVer.has(ver);
  }

  all(): Candidate[] {
    return [...this.byVer.values()].map((v) => v.cand);
  }

  private toCandidate(entry: IndexEntry, verTemplate: string, groups: Record<string, string>) {
    const ver = fillTemplate(verTemplate, {
      ...groups,
      name: entry.name,
      version: entry.version,
      release: entry.release ?? '',
      arch: this.arch,
    });
    if (!isVer(ver)) return undefined;
    const fileName = new URL(entry.url).pathname.split('/').pop() ?? '';
    if (!FILE_NAME_RE.test(fileName) || fileName.includes('..')) return undefined;
    const cand: Candidate = {
      release: this.release,
      arch: this.arch,
      ver,
      format: this.spec.format,
      pkg: { name: entry.name, version: entry.version, release: entry.release, arch: entry.arch },
      url: entry.url,
      fileName,
      size: entry.size,
      sha256: entry.sha256,
      repo: entry.repo,
      layout: {
        vmlinux: fillTemplate(this.spec.vmlinux, { kver: ver }),
        modules: this.spec.modules ? fillTemplate(this.spec.modules, { kver: ver }) : undefined,
      },
    };
    return cand;
  }
}
