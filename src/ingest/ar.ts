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
