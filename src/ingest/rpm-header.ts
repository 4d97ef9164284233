import type { ByteReader } from './byte-reader.js';
import { badArchive } from './extract-policy.js';

const LEAD_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);
const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  ARCH: 1022,
  PAYLOADFORMAT: 1124,
  PAYLOADCOMPRESSOR: 1125,
} as const;

const STRING_TYPES = new Set([6, 8, 9]); // STRING, STRING_ARRAY (first item), I18NSTRING (first item)
const MAX_INDEX = 100_000;

export interface RpmHeaderInfo {
  name?: string;
  version?: string;
  release?: string;
  arch?: string;
  payloadFormat: string;
  payloadCompressor: string;
}

/**
 * Reads the lead, the signature header and the main header of an RPM, leaving the reader at
 * the first byte of the payload. Only the few string tags needed are decoded.
 */
export async function readRpmHeaders(r: ByteReader): Promise<RpmHeaderInfo> {
  const lead = await r.peek(96);
  if (lead.length < 4 || !lead.subarray(0, 4).equals(LEAD_MAGIC)) throw badArchive('not an RPM package');
  await r.read(96);
  const sigLength = await readHeader(r, 64 * 1024 * 1024, 'signature');
  await r.skip((8 - (sigLength % 8)) % 8);
  const tags = new Map<number, string>();
  await readHeader(r, 512 * 1024 * 1024, 'main', tags);
  return {
    name: tags.get(RPMTAG.NAME),
    version: tags.get(RPMTAG.VERSION),
    release: tags.get(RPMTAG.RELEASE),
    arch: tags.get(RPMTAG.ARCH),
    payloadFormat: tags.get(RPMTAG.PAYLOADFORMAT) ?? 'cpio',
    payloadCompressor: tags.get(RPMTAG.PAYLOADCOMPRESSOR) ?? 'gzip',
  };
}

/** One header structure; returns its length in bytes and fills `tags` with wanted string tags. */
async function readHeader(r: ByteReader, maxData: number, which: string, tags?: Map<number, string>) {
  const intro = await r.read(16);
  if (!intro.subarray(0, 4).equals(HEADER_MAGIC)) throw badArchive(`RPM ${which} header is corrupt`);
  const count = intro.readUInt32BE(8);
  const dataLength = intro.readUInt32BE(12);
  if (count > MAX_INDEX || dataLength > maxData) throw badArchive(`RPM ${which} header is too large`);
  if (!tags) {
    await r.skip(count * 16 + dataLength);
    return 16 + count * 16 + dataLength;
  }
  const index = await r.read(count * 16);
  const wanted = new Map<number, { type: number; offset: number }>();
  const known = new Set<number>(Object.values(RPMTAG));
  for (let i = 0; i < count; i++) {
    const tag = index.readUInt32BE(i * 16);
    if (known.has(tag))
      wanted.set(tag, { type: index.readUInt32BE(i * 16 + 4), offset: index.readInt32BE(i * 16 + 8) });
  }
  const data = await r.read(dataLength);
  for (const [tag, { type, offset }] of wanted) {
    if (!STRING_TYPES.has(type)) continue;
    if (offset < 0 || offset >= dataLength) throw badArchive(`RPM ${which} header is corrupt`);
    const end = data.indexOf(0, offset);
    if (end < 0 || end - offset > 4096) throw badArchive(`RPM ${which} header is corrupt`);
    tags.set(tag, data.toString('utf8', offset, end));
  }
  return 16 + count * 16 + dataLength;
}
