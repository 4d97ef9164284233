import { stat } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { isSurfhiveError } from '../errors/codes.js';
import type { BaseBtf } from '../indexer/module-rows.js';
import { buildModulesDb, loadBase } from '../indexer/modules-db.js';
import { ToolRunner } from '../sandbox/exec.js';
import type { SandboxPolicy } from '../sandbox/policy.js';
import { lowerThisThread } from '../sandbox/priority.js';
import type { KoReply, KoRequest } from './messages.js';

/**
 * A `ko` build thread: parses BTF and flattens rows off the server's event
 * loop, runs pahole, the DWARF helper and decompressors through a runner of
 * the server's sandbox policy, and keeps the last kernels' base BTF parsed.
 */
class KoBuilder {
  private readonly runner: ToolRunner;
  private readonly bases = new Map<string, Promise<BaseBtf | undefined>>();
  private readonly aborts = new Map<number, AbortController>();

  constructor(policy: SandboxPolicy) {
    this.runner = new ToolRunner(policy);
  }

  abort(id: number): void {
    this.aborts.get(id)?.abort();
  }

  async build(req: KoRequest): Promise<KoReply> {
    const controller = new AbortController();
    this.aborts.set(req.id, controller);
    try {
      const db = await buildModulesDb(
        req.uploads.map((u) => ({ fileName: u.fileName, data: Buffer.from(u.data) })),
        {
          workDir: req.workDir,
          base: req.kernelBtfFile ? await this.base(req.kernelBtfFile) : undefined,
          tools: {
            runner: this.runner,
            signal: controller.signal,
            deadline: performance.now() + (req.deadline - Date.now()),
          },
          maxMemberRows: req.maxMemberRows,
        },
      );
      return { id: req.id, ok: true, db };
    } catch (err) {
      return isSurfhiveError(err)
        ? { id: req.id, ok: false, kind: err.kind, message: err.message }
        : { id: req.id, ok: false, kind: 'INTERNAL', message: 'the module database could not be built' };
    } finally {
      this.aborts.delete(req.id);
    }
  }

  /** The kernel's BTF, parsed once per kernel file (by path, size and mtime); the two latest are kept. */
  private async base(file: string): Promise<BaseBtf | undefined> {
    const st = await stat(file).catch(() => undefined);
    if (!st) return undefined;
    const key = `${file}\0${st.size}\0${st.mtimeMs}`;
    let base = this.bases.get(key);
    if (!base) {
      base = loadBase(file);
      this.bases.set(key, base);
      while (this.bases.size > 2) this.bases.delete(this.bases.keys().next().value!);
    }
    return base;
  }
}

const { policy } = workerData as { policy: SandboxPolicy };
// BTF parsing and row flattening here must not take the CPU from the server's event loop.
lowerThisThread(policy.nice);
const builder = new KoBuilder(policy);
parentPort!.on('message', (msg: KoRequest | { abort: number }) => {
  if ('abort' in msg) {
    builder.abort(msg.abort);
    return;
  }
  void builder.build(msg).then((reply) => {
    parentPort!.postMessage(reply);
  });
});
