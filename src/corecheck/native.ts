import { createInterface } from 'node:readline';
import type { ErrorName } from '../errors/codes.js';
import { SurfhiveError } from '../errors/codes.js';
import { isArch } from '../hive/names.js';
import type { ToolRunner } from '../sandbox/exec.js';
import type { Mount } from '../sandbox/policy.js';
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
  /** The process's runner: the helper reads a hostile object, so it runs under the configured sandbox. */
  runner: ToolRunner;
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
/** Longest line the helper may print: far above the description of the largest object accepted. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** The helper's address space: the object, one kernel BTF at a time and its candidate lists. */
const MEMORY_LIMIT = 1024 * 1024 * 1024;

/**
 * Where the helper sits inside a sandbox: bound there from out/native under bubblewrap, built
 * into the docker sandbox image at the same path (docker/sandbox.Dockerfile).
 */
export const SANDBOX_CORECHECK = '/lbc/bin/corecheck';
/** The object and the kernels' BTF as the helper sees them: read-only, at neutral paths. */
const SANDBOX_OBJECT = '/in/object.o';
const sandboxBtf = (i: number) => `/in/btf/${i}`;

/**
 * Runs native/corecheck on one object against kernel BTF files, in one process: the object
 * is parsed once, each kernel in turn. A bad object becomes its coded error. The helper sees
 * the object and these BTF files, read-only, and nothing else of the host.
 */
export async function runCorecheck(
  objectPath: string,
  btfPaths: string[],
  opts: NativeRunOptions,
): Promise<ObjectInfo> {
  const mounts: Mount[] = [
    { source: nativeToolPath('corecheck'), dest: SANDBOX_CORECHECK, toolchain: true },
    { source: objectPath, dest: SANDBOX_OBJECT },
    ...btfPaths.map((p, i) => ({ source: p, dest: sandboxBtf(i) })),
  ];
  const tool = opts.runner.stream(SANDBOX_CORECHECK, [SANDBOX_OBJECT], {
    confine: { mounts, chdir: '/' },
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    limits: { memoryBytes: MEMORY_LIMIT },
    exitErrorKind: 'TOOL_FAILED',
  });
  tool.stdin.end(btfPaths.map((_, i) => `${sandboxBtf(i)}\n`).join(''));
  let info: ObjectInfo | undefined;
  let objectError: SurfhiveError | undefined;
  let cap = 1024 * 1024;
  let seen = 0;
  // readline holds a line until its newline: no unfinished line may grow past this meanwhile
  let partial = 0;
  tool.stdout.on('data', (buf: Buffer) => {
    const nl = buf.lastIndexOf(10);
    partial = nl < 0 ? partial + buf.length : buf.length - nl - 1;
    if (partial > MAX_LINE_BYTES)
      tool.stdout.destroy(new SurfhiveError('TOOL_FAILED', 'corecheck printed more than expected'));
  });
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
