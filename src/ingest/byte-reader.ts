import { SurfhiveError } from '../errors/codes.js';

/**
 * Reads exact byte counts from a stream without ever seeking: archive headers are
 * parsed in place and member data is handed on in chunks, so nothing large is buffered.
 */
export class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer | string>;
  private ended = false;
  /** Bytes consumed so far. */
  position = 0;

  constructor(
    source: AsyncIterable<Buffer | string>,
    private readonly what = 'archive',
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.it.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  /** Up to n bytes, not consumed; shorter only at the end of the stream. */
  async peek(n: number): Promise<Buffer> {
    while (this.buf.length < n && (await this.pull())) {}
    return this.buf.subarray(0, Math.min(n, this.buf.length));
  }

  /** Exactly n bytes; a stream that ends first is a truncated archive. */
  async read(n: number): Promise<Buffer> {
    const got = await this.peek(n);
    if (got.length < n) throw new SurfhiveError('BAD_ARCHIVE', `${this.what} is truncated`);
    this.buf = this.buf.subarray(n);
    this.position += n;
    return got;
  }

  /** Yields exactly n bytes in pieces as they arrive. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.pull()))
        throw new SurfhiveError('BAD_ARCHIVE', `${this.what} is truncated`);
      const piece = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(piece.length);
      this.position += piece.length;
      left -= piece.length;
      yield piece;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.chunks(n)) {
      // discarded
    }
  }

  /** Everything left, in pieces. */
  async *rest(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.buf.length === 0 && !(await this.pull())) return;
      const piece = this.buf;
      this.buf = Buffer.alloc(0);
      this.position += piece.length;
      yield piece;
    }
  }

  /** Stops the underlying source early (the rest is not wanted). */
  async close(): Promise<void> {
    this.ended = true;
    await this.it.return?.();
  }
}
