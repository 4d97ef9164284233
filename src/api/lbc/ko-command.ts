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

/**
 * `ko`: a database of the uploaded out-of-tree modules alone, built in the
 * bounded pool of builder threads (never on the event loop). The kernel's own
 * BTF, when the hive has it, is the base, so that kernel types are not
 * repeated. With `tokenHashes`, only requests carrying one of those tokens.
 */
export const koCommand =
  (pool: KoPool, tokenHashes?: readonly string[]): LbcCommand =>
  async (req, ctx) => {
    if (tokenHashes && !tokenAccepted(ctx.authorization, tokenHashes))
      return { log: KO_NEEDS_TOKEN_LOG, db: null };
    const uploads = uploadsFrom(req.fields.kos);
    if (!uploads) return badKey('kos');
    const resolution = ctx.registry.lookup(req.arch, req.ver);
    const kernelBtfFile = resolution.status === 'ok' ? resolution.kernel.artifacts.btf?.path : undefined;
    const db = await pool.build(uploads, kernelBtfFile);
    if (Math.ceil((db.length * 4) / 3) + 1024 > ctx.answerRoom())
      return { log: 'the module database is too large to send.', db: null };
    return { log: 'ok.', db: db.toString('base64') };
  };
