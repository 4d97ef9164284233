import type { HiveRegistry } from '../../hive/registry.js';
import { AnswerCache } from '../../lookup/answer-cache.js';

/** Bodies longer than this are answered the long way (real clients send about 100 bytes). */
export const MEMO_BODY_MAX = 1024;

export interface MemoReply {
  /** The whole response body. */
  payload: Buffer;
  /** The command of each request object, for metrics. */
  cmds: string[];
}

/**
 * Whole /lbc replies by request body, for bodies whose every answer came from
 * the lookup answer cache. An entry holds for one registry scan: any rescan
 * (a kernel published, a database replaced) makes every entry stale, so the
 * next request recomputes from the answer cache. Bounded by bytes.
 */
export class LbcReplyMemo {
  private readonly replies: AnswerCache<MemoReply>;
  /** The registry scan the entries belong to. */
  private scan = -1;

  constructor(
    private readonly registry: HiveRegistry,
    maxBytes = 32 * 1024 * 1024,
  ) {
    this.replies = new AnswerCache<MemoReply>(maxBytes, Math.floor(maxBytes / 8), (r) => r.payload.length);
  }

  /** The registry scan a reply computed now belongs to (pass it to `set`). */
  get currentScan(): number {
    return this.registry.scans;
  }

  get(body: Buffer): MemoReply | undefined {
    if (body.length > MEMO_BODY_MAX || this.scan !== this.registry.scans) return undefined;
    return this.replies.get(body.toString('latin1'));
  }

  /** Keeps `reply`, computed during registry scan `scan`, unless the registry rescanned since. */
  set(body: Buffer, reply: MemoReply, scan: number): void {
    if (body.length > MEMO_BODY_MAX || scan !== this.registry.scans) return;
    if (this.scan !== scan) {
      this.replies.clear();
      this.scan = scan;
    }
    this.replies.set(body.toString('latin1'), reply);
  }
}
