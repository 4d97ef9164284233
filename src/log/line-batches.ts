import { fstatSync } from 'node:fs';
import pino from 'pino';

/** Into a pipe several processes share, a write of at most this many bytes is never torn (PIPE_BUF). */
const PIPE_ATOMIC = 4096;
/** Into a regular file every write is whole, whatever its size: fewer, larger writes. */
const FILE_WRITE = 64 * 1024;
const FLUSH_MS = 250;

/**
 * pino's destination for `serve`: lines gathered in one buffer and written to
 * a file descriptor in batches, on the main thread (a thread-pool write per
 * batch costs more in hand-off than the write). Into a pipe or a terminal a
 * write holds whole lines and at most 4 KiB, so the lines of several
 * processes sharing one pipe never interleave; into a regular file batches
 * reach 64 KiB. Lines wait at most a quarter second.
 *
 * A line costs one copy into the batch, no allocation of its own (pino's
 * sonic-boom in string mode measured the whole pending batch on every line;
 * in buffer mode it wants a Buffer per line). sonic-boom does the writing
 * (partial writes, a busy pipe).
 */
export class LineBatches {
  private readonly out: ReturnType<typeof pino.destination>;
  private readonly batch: Buffer;
  private used = 0;

  constructor(fd: number) {
    this.batch = Buffer.allocUnsafeSlow(isRegularFile(fd) ? FILE_WRITE : PIPE_ATOMIC);
    this.out = pino.destination({ fd, sync: true, contentMode: 'buffer', minLength: 0 });
    setInterval(() => this.writeBatch(), FLUSH_MS).unref();
  }

  write(line: string): boolean {
    const size = Buffer.byteLength(line);
    if (this.used + size > this.batch.length) this.writeBatch();
    if (size > this.batch.length) this.hand(Buffer.from(line));
    else this.used += this.batch.write(line, this.used);
    return true;
  }

  /** Writes what waits, before the process exits. */
  flushSync(): void {
    this.writeBatch();
    this.out.flushSync();
  }

  private writeBatch(): void {
    if (this.used === 0) return;
    // sonic-boom may keep what it is given until a busy pipe takes it
    this.hand(Buffer.from(this.batch.subarray(0, this.used)));
    this.used = 0;
  }

  private hand(bytes: Buffer): void {
    // In buffer mode sonic-boom takes Buffers; its types name strings only.
    this.out.write(bytes as unknown as string);
  }
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}
