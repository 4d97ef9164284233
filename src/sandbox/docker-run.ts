import { createWriteStream } from 'node:fs';
import { chown } from 'node:fs/promises';
import { PassThrough, type Writable } from 'node:stream';
import Docker from 'dockerode';
import { SurfhiveError } from '../errors/codes.js';
import { dockerCreateOptions } from './docker-options.js';
import type { ExecOptions, ExecResult } from './exec.js';
import type { DockerSandbox } from './sandbox-spec.js';

/** The engine named by DOCKER_HOST, or the local socket (a client is only settings: made per run). */
export const dockerEngine = () => new Docker();

/** A root worker's writable binds must be the unprivileged tool user's (`uid:gid`) to write in. */
export async function handOverWritableBinds(spec: DockerSandbox, user: string | undefined): Promise<void> {
  const [uid, gid] = (user ?? '').split(':').map(Number);
  if (process.getuid?.() !== 0 || uid === undefined || gid === undefined) return;
  for (const b of spec.binds) if (b.writable) await chown(b.source, uid, gid).catch(() => undefined);
}

/**
 * runTool's docker path: one container per run, removed afterwards whatever
 * happens. The timeout, an output overflow or an abort kill the container.
 */
export async function runInDocker(
  cmd: string,
  args: string[],
  spec: DockerSandbox,
  opts: ExecOptions,
  cap: number,
): Promise<ExecResult> {
  const started = performance.now();
  const input = opts.input === undefined || opts.input.length === 0 ? undefined : opts.input;
  const create = dockerCreateOptions(cmd, args, spec, { env: opts.env, limits: opts.limits, stdin: !!input });
  await handOverWritableBinds(spec, create.User);

  let container: Docker.Container;
  try {
    container = await dockerEngine().createContainer(create);
  } catch (err) {
    throw new SurfhiveError('TOOL_FAILED', `could not start ${cmd} in the sandbox container`, { cause: err });
  }
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  const sizes = { out: 0, err: 0 };
  let truncated = false;
  let timedOut = false;
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    container.kill().catch(() => undefined);
  };
  const sink = (which: 'out' | 'err'): Writable => {
    const s = new PassThrough();
    s.on('data', (buf: Buffer) => {
      if (sizes[which] >= cap) return;
      const room = cap - sizes[which];
      chunks[which].push(buf.length > room ? buf.subarray(0, room) : buf);
      sizes[which] += Math.min(buf.length, room);
      if (buf.length > room) {
        truncated = true;
        kill();
      }
    });
    return s;
  };
  const file = opts.stdoutFile ? createWriteStream(opts.stdoutFile, { mode: 0o644 }) : undefined;
  const fileDone = file
    ? new Promise<void>((res, rej) => {
        file.on('finish', res);
        file.on('error', rej);
      })
    : Promise.resolve();
  // the container's output reaches the file through this, where an explicit cap counts it
  const toFile = file ? new PassThrough() : undefined;
  if (file && toFile) {
    let fileBytes = 0;
    const fileCap = opts.maxOutputBytes ?? Number.POSITIVE_INFINITY;
    toFile.on('data', (buf: Buffer) => {
      fileBytes += buf.length;
      if (fileBytes > fileCap) {
        truncated = true;
        kill();
      }
    });
    toFile.pipe(file);
  }
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, opts.timeoutMs);
  opts.signal?.addEventListener('abort', kill, { once: true });
  try {
    const stream = await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
      stdin: !!input,
      hijack: !!input,
    });
    const ended = new Promise<void>((res) => {
      stream.on('end', res);
      stream.on('close', res);
      stream.on('error', () => res());
    });
    container.modem.demuxStream(stream, toFile ?? sink('out'), sink('err'));
    await container.start();
    if (input) stream.end(input);
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await Promise.race([ended, new Promise((r) => setTimeout(r, 1000))]);
    toFile?.end();
    await fileDone;
    return {
      code: killed ? null : StatusCode,
      signal: killed ? 'SIGKILL' : null,
      stdout: Buffer.concat(chunks.out).toString('utf8'),
      stderr: Buffer.concat(chunks.err).toString('utf8'),
      timedOut,
      truncated,
      durationMs: performance.now() - started,
    };
  } catch (err) {
    if (err instanceof SurfhiveError) throw err;
    throw new SurfhiveError('TOOL_FAILED', `${cmd} could not run in the sandbox container`, { cause: err });
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', kill);
    file?.destroy();
    await container.remove({ force: true }).catch(() => undefined);
  }
}
