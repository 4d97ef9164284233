import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { buildModulesDb, KO_LIMITS, type UploadedModule } from '../../indexer/modules-db.js';
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

/**
 * `ko`: a database of the uploaded out-of-tree modules alone. The kernel's own
 * BTF, when the hive has it, is the base, so that kernel types are not repeated.
 */
export const koCommand =
  (workRoot: string): LbcCommand =>
  async (req, ctx) => {
    const uploads = uploadsFrom(req.fields.kos);
    if (!uploads) return badKey('kos');
    const resolution = ctx.registry.lookup(req.arch, req.ver);
    const kernelBtfFile = resolution.status === 'ok' ? resolution.kernel.artifacts.btf?.path : undefined;
    const workDir = path.join(workRoot, `ko-${Date.now()}-${randomBytes(6).toString('hex')}`);
    const db = await buildModulesDb(uploads, { workDir, kernelBtfFile });
    return { log: 'ok.', db: db.toString('base64') };
  };
