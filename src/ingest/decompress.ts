import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { SurfhiveError } from '../errors/codes.js';
import type { ToolRunner } from '../sandbox/exec.js';
import type { ResourceLimits } from '../sandbox/sandbox-spec.js';
import { ByteReader } from './byte-reader.js';

export const COMPRESSIONS = ['gzip', 'xz', 'zstd', 'bzip2', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** The format is told by the data's magic bytes, never by a file name. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])))
    return 'xz';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  return 'none';
}

export interface DecompressOptions {
  /** The process's runner: xz, zstd and bzip2 run confined under its configured sandbox. */
  runner: ToolRunner;
  /** Past this many decompressed bytes the stream fails with BAD_ARCHIVE (decompression bombs). */
  maxOutputBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
  limits?: ResourceLimits;
  /** Names the data in error messages. */
  what?: string;
}

const TOOL_ARGS: Record<'xz' | 'zstd' | 'bzip2', [string, string[]]> = {
  xz: ['xz', ['-d', '-c', '-q', '--memlimit-decompress=1GiB']],
  zstd: ['zstd', ['-d', '-c', '-q', '--memory=1024MB']],
  bzip2: ['bzip2', ['-d', '-c', '-q']],
};

const capStream = (max: number, what: string) => {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) cb(new SurfhiveError('BAD_ARCHIVE', `${what} expands past its size limit`));
      else cb(null, chunk);
    },
  });
};

/**
 * Decompresses a stream whose format is read from its first bytes. gzip runs in-process;
 * xz, zstd and bzip2 run through the process's ToolRunner, seeing nothing but their pipes. The returned stream errors
 * (BAD_ARCHIVE) on corrupt data, on an input error, or past maxOutputBytes.
 */
export async function decompressStream(
  input: AsyncIterable<Buffer>,
  opts: DecompressOptions,
): Promise<{ format: Compression; output: Readable; stopped: Promise<void> }> {
  const what = opts.what ?? 'compressed data';
  const reader = new ByteReader(input, what);
  const format = sniffCompression(await reader.peek(6));
  const source = Readable.from(reader.rest(), { objectMode: false });
  const cap = capStream(opts.maxOutputBytes, what);

  if (format === 'none' || format === 'gzip') {
    const done = format === 'gzip' ? pipeline(source, zlib.createGunzip(), cap) : pipeline(source, cap);
    done.catch((err) => cap.destroy(asArchiveError(err, what)));
    return { format, output: cap, stopped: Promise.resolve() };
  }

  const [cmd, args] = TOOL_ARGS[format];
  const tool = opts.runner.stream(cmd, args, {
    confine: { mounts: [], chdir: '/' },
    timeoutMs: opts.timeoutMs,
    maxOutputBytes: opts.maxOutputBytes,
    exitErrorKind: 'BAD_ARCHIVE',
    signal: opts.signal,
    limits: opts.limits,
  });
  source.on('error', (err) => tool.stdout.destroy(err));
  source.pipe(tool.stdin);
  tool.stdout.on('error', (err) => cap.destroy(asArchiveError(err, what)));
  tool.stdout.on('close', () => source.destroy());
  cap.on('close', () => tool.stdout.destroy());
  tool.stdout.pipe(cap);
  // Settles once the decompressor has exited: callers that stop reading early wait for it to be gone.
  return { format, output: cap, stopped: tool.exited.then(() => undefined) };
}

/** Input errors (network, truncation) pass through; decoder failures become a clear BAD_ARCHIVE. */
function asArchiveError(err: unknown, what: string): Error {
  if (err instanceof SurfhiveError) {
    if (err.kind !== 'BAD_ARCHIVE') return err;
    if (err.message.startsWith(what)) return err;
    const bomb = err.message.includes('limit');
    return new SurfhiveError(
      'BAD_ARCHIVE',
      bomb ? `${what} expands past its size limit` : `${what} is corrupt`,
      {
        cause: err,
      },
    );
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && code.startsWith('Z_'))
    return new SurfhiveError('BAD_ARCHIVE', `${what} is corrupt`, { cause: err });
  return err instanceof Error ? err : new SurfhiveError('INTERNAL', 'decompression failed');
}
