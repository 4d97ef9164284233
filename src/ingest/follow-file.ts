import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** How the writer of a followed file ended; undefined while it is still writing. */
export type WriterState = { ok: true; size: number } | { ok: false; err: unknown } | undefined;

/** The bytes read did not add up to the writer's final file (it restarted or replaced the file). */
export class FollowMismatch extends Error {}

const CHUNK = 1024 * 1024;

/**
 * Reads a file from its first byte while another task appends to it, until that task says it is done.
 * `paths` are tried in order to open it (the writer may rename `x.part` to `x` when it finishes).
 * The caller checks the bytes it got against the writer's checksum: a writer that truncates
 * and rewrites the file makes them differ.
 */
export async function* followFile(
  paths: string[],
  writer: () => WriterState,
  signal?: AbortSignal,
  pollMs = 20,
): AsyncGenerator<Buffer> {
  const fh = await openWhenPresent(paths, writer, signal, pollMs);
  try {
    let offset = 0;
    for (;;) {
      signal?.throwIfAborted();
      // Read the writer's state before reading: a 0-byte read after "done" is the true end.
      const state = writer();
      const buf = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await fh.read(buf, 0, CHUNK, offset);
      if (bytesRead > 0) {
        offset += bytesRead;
        yield buf.subarray(0, bytesRead);
        continue;
      }
      if (state?.ok === false) throw state.err;
      if (state?.ok) {
        if (offset !== state.size) throw new FollowMismatch('followed file ended at another size');
        return;
      }
      await sleep(pollMs, undefined, { signal });
    }
  } finally {
    await fh.close();
  }
}

async function openWhenPresent(
  paths: string[],
  writer: () => WriterState,
  signal: AbortSignal | undefined,
  pollMs: number,
): Promise<fs.FileHandle> {
  for (;;) {
    const state = writer();
    for (const p of paths) {
      try {
        return await fs.open(p, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    if (state?.ok === false) throw state.err;
    if (state?.ok) throw new FollowMismatch('followed file is gone');
    await sleep(pollMs, undefined, { signal });
  }
}
