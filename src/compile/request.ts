import { SurfhiveError } from '../errors/codes.js';
import { type Arch, checkArch, checkVer } from '../hive/names.js';
import { parseCompileFlags } from './flags.js';

export const OUTPUT_KINDS = ['o', 'so'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];
export const MAX_SOURCE_BYTES = 1024 * 1024;
export const MAX_ENV_BYTES = 4096;

/** One compile as a client asks for it: a bpf.c for one stored kernel. */
export interface CompileRequest {
  source: string;
  /** The client's extra compiler flags, as one string (pylcc's `env`). */
  env: string;
  arch: Arch;
  ver: string;
  output: OutputKind;
}

/** Validates a request before anything is queued: sizes, names, and the flags allow-list. */
export function checkCompileRequest(r: CompileRequest): CompileRequest {
  if (typeof r.source !== 'string' || r.source.length === 0) {
    throw new SurfhiveError('INVALID_FIELD', 'source must be a non-empty string');
  }
  if (Buffer.byteLength(r.source) > MAX_SOURCE_BYTES) {
    throw new SurfhiveError('BODY_TOO_LARGE', 'source is larger than 1 MiB');
  }
  if (r.source.includes('\0')) throw new SurfhiveError('INVALID_FIELD', 'source contains a NUL byte');
  if (typeof r.env !== 'string' || Buffer.byteLength(r.env) > MAX_ENV_BYTES) {
    throw new SurfhiveError('INVALID_FIELD', 'env must be a string of at most 4096 bytes');
  }
  parseCompileFlags(r.env);
  if (!(OUTPUT_KINDS as readonly string[]).includes(r.output)) {
    throw new SurfhiveError('INVALID_FIELD', 'output must be "o" or "so"');
  }
  return { source: r.source, env: r.env, arch: checkArch(r.arch), ver: checkVer(r.ver), output: r.output };
}

/** A queued compile: the request plus the content-addressed key its outcome is stored under. */
export interface CompileJobData extends CompileRequest {
  key: string;
}
