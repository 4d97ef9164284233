/**
 * Serialized answers (JSON as a Buffer, or a value holding one) for immutable
 * databases, keyed by the database identity plus the query. Bounded by total
 * bytes (keys included), least recently used first out.
 */
export class AnswerCache<V = Buffer> {
  private readonly entries = new Map<string, V>();
  private bytes = 0;
  private newestKey: string | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly maxEntryBytes = Math.floor(maxBytes / 8),
    private readonly sizeOf: (v: V) => number = (v) => (v as Buffer).length,
  ) {}

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    // the most recent entry asked again (one hot answer) needs no reordering
    if (hit !== undefined && key !== this.newestKey) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.newestKey = key;
    }
    return hit;
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(value);
    if (size > this.maxEntryBytes) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.bytes -= this.sizeOf(old) + key.length;
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.newestKey = key;
    this.bytes += size + key.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= this.sizeOf(v) + k.length;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
    this.newestKey = undefined;
  }
}
