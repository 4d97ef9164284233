import type { ByteReader } from './byte-reader.js';
import { badArchive } from './extract-policy.js';

export interface ArMember {
  name: string;
  size: number;
  data: AsyncIterable<Buffer>;
}

/** The members of a Unix ar archive (the .deb container), read strictly in order. */
export async function* readAr(r: ByteReader): AsyncGenerator<ArMember> {
  const magic = await r.peek(8);
  if (magic.toString('latin1') !== '!<arch>\n') throw badArchive('not a Debian package (no ar header)');
  await r.read(8);
  for (;;) {
    if ((await r.peek(1)).length === 0) return;
    const h = await r.read(60);
    if (h.toString('latin1', 58, 60) !== '`\n') throw badArchive('Debian package has a corrupt ar header');
    const name = h.toString('latin1', 0, 16).trim().replace(/\/$/, '');
    const sizeText = h.toString('latin1', 48, 58).trim();
    if (!/^[0-9]{1,15}$/.test(sizeText)) throw badArchive('Debian package has a corrupt ar header');
    const size = Number(sizeText);
    let consumed = false;
    const data = (async function* () {
      consumed = true;
      yield* r.chunks(size);
    })();
    yield { name, size, data };
    if (!consumed) await r.skip(size);
    if (size % 2 === 1) await r.skip(1);
  }
}

const HEADER = 110;
const pad4 = (n: number) => (4 - (n % 4)) % 4;

function hexField(h: Buffer, index: number): number {
  const s = h.toString('latin1', 6 + index * 8, 14 + index * 8);
  if (!/^[0-9a-fA-F]{8}$/.test(s)) throw badArchive('cpio payload has a corrupt header');
  return Number.parseInt(s, 16);
}

function memberType(mode: number, nlink: number, size: number): ArchiveMember['type'] {
  switch (mode & 0o170000) {
    case 0o100000:
      // newc stores a hard link's data once; an empty extra link cannot be a real file for us
      return nlink > 1 && size === 0 ? 'hardlink' : 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o020000:
    case 0o060000:
      return 'device';
    default:
      return 'other';
  }
}

/**
 * The members of a "newc" cpio stream (RPM payloads), read strictly in order. Data a caller
 * does not read is skipped; the stream is never buffered beyond one header.
 */
export async function* readCpio(r: ByteReader): AsyncGenerator<ArchiveMember> {
  for (;;) {
    const h = await r.read(HEADER);
    const magic = h.toString('latin1', 0, 6);
    if (magic === '07070X') throw badArchive('RPM payloads with files over 4 GiB are not supported');
    if (magic !== '070701' && magic !== '070702') throw badArchive('payload is not a cpio (newc) archive');
    const mode = hexField(h, 1);
    const nlink = hexField(h, 4);
    const size = hexField(h, 6);
    const nameSize = hexField(h, 11);
    if (nameSize < 1 || nameSize > 4097) throw badArchive('cpio payload has an invalid member name');
    const rawName = await r.read(nameSize);
    await r.skip(pad4(HEADER + nameSize));
    const name = rawName.toString('utf8', 0, nameSize - 1);
    if (name === 'TRAILER!!!') return;

    let consumed = false;
    const data = (async function* () {
      consumed = true;
      yield* r.chunks(size);
    })();
    yield { name, type: memberType(mode, nlink, size), size, data };
    if (!consumed) await r.skip(size);
    await r.skip(pad4(size));
  }
}

/** One member of an archive as the extractor sees it, whatever the container format. */
export interface ArchiveMember {
  /** The name as stored (not yet normalized). */
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'device' | 'other';
  size: number;
  /** The member's bytes; the parser skips them if they are not read. */
  data: AsyncIterable<Buffer>;
}
