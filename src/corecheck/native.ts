import { createInterface } from 'node:readline';
import type { ErrorName } from '../errors/codes.js';
import { SurfhiveError } from '../errors/codes.js';
import { isArch } from '../hive/names.js';
import { spawnToolStream } from '../sandbox/exec.js';
import { nativeToolPath } from '../util/package-root.js';
import { type ObjectInfo, RELO_STATUSES, type ReloResult, type ReloStatus } from './types.js';

/** The helper's error codes and ours. */
const OBJECT_ERRORS: Record<string, ErrorName> = {
  NOT_BPF: 'NOT_BPF_OBJECT',
  NO_BTF: 'NO_CORE_BTF',
  BAD_OBJECT: 'BAD_BPF_OBJECT',
  TOO_LARGE: 'BODY_TOO_LARGE',
};

export interface NativeKernelLine {
  index: number;
  loads: boolean;
  relos: ReloResult[];
  error?: string;
}

export interface NativeRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called per kernel as its line arrives, in input order. */
  onKernel(line: NativeKernelLine): void;
}

interface RawObject {
  arch: string | null;
  funcs: { name: string; section: string }[];
  relos: {
    section: string;
    func: number;
    insn: number;
    kind: string;
    type: string;
    access: string;
    spec: string;
  }[];
}

type RawRelo = [string, number | null, number, number, string | null];

const isStatus = (s: string): s is ReloStatus => (RELO_STATUSES as readonly string[]).includes(s);

function objectInfo(raw: RawObject): ObjectInfo {
  return {
    ...(isArch(raw.arch) && { arch: raw.arch }),
    programs: raw.funcs,
    relos: raw.relos.map((r) => ({
      section: r.section,
      ...(r.func >= 0 && { program: raw.funcs[r.func]?.name }),
      insn: r.insn,
      kind: r.kind,
      type: r.type,
      access: r.access,
      spec: r.spec,
    })),
  };
}

function reloResult([status, value, fatal, reachable, message]: RawRelo): ReloResult {
  if (!isStatus(status)) throw new SurfhiveError('INTERNAL', 'corecheck printed an unknown status');
  return {
    status,
    ...(value !== null && { value }),
    fatal: fatal === 1,
    reachable: reachable === 1,
    ...(message !== null && { message }),
  };
}

/** Stdout cap: the object line plus one line per kernel of at most this many bytes per relocation. */
const BYTES_PER_RELO = 256;
/** The helper's address space: the object, one kernel BTF at a time and its candidate lists. */
const MEMORY_LIMIT = 1024 * 1024 * 1024;

/**
 * Runs native/corecheck on one object against kernel BTF files, in one process: the object
 * is parsed once, each kernel in turn. A bad object becomes its coded error.
 */
export async function runCorecheck(
  objectPath: string,
  btfPaths: string[],
  opts: NativeRunOptions,
): Promise<ObjectInfo> {
  const tool = spawnToolStream(nativeToolPath('corecheck'), [objectPath], {
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    limits: { memoryBytes: MEMORY_LIMIT },
    exitErrorKind: 'TOOL_FAILED',
  });
  tool.stdin.end(btfPaths.map((p) => `${p}\n`).join(''));
  let info: ObjectInfo | undefined;
  let objectError: SurfhiveError | undefined;
  let cap = 1024 * 1024;
  let seen = 0;
  try {
    for await (const line of createInterface({ input: tool.stdout, crlfDelay: Infinity })) {
      seen += line.length;
      if (seen > cap) throw new SurfhiveError('TOOL_FAILED', 'corecheck printed more than expected');
      const msg = JSON.parse(line) as
        | { error: { code: string; message: string } }
        | RawObject
        | { kernel: number; loads?: boolean; relos?: RawRelo[]; error?: string };
      if ('error' in msg && typeof msg.error === 'object') {
        objectError = new SurfhiveError(OBJECT_ERRORS[msg.error.code] ?? 'BAD_BPF_OBJECT', msg.error.message);
      } else if ('funcs' in msg) {
        info = objectInfo(msg);
        cap += btfPaths.length * (info.relos.length + 1) * BYTES_PER_RELO;
      } else if ('kernel' in msg) {
        opts.onKernel({
          index: msg.kernel,
          loads: msg.loads === true,
          relos: (msg.relos ?? []).map(reloResult),
          ...(typeof msg.error === 'string' && { error: msg.error }),
        });
      }
    }
  } catch (err) {
    tool.kill();
    // exit 2 is the helper's "bad object" answer, already read
    if (objectError) throw objectError;
    throw err;
  }
  if (objectError) throw objectError;
  if (!info) throw new SurfhiveError('TOOL_FAILED', 'corecheck printed no object description');
  return info;
}
