import type { Readable } from 'node:stream';
import { readCpio } from './archives.js';
import { ByteReader } from './byte-reader.js';
import { type Compression, decompressStream } from './decompress.js';
import type { ExtractOptions, ExtractTarget } from './extract.js';
import { badArchive } from './extract-policy.js';
import type { KernelSink } from './extract-sink.js';
import { readRpmHeaders } from './rpm-header.js';

const COMPRESSOR: Record<string, Compression> = { gzip: 'gzip', xz: 'xz', zstd: 'zstd', bzip2: 'bzip2' };

/** RPM: headers (identity and payload compressor checked), then the cpio payload streamed into the sink. */
export async function extractRpm(
  input: AsyncIterable<Buffer>,
  target: ExtractTarget,
  sink: KernelSink,
  opts: ExtractOptions,
): Promise<void> {
  const r = new ByteReader(input, 'RPM package');
  const info = await readRpmHeaders(r);
  const p = target.pkg;
  if (
    p &&
    (info.name !== p.name ||
      info.version !== p.version ||
      (p.release !== undefined && info.release !== p.release) ||
      info.arch !== p.arch)
  )
    throw badArchive('package is not the one the mirror metadata describes');
  if (info.payloadFormat !== 'cpio') throw badArchive('RPM payload format is not cpio');
  const expected = COMPRESSOR[info.payloadCompressor];
  if (!expected) throw badArchive('RPM payload compressor is not supported');

  let payload: Readable | undefined;
  let stopped: Promise<void> = Promise.resolve();
  try {
    const {
      format,
      output,
      stopped: toolGone,
    } = await decompressStream(r.rest(), {
      maxOutputBytes: opts.caps.maxPayloadBytes,
      timeoutMs: opts.caps.timeoutMs,
      signal: opts.signal,
      runner: opts.runner,
      what: 'RPM payload',
    });
    payload = output;
    stopped = toolGone;
    if (format !== expected) throw badArchive('RPM payload does not match its declared compressor');
    const cpio = new ByteReader(output, 'RPM payload');
    for await (const member of readCpio(cpio)) {
      if (await sink.take(member)) break;
    }
  } finally {
    payload?.destroy();
    await stopped;
  }
}
