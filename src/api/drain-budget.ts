const MiB = 1024 * 1024;
/** Clients remembered at most; past it, those whose budget is whole again are forgotten. */
const MAX_CLIENTS = 10_000;

/**
 * The bytes of refused request bodies the server reads and drops for each client (by address):
 * a bucket that refills at `bytesPerSecond` up to `burst`. Reading a refused body to its end keeps
 * the answer for a client that sends its whole body before it reads; past its budget nothing more
 * of a client's refused bodies is read (json-guard.ts), so that no client can have the server read
 * gigabytes of what it refused (reading is the costly part: the server's thread does the loopback
 * or NIC work of every byte it takes in).
 */
export class DrainBudget {
  private readonly clients = new Map<string, { bytes: number; at: number }>();

  constructor(
    private readonly bytesPerSecond = 2 * MiB,
    private readonly burst = 16 * MiB,
  ) {}

  /** Takes `bytes` from `client`'s budget; false, taking nothing, once it is spent. */
  take(client: string, bytes: number, now = performance.now()): boolean {
    const bucket = this.bucket(client, now);
    if (bucket.bytes < bytes) return false;
    bucket.bytes -= bytes;
    return true;
  }

  private refilled(b: { bytes: number; at: number }, now: number): number {
    return Math.min(this.burst, b.bytes + ((now - b.at) / 1000) * this.bytesPerSecond);
  }

  private bucket(client: string, now: number) {
    let b = this.clients.get(client);
    if (b) {
      b.bytes = this.refilled(b, now);
      b.at = now;
      return b;
    }
    if (this.clients.size >= MAX_CLIENTS) {
      for (const [key, other] of this.clients)
        if (this.refilled(other, now) >= this.burst) this.clients.delete(key);
      // every one of them still owes: the oldest go first
      for (const key of this.clients.keys()) {
        if (this.clients.size < MAX_CLIENTS) break;
        this.clients.delete(key);
      }
    }
    b = { bytes: this.burst, at: now };
    this.clients.set(client, b);
    return b;
  }
}
