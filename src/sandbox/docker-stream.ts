import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import type Docker from 'dockerode';
import { SurfhiveError } from '../errors/codes.js';
import { dockerCreateOptions } from './docker-options.js';
import { dockerEngine, handOverWritableBinds } from './docker-run.js';
import {
  cappedToolOutput,
  type StreamToolOptions,
  streamFailure,
  type ToolExit,
  type ToolStream,
} from './exec.js';
import type { DockerSandbox } from './sandbox-spec.js';

/**
 * Splits the engine's multiplexed attach stream (8-byte frame headers: stream 1 stdout,
 * 2 stderr, then a 32-bit big-endian length) and keeps its backpressure: a frame is
 * acknowledged only once `stdout` took it, so a slow reader stalls the socket, the engine's
 * copy, and finally the tool's writes, instead of buffering without bound.
 */
class Demux extends Writable {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly stdout: Writable,
    private readonly onStderr: (buf: Buffer) => void,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let drainNeeded = false;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const kind = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (kind === 2) this.onStderr(payload);
      else if (!this.stdout.write(payload)) drainNeeded = true;
    }
    if (drainNeeded && !this.stdout.destroyed) this.stdout.once('drain', () => cb());
    else cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.stdout.end();
    cb();
  }
}

/**
 * spawnToolStream's docker path: one throw-away container per run (the same options as
 * runTool's), its stdin and stdout attached over the engine's socket. The timeout, an
 * output overflow, an abort or `kill()` kill the container; it is removed once it exited.
 */
export function streamInDocker(
  cmd: string,
  args: string[],
  spec: DockerSandbox,
  opts: StreamToolOptions,
): ToolStream {
  const errCap = opts.maxStderrBytes ?? 64 * 1024;
  const stdin = new PassThrough();
  let stderr = '';
  let truncated = false;
  let timedOut = false;
  let killed = false;
  let startError: Error | undefined;
  let container: Docker.Container | undefined;
  let over = false;
  let socket: Duplex | undefined;

  // The engine records the exit only once it has handed over all output: a killed tool's attach
  // socket is dropped, not left waiting for a reader.
  const kill = () => {
    if (killed || over) return;
    killed = true;
    container?.kill().catch(() => undefined);
    socket?.destroy();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, opts.timeoutMs);
  opts.signal?.addEventListener('abort', kill, { once: true });

  let exitResolve!: (r: ToolExit) => void;
  const exited = new Promise<ToolExit>((res) => {
    exitResolve = res;
  });
  const failure = (r: ToolExit) => streamFailure(cmd, opts, r, startError);

  const stdout = cappedToolOutput(opts.maxOutputBytes, exited, failure, () => {
    truncated = true;
    kill();
    return failure({ code: null, signal: null, stderr, timedOut, truncated });
  });
  stdout.on('close', kill);
  const demux = new Demux(stdout, (buf) => {
    if (stderr.length < errCap)
      stderr += buf.toString('utf8', 0, Math.min(buf.length, errCap - stderr.length));
  });

  const run = async (): Promise<ToolExit> => {
    const create = dockerCreateOptions(cmd, args, spec, { env: opts.env, limits: opts.limits, stdin: true });
    await handOverWritableBinds(spec, create.User);
    container = await dockerEngine().createContainer(create);
    if (killed) throw new SurfhiveError('TOOL_FAILED', `${cmd} was stopped before it started`);
    socket = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as Duplex;
    socket.on('error', (err) => demux.destroy(err));
    // a dropped socket ends the output too: the exit status then tells what happened
    socket.on('close', () => {
      if (!demux.writableEnded && !demux.destroyed) demux.end();
    });
    socket.pipe(demux);
    stdin.pipe(socket);
    if (killed) throw new SurfhiveError('TOOL_FAILED', `${cmd} was stopped before it started`);
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    return {
      code: killed ? null : StatusCode,
      signal: killed ? 'SIGKILL' : null,
      stderr,
      timedOut,
      truncated,
    };
  };

  run().then(
    (r) => finish(r),
    (err: Error) => {
      // stopped (timeout, abort) before it ran: that, not the engine, is the reason
      if (!killed) startError = err;
      finish({ code: null, signal: null, stderr, timedOut, truncated });
      if (!stdout.destroyed)
        stdout.destroy(failure({ code: null, signal: null, stderr, timedOut, truncated }));
    },
  );
  // Output the tool wrote before it exited may still be on its way: the container goes once read.
  const drained = new Promise<void>((res) => {
    demux.on('finish', res);
    demux.on('close', res);
    stdout.on('close', res);
  });
  function finish(r: ToolExit) {
    over = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', kill);
    exitResolve({ ...r, stderr, truncated });
    void drained.then(() => container?.remove({ force: true }).catch(() => undefined));
  }

  return { stdin, stdout, exited, kill };
}
