import { randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import type { Arch } from '../hive/names.js';
import type { HiveRegistry } from '../hive/registry.js';
import { PromiseMemo } from '../util/memo.js';

/** Where a compile job finds the target kernel's vmlinux.h. */
export interface KernelHeaders {
  vmlinuxH(arch: Arch, ver: string): Promise<string>;
}

/** From the hive on this machine (the API process, or a worker sharing its disk). */
export class HiveHeaders implements KernelHeaders {
  constructor(private readonly registry: HiveRegistry) {}

  async vmlinuxH(arch: Arch, ver: string): Promise<string> {
    const res = await this.registry.resolve(arch, ver);
    const head = res.status === 'ok' ? res.kernel.artifacts.head?.path : undefined;
    if (!head) throw new SurfhiveError('KERNEL_NOT_FOUND', `no vmlinux.h for ${arch}/${ver}`);
    return head;
  }
}

/** Fetched from the API and cached on the worker's own disk: workers need no shared volume. */
export class ApiHeaders implements KernelHeaders {
  private readonly pending = new PromiseMemo<string, string>();

  constructor(
    private readonly apiUrl: string,
    private readonly cacheDir: string,
  ) {}

  vmlinuxH(arch: Arch, ver: string): Promise<string> {
    const file = path.join(this.cacheDir, arch, `vmlinux-${ver}.h`);
    return this.pending.get(file, () => this.fetchOnce(arch, ver, file));
  }

  private async fetchOnce(arch: Arch, ver: string, file: string): Promise<string> {
    if (
      await stat(file).then(
        () => true,
        () => false,
      )
    )
      return file;
    const url = `${this.apiUrl}/api/v1/kernels/${arch}/${encodeURIComponent(ver)}/vmlinux.h`;
    const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (res.status === 404) throw new SurfhiveError('KERNEL_NOT_FOUND', `no vmlinux.h for ${arch}/${ver}`);
    if (!res.ok) throw new SurfhiveError('UNAVAILABLE', `the API answered ${res.status} for vmlinux.h`);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, Buffer.from(await res.arrayBuffer()));
    await rename(tmp, file);
    return file;
  }
}
