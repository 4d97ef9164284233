import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { SurfhiveError } from '../errors/codes.js';
import type { ArchiveMember } from './archives.js';
import { readAr } from './archives.js';
import { ByteReader } from './byte-reader.js';
import { decompressStream } from './decompress.js';
import type { ExtractOptions, ExtractTarget } from './extract.js';
import { badArchive, normalizeMemberName } from './extract-policy.js';
import type { KernelSink } from './extract-sink.js';

const TAR_TYPES: Record<string, ArchiveMember['type']> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'device',
  'block-device': 'device',
};

/** DEB/DDEB: ar container; control.tar is checked against the metadata, data.tar streamed into the sink. */
export async function extractDeb(
  input: AsyncIterable<Buffer>,
  target: ExtractTarget,
  sink: KernelSink,
  opts: ExtractOptions,
): Promise<void> {
  const r = new ByteReader(input, 'Debian package');
  let sawBinary = false;
  let sawData = false;
  for await (const m of readAr(r)) {
    if (m.name === 'debian-binary') {
      if (m.size > 64) throw badArchive('Debian package has a corrupt debian-binary member');
      const text = Buffer.concat(await collect(m.data)).toString('latin1');
      if (!text.startsWith('2.')) throw badArchive('Debian package format is not 2.x');
      sawBinary = true;
    } else if (/^control\.tar(\.(xz|zst|gz))?$/.test(m.name)) {
      const control = await readControl(m.data, opts);
      const p = target.pkg;
      if (
        p &&
        (control.Package !== p.name || control.Version !== p.version || control.Architecture !== p.arch)
      )
        throw badArchive('package is not the one the mirror metadata describes');
    } else if (/^data\.tar(\.(xz|zst|gz|bz2))?$/.test(m.name)) {
      if (!sawBinary) throw badArchive('Debian package members are out of order');
      sawData = true;
      await eachTarMember(m.data, opts, opts.caps.maxPayloadBytes, async (member) => sink.take(member));
      break;
    }
  }
  if (!sawData) throw badArchive('Debian package has no data.tar member');
}

async function collect(data: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for await (const c of data) parts.push(c);
  return parts;
}

async function readControl(
  data: AsyncIterable<Buffer>,
  opts: ExtractOptions,
): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  await eachTarMember(data, opts, 16 * 1024 * 1024, async (member) => {
    if (normalizeMemberName(member.name) !== 'control') return false;
    if (member.type !== 'file' || member.size > 1024 * 1024)
      throw badArchive('Debian control file is invalid');
    const text = Buffer.concat(await collect(member.data)).toString('utf8');
    for (const line of text.split('\n')) {
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m) fields[m[1]!] = m[2]!.trim();
    }
    return true;
  });
  return fields;
}

/** Decompresses a tar member and hands each entry on; `take` returning true stops early. */
async function eachTarMember(
  data: AsyncIterable<Buffer>,
  opts: ExtractOptions,
  maxBytes: number,
  take: (m: ArchiveMember) => Promise<boolean>,
): Promise<void> {
  let output: Readable | undefined;
  let stopped: Promise<void> = Promise.resolve();
  const extract = tar.extract();
  try {
    const d = await decompressStream(data, {
      maxOutputBytes: maxBytes,
      timeoutMs: opts.caps.timeoutMs,
      signal: opts.signal,
      runner: opts.runner,
      what: 'Debian package data',
    });
    output = d.output;
    stopped = d.stopped;
    pipeline(output, extract).catch((err) => extract.destroy(err));
    for await (const entry of extract) {
      const h = entry.header;
      const member: ArchiveMember = {
        name: h.name,
        type: TAR_TYPES[h.type ?? 'file'] ?? 'other',
        size: h.size ?? 0,
        data: entry as unknown as AsyncIterable<Buffer>,
      };
      if (await take(member)) return;
      entry.resume();
    }
  } catch (err) {
    if (err instanceof SurfhiveError) throw err;
    throw new SurfhiveError('BAD_ARCHIVE', 'Debian package holds a corrupt tar archive', { cause: err });
  } finally {
    output?.destroy();
    extract.destroy();
    await stopped;
  }
}
