import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { CompileBudget, type CompileLimits, DEFAULT_COMPILE_LIMITS } from '../src/compile/compile-budget.js';
import { compileObject } from '../src/compile/compile-object.js';
import { compileSharedObject } from '../src/compile/compile-shared-object.js';
import { parseCompileFlags } from '../src/compile/flags.js';
import type { KernelHeaders } from '../src/compile/kernel-headers.js';
import type { CompileOutcome } from '../src/compile/outcome.js';
import type { PchCache } from '../src/compile/pch-cache.js';
import type { CompileJobData } from '../src/compile/request.js';
import type { ResultStore } from '../src/compile/result-store.js';
import { SAFE_FAILURE_PREFIX } from '../src/compile/service.js';
import { isSurfhiveError, SurfhiveError } from '../src/errors/index.js';
import type { JobContext } from '../src/queue/types.js';
import type { ToolRunner } from '../src/sandbox/exec.js';

export interface CompileProcessorDeps {
  headers: KernelHeaders;
  results: ResultStore;
  /** Scratch space; each job gets its own directory, removed afterwards. */
  workRoot: string;
  /** Precompiled lbc.h headers per kernel; none: every compile parses vmlinux.h. */
  pch?: PchCache;
  /** The process's tool runner: every step runs under its sandbox policy. */
  runner: ToolRunner;
  /** One deadline, memory budget and artifact cap per job. */
  limits?: CompileLimits;
}

/** Errors that are the user's (their program, their flags, their kernel choice): never retried. */
const USER_ERRORS = new Set([
  'COMPILE_FAILED',
  'BAD_FLAGS',
  'INVALID_FIELD',
  'KERNEL_NOT_FOUND',
  'BODY_TOO_LARGE',
]);

const outOfSpace = (err: unknown): boolean => {
  const e = err as NodeJS.ErrnoException & { stderr?: string; clog?: string };
  if (e?.code === 'ENOSPC' || e?.code === 'EDQUOT') return true;
  const text = `${e?.message ?? ''}\n${e?.stderr ?? ''}\n${e?.clog ?? ''}`;
  return /No space left on device|Disk quota exceeded/i.test(text);
};

/** A worker-side fault, with a message safe for clients (no host path) marked as such; the original is its cause. */
function infrastructureFailure(err: unknown): Error {
  const msg = outOfSpace(err)
    ? 'the compile worker has no space left for the job'
    : isSurfhiveError(err)
      ? err.message
      : 'the compile worker failed';
  return new SurfhiveError('UNAVAILABLE', `${SAFE_FAILURE_PREFIX}${msg}`, { cause: err });
}

/**
 * One compile job: vmlinux.h of the kernel, then bpf.o (and lbc.so), into the
 * result store. A user's error is stored as a failed outcome and fails the job
 * at once; anything else is thrown as is, so the queue retries it.
 */
export const compileProcessor =
  (deps: CompileProcessorDeps) =>
  async (job: JobContext<CompileJobData>): Promise<CompileOutcome> => {
    const { data } = job;
    await mkdir(deps.workRoot, { recursive: true });
    const jobDir = await mkdtemp(path.join(deps.workRoot, 'job-'));
    try {
      const vmlinuxH = await deps.headers.vmlinuxH(data.arch, data.ver);
      const started = performance.now();
      // The deadline starts once the kernel's headers are here: fetching them is not the user's time.
      const budget = new CompileBudget(deps.limits ?? DEFAULT_COMPILE_LIMITS, job.signal);
      const steps = { runner: deps.runner, budget, pch: deps.pch };
      let artifactFile: string;
      let clog: string;
      if (data.output === 'o') {
        const r = await compileObject({
          source: data.source,
          flags: parseCompileFlags(data.env),
          vmlinuxH,
          arch: data.arch,
          jobDir,
          ...steps,
        });
        artifactFile = r.object;
        clog = r.clog;
      } else {
        const r = await compileSharedObject({
          source: data.source,
          env: data.env,
          kernVersion: data.ver,
          arch: data.arch,
          vmlinuxH,
          jobDir,
          ...steps,
        });
        artifactFile = r.sharedObject;
        clog = r.clog;
      }
      // The steps wrote under a file-size limit; checked again before anything is stored.
      if ((await stat(artifactFile)).size > budget.limits.artifactBytes)
        throw budget.tooLarge(data.output === 'o' ? 'object' : 'shared object');
      const bytes = await readFile(artifactFile);
      const outcome: CompileOutcome = {
        status: 'completed',
        output: data.output,
        clog,
        artifact: { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
        timings: { totalMs: Math.round(performance.now() - started) },
      };
      await deps.results.put(data.key, outcome, artifactFile);
      await job.log(`compiled ${data.output} in ${outcome.timings?.totalMs} ms`);
      return outcome;
    } catch (err) {
      if (isSurfhiveError(err) && USER_ERRORS.has(err.kind) && !outOfSpace(err)) {
        const clog = (err as SurfhiveError & { clog?: string }).clog ?? '';
        await deps.results.put(data.key, { status: 'failed', output: data.output, clog, error: err.message });
        throw new UnrecoverableError(err.message);
      }
      // Retried by the queue; the message is what a client polling the job sees once retries run out.
      throw infrastructureFailure(err);
    } finally {
      await rm(jobDir, { recursive: true, force: true });
    }
  };
