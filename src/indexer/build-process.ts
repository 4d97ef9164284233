import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isSurfhiveError, SurfhiveError } from '../errors/codes.js';
import { recoverHive } from '../hive/publish.js';
import type { Logger } from '../log/logger.js';
import type { ToolRunner } from '../sandbox/exec.js';
import type { SandboxPolicy } from '../sandbox/policy.js';
import { lowerProcessPriority } from '../sandbox/priority.js';
import type {
  BuildJob,
  FromBuilder,
  IndexerResult,
  IndexerTask,
  ModuleAddResult,
  ModuleJob,
  ToBuilder,
} from './build-messages.js';
import { addModuleToKernel } from './module-add.js';
import { type BuildResult, buildKernel, buildKernelLocked } from './pipeline.js';

/** Where kernel builds and module additions run. */
export interface KernelBuilder {
  build(job: BuildJob, signal?: AbortSignal): Promise<BuildResult>;
  addModule(job: ModuleJob, signal?: AbortSignal): Promise<ModuleAddResult>;
}

/** Builds in the calling process: for the CLI, whose event loop serves no one else. */
export function inProcessBuilder(logger: Logger, runner: ToolRunner): KernelBuilder {
  const toolsFor = (signal?: AbortSignal) => ({ runner, signal });
  return {
    build: ({ lockHeld, force, logBindings: _inThisProcess, ...job }, signal) =>
      lockHeld
        ? buildKernelLocked({ ...job, logger, tools: toolsFor(signal) })
        : buildKernel({ ...job, force: force ?? false, logger, tools: toolsFor(signal) }),
    addModule: (job, signal) => addModuleToKernel({ ...job, logger, tools: toolsFor(signal) }),
  };
}

export interface BuildProcessOptions {
  /** Wall-clock time of one task, ms; past it the task is stopped and fails with TOOL_TIMEOUT. */
  deadlineMs: number;
  logger: Logger;
  /** The server's sandbox policy: every tool of a build runs under it. */
  policy: SandboxPolicy;
  /** Heap of one builder process, MiB (default: Node's). */
  heapMb?: number;
  /** After an abort, how long the process has to stop its tools before it is killed. Default 2 s. */
  graceMs?: number;
}

/** The builder's entry: .ts under the test runner's loader, .js once compiled. */
const ENTRY = fileURLToPath(
  new URL(`./build-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);

interface Running {
  child: ChildProcess;
  stop(reason: SurfhiveError): void;
}

/**
 * Kernel builds off the API's event loop: each task runs in a builder process of its own
 * (forked from `build-child`), which sends back its result or coded error. A task past its
 * deadline, aborted by its job, or running at shutdown is told to stop (its tools are
 * killed), then killed; the hive is then recovered from whatever it left half done.
 */
export class BuildProcesses implements KernelBuilder {
  private readonly running = new Set<Running>();
  private closed = false;

  constructor(private readonly opts: BuildProcessOptions) {}

  build(job: BuildJob, signal?: AbortSignal): Promise<BuildResult> {
    return this.run({ op: 'build', job }, job.hive, signal);
  }

  addModule(job: ModuleJob, signal?: AbortSignal): Promise<ModuleAddResult> {
    return this.run({ op: 'add-module', job }, job.hive, signal);
  }

  /** Stops every running task (each fails with UNAVAILABLE) and waits until their processes are gone. */
  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.running].map(
      (r) =>
        new Promise<void>((resolve) => {
          if (r.child.exitCode !== null || r.child.signalCode !== null) return resolve();
          r.child.once('exit', () => resolve());
          r.stop(new SurfhiveError('UNAVAILABLE', 'the server is shutting down'));
        }),
    );
    await Promise.all(exits);
  }

  get active(): number {
    return this.running.size;
  }

  private run<T extends IndexerTask>(task: T, hive: string, signal?: AbortSignal): Promise<IndexerResult<T>> {
    if (this.closed) return Promise.reject(new SurfhiveError('UNAVAILABLE', 'the server is shutting down'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const { logger, deadlineMs } = this.opts;
    const graceMs = this.opts.graceMs ?? 2_000;
    const child = fork(ENTRY, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [
        // the loader flags the parent runs under, not its debugger's port
        ...process.execArgv.filter((a) => !a.startsWith('--inspect')),
        ...(this.opts.heapMb ? [`--max-old-space-size=${this.opts.heapMb}`] : []),
      ],
    });
    lowerProcessPriority(child.pid, this.opts.policy.nice);
    return new Promise<IndexerResult<T>>((resolve, reject) => {
      let outcome: FromBuilder | undefined;
      let stopped: SurfhiveError | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const entry: Running = {
        child,
        stop: (reason) => {
          if (stopped || outcome) return;
          stopped = reason;
          send(child, { type: 'abort' });
          killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        },
      };
      this.running.add(entry);
      const deadlineTimer = setTimeout(
        () =>
          entry.stop(
            new SurfhiveError(
              'TOOL_TIMEOUT',
              `the kernel build did not finish in ${Math.round(deadlineMs / 1000)} s`,
            ),
          ),
        deadlineMs,
      );
      const onAbort = () => entry.stop(abortError(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });

      child.on('message', (msg: FromBuilder) => {
        outcome ??= msg;
      });
      let ended = false;
      const onExit = (code: number | null, sig: NodeJS.Signals | null) => {
        if (ended) return;
        ended = true;
        clearTimeout(deadlineTimer);
        clearTimeout(killTimer);
        signal?.removeEventListener('abort', onAbort);
        this.running.delete(entry);
        const settle = () => {
          if (outcome?.type === 'done') return resolve(outcome.result as IndexerResult<T>);
          if (stopped) return reject(stopped);
          if (outcome?.type === 'failed') return reject(new SurfhiveError(outcome.kind, outcome.message));
          logger.error({ code, signal: sig }, 'the builder process ended without an answer');
          reject(new SurfhiveError('INTERNAL', 'the kernel build process ended unexpectedly'));
        };
        if (outcome?.type === 'done' || (outcome && !stopped)) return settle();
        // killed or crashed: roll back a publication it left half done, remove its scratch
        recoverHive(hive)
          .catch((err) => logger.warn({ err }, 'hive recovery after a stopped build failed'))
          .finally(settle);
      };
      child.once('exit', onExit);
      child.once('error', (err) => {
        logger.error({ err }, 'the builder process failed');
        // a process that never started sends no exit event
        if (child.pid === undefined) onExit(null, null);
      });
      send(child, {
        type: 'run',
        task,
        deadline: Date.now() + deadlineMs,
        logLevel: logger.level,
        policy: this.opts.policy,
      });
    });
  }
}

function send(child: ChildProcess, msg: ToBuilder): void {
  if (child.connected) child.send(msg, (err) => err && undefined);
}

function abortError(signal: AbortSignal): SurfhiveError {
  const reason: unknown = signal.reason;
  return isSurfhiveError(reason) ? reason : new SurfhiveError('UNAVAILABLE', 'the build was cancelled');
}
