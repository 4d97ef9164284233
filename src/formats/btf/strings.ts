import { badBtf } from './header.js';

/**
 * A BTF string section. In split BTF, offsets below `firstOffset` belong to the
 * base blob's strings and offsets above continue where the base ends.
 */
export class BtfStrings {
  private readonly cache = new Map<number, string>();
  readonly firstOffset: number;
  readonly endOffset: number;

  constructor(
    private readonly buf: Buffer,
    private readonly start: number,
    end: number,
    private readonly base: BtfStrings | undefined,
  ) {
    this.firstOffset = base ? base.endOffset : 0;
    this.endOffset = this.firstOffset + (end - start);
    const len = end - start;
    if (!base && (len === 0 || buf[start] !== 0))
      badBtf('BTF string section must start with an empty string');
    if (len > 0 && buf[end - 1] !== 0) badBtf('BTF string section is not NUL-terminated');
  }

  /** The NUL-terminated string at `off`; `what` names the referrer in the error. */
  get(off: number, what: string): string {
    if (off < this.firstOffset) {
      if (!this.base) badBtf(`${what}: string offset ${off} out of range`);
      return this.base!.get(off, what);
    }
    if (off >= this.endOffset) badBtf(`${what}: string offset ${off} out of range`);
    let s = this.cache.get(off);
    if (s === undefined) {
      const from = this.start + (off - this.firstOffset);
      // The section ends in NUL (checked above), so indexOf always finds one.
      const to = this.buf.indexOf(0, from);
      s = this.buf.toString('utf8', from, to);
      this.cache.set(off, s);
    }
    return s;
  }
}
