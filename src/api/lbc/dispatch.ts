import { isSurfhiveError } from '../../errors/codes.js';
import { isVer, normalizeArch } from '../../hive/names.js';
import type { LbcCommandTable, LbcContext, LbcRequest } from './types.js';

export interface LbcOutcome {
  /** Metrics label: the command when it is in the table, else `invalid`. */
  cmd: string;
  ok: boolean;
  body: Buffer;
}

const OK_PREFIX = Buffer.from('{"log":"ok."');
const UNSAFE_KEYS = ['__proto__', 'constructor', 'prototype'];

const answer = (cmd: string, log: string): LbcOutcome => ({
  cmd,
  ok: false,
  body: Buffer.from(JSON.stringify({ log })),
});

function archOf(fields: Record<string, unknown>): LbcRequest['arch'] | undefined {
  const a = Object.hasOwn(fields, 'arch') ? fields.arch : undefined;
  if (a === undefined || a === null || a === '') return 'x86_64';
  if (typeof a !== 'string') return undefined;
  try {
    return normalizeArch(a);
  } catch {
    return undefined;
  }
}

/** The common checks in the old server's order, then the command's handler. */
export async function answerOne(item: unknown, table: LbcCommandTable, ctx: LbcContext): Promise<LbcOutcome> {
  if (item === null || typeof item !== 'object' || Array.isArray(item))
    return answer('invalid', 'unknown request.');
  const fields = item as Record<string, unknown>;
  if (UNSAFE_KEYS.some((k) => Object.hasOwn(fields, k))) return answer('invalid', 'bad request key.');
  if (!Object.hasOwn(fields, 'cmd')) return answer('invalid', 'unknown request.');
  const cmd = fields.cmd;
  if (typeof cmd !== 'string' || !Object.hasOwn(table, cmd)) return answer('invalid', 'unknown cmd.');
  if (!Object.hasOwn(fields, 'ver') || fields.ver === null || fields.ver === '') {
    return answer(cmd, 'no kernel version info.');
  }
  if (!isVer(fields.ver)) return answer(cmd, 'bad ver key.');
  const arch = archOf(fields);
  if (arch === undefined) return answer(cmd, 'bad arch key.');
  try {
    const out = await table[cmd]!({ cmd, ver: fields.ver, arch, fields }, ctx);
    if (Buffer.isBuffer(out)) {
      return { cmd, ok: out.subarray(0, OK_PREFIX.length).equals(OK_PREFIX), body: out };
    }
    return { cmd, ok: out.log === 'ok.', body: Buffer.from(JSON.stringify(out)) };
  } catch (err) {
    if (isSurfhiveError(err)) {
      if (err.kind === 'KERNEL_NOT_FOUND') return answer(cmd, 'version not support.');
      if (err.statusCode >= 500) ctx.log.error({ err, cmd }, 'lbc command failed');
      return answer(cmd, err.message);
    }
    ctx.log.error({ err, cmd }, 'lbc command crashed');
    return answer(cmd, 'internal error.');
  }
}
