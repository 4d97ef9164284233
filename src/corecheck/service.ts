import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UnrecoverableError } from 'bullmq';
import type { CompileService } from '../compile/service.js';
import { ERRORS, type ErrorName, isSurfhiveError, SurfhiveError } from '../errors/codes.js';
import type { HiveRegistry } from '../hive/registry.js';
import type { Logger } from '../log/logger.js';
import { InlineQueue } from '../queue/inline-queue.js';
import type { JobContext, JobState } from '../queue/types.js';
import type { ToolRunner } from '../sandbox/exec.js';
import { writeBundle } from './bundle.js';
import { checkObject, kernelsFor } from './check.js';
import type { CoreMatrix, KernelSelection } from './types.js';

/** Uploads larger than this are refused before the helper sees them. */
export const MAX_OBJECT_BYTES = 16 * 1024 * 1024;
/** Selections up to this many kernels are answered in the request; larger ones run as a job. */
export const SYNC_KERNELS = 64;

export type CoreJobData = { kind: 'check' | 'bundle'; dir: string; selection: KernelSelection };
export type CoreJobResult = { matrix?: CoreMatrix; archive?: string };

export interface CoreCheckOptions {
  registry: HiveRegistry;
  workDir: string;
  logger?: Logger;
  /** The process's configured runner: the helper and bpftool read the hostile object under its sandbox. */
  runner: ToolRunner;
  /** Checks run at once in this process (each is one helper process). Default 1. */
  concurrency?: number;
}

/** A staged object: a private directory holding `object.o`, removed when its job ends. */
export interface StagedObject {
  dir: string;
}

const objectIn = (dir: string) => path.join(dir, 'object.o');
/** Readable by the sandbox's unprivileged user, which sees the file alone; its directory stays private. */
const OBJECT_MODE = 0o644;

/**
 * CO-RE checks and BTF bundles of uploaded or compiled objects, run through an in-process
 * queue (they need the hive's files) with progress. The object lives only for its job.
 */
export class CoreCheckService {
  readonly queue: InlineQueue<CoreJobData, CoreJobResult>;
  private readonly root: string;

  constructor(private readonly opts: CoreCheckOptions) {
    this.root = path.join(opts.workDir, 'core');
    this.queue = new InlineQueue('core', (job) => this.process(job), {
      concurrency: opts.concurrency ?? 1,
      retainCompleted: 100,
    });
  }

  private async stageDir(): Promise<string> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    return mkdtemp(path.join(this.root, 'obj-'));
  }

  /** Writes an upload stream to a private file, refusing it past MAX_OBJECT_BYTES. */
  async stageUpload(stream: Readable & { truncated?: boolean }): Promise<StagedObject> {
    const dir = await this.stageDir();
    try {
      await pipeline(stream, createWriteStream(objectIn(dir), { mode: OBJECT_MODE }));
      if (stream.truncated)
        throw new SurfhiveError('BODY_TOO_LARGE', `the object exceeds ${MAX_OBJECT_BYTES >> 20} MiB`);
      return { dir };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      if (isSurfhiveError(err)) throw err;
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
        throw new SurfhiveError('BODY_TOO_LARGE', `the object exceeds ${MAX_OBJECT_BYTES >> 20} MiB`);
      throw err;
    }
  }

  /** Copies a finished compile job's BPF object. */
  async stageCompile(compile: CompileService, id: string): Promise<StagedObject> {
    const s = await compile.status(id);
    if (s.status !== 'completed' || !s.artifactPath)
      throw new SurfhiveError('BAD_REQUEST', 'the compile job has not produced an object');
    if (s.output !== 'o')
      throw new SurfhiveError('BAD_REQUEST', 'the compile job built a .so; compile with output "o"');
    const dir = await this.stageDir();
    await copyFile(s.artifactPath, objectIn(dir));
    await chmod(objectIn(dir), OBJECT_MODE);
    return { dir };
  }

  async discard(staged: StagedObject): Promise<void> {
    await rm(staged.dir, { recursive: true, force: true });
  }

  /** Queues a check or bundle of a staged object; the job owns the object from here on. */
  async submit(kind: CoreJobData['kind'], staged: StagedObject, selection: KernelSelection) {
    // A bad object or an empty selection is refused now, not in the job.
    const kernels = (await kernelsFor(this.opts.registry, objectIn(staged.dir), selection, this.opts.runner))
      .length;
    const id = await this.queue.submit(
      kind,
      { kind, dir: staged.dir, selection },
      { jobId: randomUUID(), attempts: 1 },
    );
    return { id, kernels };
  }

  job(id: string): Promise<JobState<CoreJobResult> | undefined> {
    return this.queue.get(id);
  }

  wait(id: string, ms: number): Promise<CoreJobResult> {
    return this.queue.wait(id, ms);
  }

  /** Removes a finished bundle's directory once its archive has been sent, or when nobody waits for it. */
  async releaseArchive(archive: string): Promise<void> {
    const dir = path.dirname(archive);
    if (path.dirname(dir) === this.root) await rm(dir, { recursive: true, force: true });
  }

  /** A failed job's error as the client should see it. */
  static jobError(message: string | undefined): SurfhiveError {
    try {
      const e = JSON.parse(message ?? '') as { code?: string; message?: string };
      const kind = e.code?.replace(/^SURFHIVE_ERR_/, '');
      if (kind && e.message && kind in ERRORS) return new SurfhiveError(kind as ErrorName, e.message);
    } catch {
      // not one of ours: an infrastructure fault
    }
    return new SurfhiveError('INTERNAL', 'the CO-RE check could not be completed');
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  private async process(job: JobContext<CoreJobData>): Promise<CoreJobResult> {
    const { kind, dir, selection } = job.data;
    const log = this.opts.logger?.child({ job: job.id, kind });
    const onProgress = (done: number, total: number) => void job.progress({ done, total });
    let keep = false;
    try {
      const { runner } = this.opts;
      const kernels = await kernelsFor(this.opts.registry, objectIn(dir), selection, runner);
      const matrix = await checkObject(objectIn(dir), kernels, {
        runner,
        signal: job.signal,
        onProgress: kind === 'check' ? onProgress : undefined,
      });
      if (kind === 'check') return { matrix };
      const loading = new Set(matrix.kernels.filter((k) => k.loads).map((k) => `${k.arch}/${k.ver}`));
      const archive = await writeBundle(
        objectIn(dir),
        kernels.filter((k) => loading.has(`${k.arch}/${k.ver}`)),
        dir,
        { runner, signal: job.signal, onProgress },
      );
      keep = true;
      return { archive };
    } catch (err) {
      log?.info({ err }, 'core check failed');
      if (isSurfhiveError(err) && err.statusCode < 500)
        throw new UnrecoverableError(JSON.stringify(err.toJSON()));
      throw err;
    } finally {
      // a bundle's archive stays until the route has sent it (see releaseArchive)
      if (keep) await rm(objectIn(dir), { force: true });
      else await rm(dir, { recursive: true, force: true });
    }
  }
}
