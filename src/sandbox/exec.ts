import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { SurfhiveError } from '../errors/index.js';
import { bwrapArgs, prlimitArgs, type ResourceLimits, type SandboxSpec } from './sandbox-spec.js';

export interface ExecOptions {
  cwd?: string;
  /** The tool's whole environment. Defaults to a minimal PATH/LANG: the server's own variables never leak. */
  env?: Record<string, string>;
  input?: string | Buffer;
  timeoutMs: number;
  /** Cap per stream; past it the tool is killed and the result marked truncated. Default 4 MiB. */
  maxOutputBytes?: number;
  /** Stream stdout into this file instead of memory (not capped by maxOutputBytes; use limits.fileBytes). */
  stdoutFile?: string;
  limits?: ResourceLimits;
  sandbox?: SandboxSpec;
  signal?: AbortSignal;
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
  opts: Pick<ExecOptions, 'limits' | 'sandbox' | 'cwd'>,
) {
  let argv = [cmd, ...args];
  if (opts.sandbox && opts.sandbox.kind === 'bwrap')
    argv = ['bwrap', ...bwrapArgs(opts.sandbox, opts.cwd), ...argv];
  const limits = opts.limits ? prlimitArgs(opts.limits) : [];
  if (limits.length > 0) argv = ['prlimit', ...limits, '--', ...argv];
  return { file: argv[0]!, argv: argv.slice(1) };
}

/**
 * The ONE place that starts external processes. Each tool runs in its own
 * process group so that a timeout, an output overflow or an abort kills the
 * whole tree, never a shell.
 */
export function runTool(cmd: string, args: string[], opts: ExecOptions): Promise<ExecResult> {
  const { file, argv } = commandLine(cmd, args, opts);
  const cap = opts.maxOutputBytes ?? DEFAULT_CAP;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      cwd: opts.cwd,
      env: opts.env ?? DEFAULT_TOOL_ENV,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks: { out: Buffer[]; err: Buffer[] } = { out: [], err: [] };
    const sizes = { out: 0, err: 0 };
    let truncated = false;
    let timedOut = false;
    let settled = false;
    let sink: WriteStream | undefined;
    let sinkDone: Promise<void> = Promise.resolve();

    const killTree = () => {
      if (child.pid === undefined) return;
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
      child.stdout.pipe(sink);
      sinkDone = new Promise((res, rej) => {
        sink!.on('finish', res);
        sink!.on('error', rej);
      });
    } else {
      child.stdout.on('data', collect('out'));
    }
    child.stderr.on('data', collect('err'));
    child.stdin.on('error', () => {
      // the tool may exit without reading its input
    });
    child.stdin.end(opts.input ?? '');

    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new SurfhiveError('TOOL_FAILED', `could not start ${cmd}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      killTree(); // reap grandchildren left in the group
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
  const res = await runTool(cmd, args, opts);
  if (res.timedOut) throw new SurfhiveError('TOOL_TIMEOUT', `${cmd} did not finish in ${opts.timeoutMs} ms`);
  if (res.code !== 0) {
    const err = new SurfhiveError('TOOL_FAILED', `${cmd} failed (exit ${res.code ?? res.signal})`);
    (err as SurfhiveError & { stderr?: string }).stderr = res.stderr;
    throw err;
  }
  return res;
}
