import { isSurfhiveError } from '../../errors/codes.js';
import { KO_LIMITS, type UploadedModule } from '../../indexer/modules-db.js';
import type { KoPool } from '../../ko/ko-pool.js';
import { tokenAccepted } from '../auth.js';
import { badKey } from './keys.js';
import type { LbcCommand } from './types.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function uploadsFrom(kos: unknown): UploadedModule[] | undefined {
  if (typeof kos !== 'object' || kos === null || Array.isArray(kos)) return undefined;
  const entries = Object.entries(kos);
  if (entries.length === 0 || entries.length > KO_LIMITS.files) return undefined;
  const uploads: UploadedModule[] = [];
  for (const [fileName, value] of entries) {
    if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
    uploads.push({ fileName, data: Buffer.from(value, 'base64') });
  }
  return uploads;
}

/** What clients without a token get when `ko` needs one. */
export const KO_NEEDS_TOKEN_LOG =
  'module uploads on this server need a token: send Authorization: Bearer <token>.';

/** What became of one `ko` request: `ok`, a refusal (`no_token`, `bad_request`, `too_large`) or an error's code. */
export type KoOutcome = string;

/**
 * `ko`: a database of the uploaded out-of-tree modules alone, built in the
 * bounded pool of builder threads (never on the event loop). The kernel's own
 * BTF, when the hive has it, is the base, so that kernel types are not
 * repeated. With `tokenHashes`, only requests carrying one of those tokens.
 * `onOutcome` is told how each request ended (metrics).
 */
export const koCommand =
  (pool: KoPool, tokenHashes?: readonly string[], onOutcome?: (outcome: KoOutcome) => void): LbcCommand =>
  async (req, ctx) => {
    const ended = <T>(outcome: KoOutcome, answer: T) => {
      onOutcome?.(outcome);
      return answer;
    };
    if (tokenHashes && !tokenAccepted(ctx.authorization, tokenHashes))
      return ended('no_token', { log: KO_NEEDS_TOKEN_LOG, db: null });
    const uploads = uploadsFrom(req.fields.kos);
    if (!uploads) return ended('bad_request', badKey('kos'));
    const resolution = ctx.registry.lookup(req.arch, req.ver);
    const kernelBtfFile = resolution.status === 'ok' ? resolution.kernel.artifacts.btf?.path : undefined;
    let db: Buffer;
    try {
      db = await pool.build(uploads, kernelBtfFile);
    } catch (err) {
      // error kinds come from the one list of codes: a bounded set of label values
      throw ended(isSurfhiveError(err) ? err.kind.toLowerCase() : 'error', err);
    }
    if (Math.ceil((db.length * 4) / 3) + 1024 > ctx.answerRoom())
      return ended('too_large', { log: 'the module database is too large to send.', db: null });
    return ended('ok', { log: 'ok.', db: db.toString('base64') });
  };
