import fs from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveMember } from './archives.js';
import { badArchive, type ExtractCaps, memberSelector, normalizeMemberName } from './extract-policy.js';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export interface ExtractedFiles {
  vmlinuxPath: string;
  moduleDir?: string;
}

/**
 * Takes archive members one by one and writes only the wanted ones into `outDir`, which it
 * owns: it creates nothing but directories and regular files (never links), opens each file
 * exclusively, and enforces the member, per-file and total caps.
 */
export class KernelSink {
  private members = 0;
  private total = 0;
  private vmlinuxPath: string | undefined;
  private modules = 0;
  private readonly select;
  private readonly moduleDir: string;

  constructor(
    private readonly outDir: string,
    layout: { vmlinux: string; modules?: string },
    private readonly caps: ExtractCaps,
  ) {
    this.select = memberSelector(layout, caps.includeModules);
    this.moduleDir = path.join(outDir, 'modules');
  }

  /** Handles one member; returns true once nothing more is wanted from the archive. */
  async take(member: ArchiveMember): Promise<boolean> {
    if (++this.members > this.caps.maxMembers) throw badArchive('archive has too many members');
    const name = normalizeMemberName(member.name);
    const wanted = this.select(name);
    if (!wanted) return false;
    const what = wanted.kind === 'vmlinux' ? 'the vmlinux member' : 'a module debug member';
    if (member.type !== 'file') throw badArchive(`${what} is a ${member.type}, not a regular file`);
    if (member.size > this.caps.maxFileBytes) throw badArchive(`${what} is larger than the per-file limit`);
    if (this.total + member.size > this.caps.maxTotalBytes)
      throw badArchive('extracted files would exceed the total size limit');

    let target: string;
    if (wanted.kind === 'vmlinux') {
      if (this.vmlinuxPath) throw badArchive('archive has two vmlinux members');
      target = path.join(this.outDir, 'vmlinux');
    } else {
      target = path.join(this.moduleDir, wanted.rel);
      if (!target.startsWith(this.moduleDir + path.sep))
        throw badArchive('module member escapes its directory');
      await fs.mkdir(path.dirname(target), { recursive: true });
    }
    await this.write(target, member);
    if (wanted.kind === 'vmlinux') {
      await checkElf(target);
      this.vmlinuxPath = target;
    } else this.modules++;
    return this.vmlinuxPath !== undefined && !this.caps.includeModules;
  }

  private async write(target: string, member: ArchiveMember): Promise<void> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(target, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw badArchive('archive has a duplicate member');
      throw err;
    }
    let written = 0;
    try {
      for await (const chunk of member.data) {
        written += chunk.length;
        if (written > member.size) throw badArchive('a member is longer than its header says');
        await fh.write(chunk);
      }
    } finally {
      await fh.close();
    }
    if (written !== member.size) throw badArchive('a member is shorter than its header says');
    this.total += written;
  }

  result(ver: string): ExtractedFiles {
    if (!this.vmlinuxPath) throw badArchive(`package holds no vmlinux for ${ver}`);
    return { vmlinuxPath: this.vmlinuxPath, moduleDir: this.modules > 0 ? this.moduleDir : undefined };
  }
}

async function checkElf(file: string): Promise<void> {
  const fh = await fs.open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead < 4 || !buffer.equals(ELF_MAGIC))
      throw badArchive('the vmlinux in the package is not an ELF file');
  } finally {
    await fh.close();
  }
}
