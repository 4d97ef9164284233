import { readFile } from 'node:fs/promises';
import type { CompileService } from '../../compile/service.js';
import { symbolHelperLibrary } from '../../compile/symbol-helper.js';
import { isSurfhiveError } from '../../errors/codes.js';
import type { LbcCommand } from './types.js';

/** Clients give up after 30 s; answer a little before that. */
export const LBC_COMPILE_WAIT_MS = 28_000;

/**
 * `c` (a pylcc/clcc `.so`) and `obj` (a BPF object). Failures keep the
 * client's shape: `log` is not `ok.`, the payload is null and `clog` holds
 * the compiler's messages.
 */
export function compileCommand(service: CompileService, output: 'so' | 'o'): LbcCommand {
  const field = output === 'so' ? 'so' : 'obj';
  const failed = (log: string, clog = '') => ({ log, [field]: null, clog });
  return async (req, ctx) => {
    const { code, env } = req.fields;
    if (typeof code !== 'string' || code.length === 0) return failed('bad code key.');
    if (env !== undefined && env !== null && typeof env !== 'string') return failed('bad env key.');
    let status: Awaited<ReturnType<CompileService['wait']>>;
    try {
      const submitted = await service.submit({
        source: code,
        env: env ?? '',
        arch: req.arch,
        ver: req.ver,
        output,
      });
      // One wait for the whole body: sixteen compiles in one request do not wait sixteen times.
      status = await service.wait(submitted.id, Math.max(0, Math.floor(ctx.answerBy - performance.now())));
    } catch (err) {
      if (isSurfhiveError(err) && err.kind === 'KERNEL_NOT_FOUND') return failed('version not support.');
      if (isSurfhiveError(err) && err.statusCode < 500) return failed(err.message);
      throw err;
    }
    if (status.status === 'completed' && status.artifactPath) {
      // base64 grows by a third; the client's other objects share the same answer
      if (Math.ceil(((status.artifact?.size ?? 0) * 4) / 3) + 1024 > ctx.answerRoom())
        return failed('the answer would be too large; send fewer compile objects per request.');
      const bytes = await readFile(status.artifactPath).catch(() => undefined);
      if (!bytes) return failed('the compile result was evicted from the cache; try again.');
      return { log: 'ok.', [field]: bytes.toString('base64'), clog: status.clog ?? '' };
    }
    if (status.status === 'failed') return failed(status.error ?? 'compile failed.', status.clog);
    return failed('compile is still running; try again.');
  };
}

/** What legacy clients (which cannot send a token) get when compiling needs one. */
export const COMPILE_NEEDS_TOKEN_LOG =
  'compiling on this server needs a token: use POST /api/v1/compile with Authorization: Bearer <token>.';

/** `c`/`obj` on a server whose compiles are token-protected: a clear refusal in the client's shape. */
export function compileNeedsTokenCommand(output: 'so' | 'o'): LbcCommand {
  const field = output === 'so' ? 'so' : 'obj';
  return () => ({ log: COMPILE_NEEDS_TOKEN_LOG, [field]: null, clog: '' });
}

/**
 * `elf_so`: the symbol helper library the surftrace client loads with ctypes,
 * for the request's arch. `nativeDir` replaces out/native (tests).
 */
export const elfSoCommand =
  (nativeDir?: string): LbcCommand =>
  async (req) => {
    const so = await symbolHelperLibrary(req.arch, nativeDir);
    return { log: 'ok.', so: so.toString('base64') };
  };
