import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { type Readable, Transform, type Writable } from 'node:stream';
import { isMainThread } from 'node:worker_threads';
import { SurfhiveError } from '../errors/codes.js';
import { runInDocker } from './docker-run.js';
import { streamInDocker } from './docker-stream.js';
import { type Confinement, type SandboxPolicy, sandboxFor } from './policy.js';
import { lowerProcessPriority } from './priority.js';
import { bwrapArgs, prlimitArgs, type ResourceLimits, type SandboxSpec } from './sandbox-spec.js';
import { SpawnThread } from './spawn-thread.js';
import { prepareUnprivileged, SANDBOX_GID, SANDBOX_UID } from './unprivileged.js';

export interface ExecOptions {
  cwd?: string;
  /** The tool's whole environment. Defaults to a minimal PATH/LANG: the server's own variables never leak. */
  env?: Record<string, string>;
  input?: string | Buffer;
  timeoutMs: number;
  /** Cap per stream; past it the tool is killed and the result marked truncated. Default 4 MiB. */
  maxOutputBytes?: number;
  /**
   * Stream stdout into this file instead of memory. Capped only by an explicit maxOutputBytes
   * (the tool is killed past it and the result marked truncated); limits.fileBytes binds the
   * tool's own writes, not this file, which the server writes.
   */
  stdoutFile?: string;
  limits?: ResourceLimits;
  sandbox?: SandboxSpec;
  signal?: AbortSignal;
  /** CPU niceness of the tool and everything it starts (a docker sandbox carries its own CPU weight). */
  nice?: number;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
}

export const DEFAULT_TOOL_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
};

const DEFAULT_CAP = 4 * 1024 * 1024;

/** Builds the real argv: prlimit, then the sandbox, then the tool. */
export function commandLine(
  cmd: string,
  args: string[],
  opts: Pick<ExecOptions, 'limits' | 'sandbox' | 'cwd'> & { asNobody?: boolean },
) {
  let argv = [cmd, ...args];
  if (opts.sandbox && opts.sandbox.kind === 'bwrap')
    argv = ['bwrap', ...bwrapArgs(opts.sandbox, opts.cwd), ...argv];
  if (opts.asNobody)
    argv = ['setpriv', `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_GID}`, '--clear-groups', ...argv];
  const limits = opts.limits ? prlimitArgs(opts.limits) : [];
  if (limits.length > 0) argv = ['prlimit', ...limits, '--', ...argv];
  return { file: argv[0]!, argv: argv.slice(1) };
}

function dropsPrivileges(spec: SandboxSpec | undefined): boolean {
  if (spec?.kind !== 'bwrap' || !spec.unprivileged) return false;
  const binds = spec.binds ?? [];
  return prepareUnprivileged(
    [...(spec.readonly ?? []), ...binds.filter((b) => !b.writable).map((b) => b.source)],
    [...spec.writable, ...binds.filter((b) => b.writable).map((b) => b.source)],
  );
}

/** A started tool: its own process group, killed as a whole on timeout, abort or when told to. */
interface GroupProcess {
  child: ChildProcessWithoutNullStreams;
  killTree(): void;
  readonly timedOut: boolean;
  /** Clears the timer and abort listener and reaps whatever is left in the group. */
  finish(): void;
}

function startGroup(
  cmd: string,
  args: string[],
  opts: Pick<ExecOptions, 'cwd' | 'env' | 'limits' | 'sandbox' | 'signal' | 'timeoutMs' | 'nice'>,
): GroupProcess {
  const { file, argv } = commandLine(cmd, args, { ...opts, asNobody: dropsPrivileges(opts.sandbox) });
  const child = spawn(file, argv, {
    cwd: opts.cwd,
    env: opts.env ?? DEFAULT_TOOL_ENV,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  lowerProcessPriority(child.pid, opts.nice);
  let gone = false;
  let timedOut = false;
  const killTree = () => {
    if (child.pid === undefined || gone) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killTree();
  }, opts.timeoutMs);
  const onAbort = () => killTree();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  child.stdin.on('error', () => {
    // the tool may exit without reading all of its input; its exit status tells what happened
  });
  return {
    child,
    killTree,
    get timedOut() {
      return timedOut;
    },
    finish() {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      killTree();
      gone = true;
    },
  };
}

/**
 * The ONE place that starts external processes. Each tool runs in its own
 * process group so that a timeout, an output overflow or an abort kills the
 * whole tree, never a shell.
 */
export function runTool(cmd: string, args: string[], opts: ExecOptions): Promise<ExecResult> {
  const cap = opts.maxOutputBytes ?? DEFAULT_CAP;
  // A docker sandbox is a container per run; its limits are the container's, not prlimit's.
  if (opts.sandbox?.kind === 'docker') return runInDocker(cmd, args, opts.sandbox, opts, cap);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const group = startGroup(cmd, args, opts);
    const { child, killTree } = group;
    const chunks: { out: Buffer[]; err: Buffer[] } = { out: [], err: [] };
    const sizes = { out: 0, err: 0 };
    let truncated = false;
    let settled = false;
    let sink: WriteStream | undefined;
    let sinkDone: Promise<void> = Promise.resolve();

    const collect = (which: 'out' | 'err') => (buf: Buffer) => {
      if (sizes[which] >= cap) return;
      const room = cap - sizes[which];
      const piece = buf.length > room ? buf.subarray(0, room) : buf;
      chunks[which].push(piece);
      sizes[which] += piece.length;
      if (buf.length > room) {
        truncated = true;
        killTree();
      }
    };
    if (opts.stdoutFile) {
      sink = createWriteStream(opts.stdoutFile, { mode: 0o644 });
      const fileCap = opts.maxOutputBytes;
      if (fileCap !== undefined)
        child.stdout.on('data', (buf: Buffer) => {
          sizes.out += buf.length;
          if (sizes.out > fileCap && !truncated) {
            truncated = true;
            killTree();
          }
        });
      child.stdout.pipe(sink);
      sinkDone = new Promise((res, rej) => {
        sink!.on('finish', res);
        sink!.on('error', rej);
      });
    } else {
      child.stdout.on('data', collect('out'));
    }
    child.stderr.on('data', collect('err'));
    child.stdin.end(opts.input ?? '');

    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      group.finish();
      reject(new SurfhiveError('TOOL_FAILED', `could not start ${cmd}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      const timedOut = group.timedOut;
      group.finish();
      sinkDone.then(
        () =>
          resolve({
            code,
            signal,
            stdout: Buffer.concat(chunks.out).toString('utf8'),
            stderr: Buffer.concat(chunks.err).toString('utf8'),
            timedOut,
            truncated,
            durationMs: performance.now() - started,
          }),
        reject,
      );
    });
  });
}

/** Runs a tool that must succeed; a failure becomes a SurfhiveError naming only the tool. */
export async function runToolOk(cmd: string, args: string[], opts: ExecOptions): Promise<ExecResult> {
  return succeeded(cmd, opts, await runTool(cmd, args, opts));
}

/** A run's result if the tool succeeded; else the SurfhiveError naming only the tool. */
function succeeded(cmd: string, opts: Pick<ExecOptions, 'timeoutMs'>, res: ExecResult): ExecResult {
  if (res.timedOut) throw new SurfhiveError('TOOL_TIMEOUT', `${cmd} did not finish in ${opts.timeoutMs} ms`);
  if (res.code !== 0) {
    const err = new SurfhiveError('TOOL_FAILED', `${cmd} failed (exit ${res.code ?? res.signal})`);
    (err as SurfhiveError & { stderr?: string }).stderr = res.stderr;
    throw err;
  }
  return res;
}

export interface StreamToolOptions
  extends Pick<ExecOptions, 'cwd' | 'env' | 'limits' | 'sandbox' | 'signal' | 'timeoutMs' | 'nice'> {
  /** Past this many stdout bytes the tool is killed and stdout errors. Unlimited by default. */
  maxOutputBytes?: number;
  /** stderr kept for the error message. Default 64 KiB. */
  maxStderrBytes?: number;
  /** Error kind used when the tool exits non-zero (e.g. BAD_ARCHIVE for a decompressor). Default TOOL_FAILED. */
  exitErrorKind?: ConstructorParameters<typeof SurfhiveError>[0];
}

export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
}

export interface ToolStream {
  /** The tool's standard input; end it when the input is complete. */
  stdin: Writable;
  /**
   * The tool's standard output. It ends only after the tool has exited cleanly; a non-zero exit,
   * a timeout or an output overflow destroys it with a SurfhiveError instead. Destroying it kills the tool.
   */
  stdout: Readable;
  /** Settles once the tool has exited (never rejects). */
  exited: Promise<ToolExit>;
  kill(): void;
}

/**
 * The streaming twin of runTool: same process group, timeout, limits and sandbox, but stdin and
 * stdout are streams with backpressure, for decompressing inputs too large to buffer.
 */
export function spawnToolStream(cmd: string, args: string[], opts: StreamToolOptions): ToolStream {
  if (opts.sandbox?.kind === 'docker') return streamInDocker(cmd, args, opts.sandbox, opts);
  const errCap = opts.maxStderrBytes ?? 64 * 1024;
  const group = startGroup(cmd, args, opts);
  const { child, killTree } = group;
  let truncated = false;
  let startError: Error | undefined;
  let stderr = '';

  child.stderr.on('data', (buf: Buffer) => {
    if (stderr.length < errCap)
      stderr += buf.toString('utf8', 0, Math.min(buf.length, errCap - stderr.length));
  });

  const exited = new Promise<ToolExit>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      group.finish();
      resolve({ code, signal, stderr, timedOut: group.timedOut, truncated });
    };
    child.on('error', (err) => {
      startError = err;
      finish(null, null);
    });
    child.on('close', finish);
  });

  const failure = (r: ToolExit) => streamFailure(cmd, opts, r, startError);

  const stdout = cappedToolOutput(opts.maxOutputBytes, exited, failure, () => {
    truncated = true;
    killTree();
    return failure({ code: null, signal: null, stderr, timedOut: group.timedOut, truncated });
  });
  child.stdout.on('error', (err) => stdout.destroy(err));
  child.stdout.pipe(stdout);
  // A tool that never starts never ends its stdout: report the start failure there.
  exited.then((r) => {
    if (startError && !stdout.destroyed) stdout.destroy(failure(r));
  });
  stdout.on('close', () => killTree());

  return { stdin: child.stdin, stdout, exited, kill: killTree };
}

/**
 * A streaming tool's stdout as its reader sees it: bytes pass until more than `maxBytes` went
 * through, then `overflow` (which kills the tool) gives the error the stream fails with; at its
 * end the stream fails with `failure` of the tool's exit, if the tool failed.
 */
export function cappedToolOutput(
  maxBytes: number | undefined,
  exited: Promise<ToolExit>,
  failure: (r: ToolExit) => Error | undefined,
  overflow: () => Error | undefined,
): Transform {
  let outBytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      outBytes += chunk.length;
      if (maxBytes !== undefined && outBytes > maxBytes) return cb(overflow());
      cb(null, chunk);
    },
    flush(cb) {
      exited.then((r) => cb(failure(r)));
    },
  });
}

/** How a streaming tool's exit reads as an error (undefined: it succeeded). Shared by every sandbox. */
export function streamFailure(
  cmd: string,
  opts: Pick<StreamToolOptions, 'timeoutMs' | 'exitErrorKind'>,
  r: ToolExit,
  startError?: Error,
): SurfhiveError | undefined {
  if (startError) return new SurfhiveError('TOOL_FAILED', `could not start ${cmd}`, { cause: startError });
  if (r.timedOut) return new SurfhiveError('TOOL_TIMEOUT', `${cmd} did not finish in ${opts.timeoutMs} ms`);
  if (r.truncated)
    return new SurfhiveError(opts.exitErrorKind ?? 'TOOL_FAILED', `${cmd} output exceeds its limit`);
  if (r.code !== 0) {
    const err = new SurfhiveError(
      opts.exitErrorKind ?? 'TOOL_FAILED',
      `${cmd} failed (exit ${r.code ?? r.signal})`,
    );
    (err as SurfhiveError & { stderr?: string }).stderr = r.stderr;
    return err;
  }
  return undefined;
}

/** Options of a confined run: the runner picks the sandbox and the host working directory. */
export type ConfinedOptions = Omit<ExecOptions, 'sandbox' | 'cwd' | 'nice'> & { confine: Confinement };
export type ConfinedStreamOptions = Omit<StreamToolOptions, 'sandbox' | 'cwd' | 'nice'> & {
  confine: Confinement;
};

/**
 * The runner of every tool that reads untrusted input (compiles, uploaded or
 * downloaded modules, BTF, DWARF, archives). Its sandbox policy is chosen once,
 * from the configuration, when the process starts; callers only say what the
 * tool must see (a Confinement), never how it is confined.
 */
export class ToolRunner {
  /** On a process's main thread (the event loop), tools start from a thread of their own. */
  private readonly starter: SpawnThread | undefined;

  constructor(readonly policy: SandboxPolicy) {
    this.starter = isMainThread ? new SpawnThread(policy.nice) : undefined;
  }

  run(cmd: string, args: string[], opts: ConfinedOptions): Promise<ExecResult> {
    return this.start(cmd, args, this.options(opts));
  }

  async runOk(cmd: string, args: string[], opts: ConfinedOptions): Promise<ExecResult> {
    return succeeded(cmd, opts, await this.start(cmd, args, this.options(opts)));
  }

  private start(cmd: string, args: string[], options: ExecOptions): Promise<ExecResult> {
    // a docker run starts its container over the engine's API: nothing blocks here
    if (!this.starter || options.sandbox?.kind === 'docker') return runTool(cmd, args, options);
    return this.starter.run(cmd, args, options);
  }

  /**
   * A streaming tool (decompressors, corecheck): stdin and stdout are pipes with backpressure,
   * under the same policy, timeout, output cap and tree kill as `run`.
   */
  stream(cmd: string, args: string[], opts: ConfinedStreamOptions): ToolStream {
    return spawnToolStream(cmd, args, this.options(opts));
  }

  /** A call's options with what the policy decides: the sandbox, its working directory, the niceness. */
  private options<O extends { confine: Confinement }>(
    opts: O,
  ): Omit<O, 'confine'> & Pick<ExecOptions, 'cwd' | 'sandbox' | 'nice'> {
    const { confine, ...rest } = opts;
    return {
      ...rest,
      cwd: hostDirOf(confine),
      sandbox: sandboxFor(this.policy, confine),
      nice: this.policy.nice,
    };
  }
}

/** The host directory shown as the sandbox's working directory (bubblewrap starts from it), if any. */
function hostDirOf(c: Confinement): string | undefined {
  return c.mounts.find((m) => m.dest === c.chdir)?.source;
}
