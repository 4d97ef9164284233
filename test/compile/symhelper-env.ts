import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool, runToolOk } from '../../src/sandbox/exec.js';

/** Helpers of symhelper.test.ts: readelf's view of a file, ELF header patching, the ctypes driver. */

const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'symhelper_driver.py');

export interface ElfSym {
  addr: bigint;
  name: string;
  /** `name@@VERSION`: the default version of a versioned dynamic symbol. */
  defaultVersion: boolean;
}

// "    27: 0000000000001139    11 FUNC    LOCAL  DEFAULT   14 helper"
const SYM_LINE = /^\s*\d+:\s+([0-9a-f]+)\s+(?:\d+|0x[0-9a-f]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/;

/** The symbols readelf -s lists that name an address, by the library's rules. */
export async function readelfSymbols(file: string): Promise<ElfSym[]> {
  const r = await runToolOk('readelf', ['-sW', file], { timeoutMs: 60_000, maxOutputBytes: 64 << 20 });
  const out: ElfSym[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = SYM_LINE.exec(line);
    if (!m) continue;
    const [, value, type, , , ndx, full] = m as unknown as string[];
    if (['SECTION', 'FILE', 'TLS'].includes(type!) || ['UND', 'ABS', 'COM'].includes(ndx!)) continue;
    const name = full!.split('@')[0]!;
    if (name === '') continue;
    out.push({ addr: BigInt(`0x${value}`), name, defaultVersion: full!.includes('@@') });
  }
  return out;
}

/** p_vaddr - p_offset of the first executable PT_LOAD, from readelf -l. */
export async function readelfCodeOffset(file: string): Promise<bigint> {
  const r = await runToolOk('readelf', ['-lW', file], { timeoutMs: 30_000 });
  for (const line of r.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    // LOAD Offset VirtAddr PhysAddr FileSiz MemSiz Flg... Align ("R E" is two fields)
    if (f[0] === 'LOAD' && f.slice(6, -1).join('').includes('E')) {
      return BigInt(f[2]!) - BigInt(f[1]!);
    }
  }
  throw new Error(`no executable LOAD segment in ${file}`);
}

/** nm's defined text symbols: name → addresses. */
export async function nmText(file: string): Promise<Map<string, Set<bigint>>> {
  const r = await runToolOk('nm', ['--defined-only', file], { timeoutMs: 30_000, maxOutputBytes: 64 << 20 });
  const out = new Map<string, Set<bigint>>();
  for (const line of r.stdout.split('\n')) {
    const [value, kind, name] = line.trim().split(/\s+/);
    if (!value || !name || !kind || !'TtWw'.includes(kind)) continue;
    const set = out.get(name) ?? new Set<bigint>();
    set.add(BigInt(`0x${value}`));
    out.set(name, set);
  }
  return out;
}

export const hex = (n: bigint) => `0x${n.toString(16)}`;

/** The symbol at or below addr in a sorted list of distinct addresses: index, or -1. */
export function atOrBelow(sorted: bigint[], addr: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export interface SectionHeader {
  index: number;
  /** File offset of this header. */
  at: number;
  type: number;
  link: number;
  offset: number;
  size: number;
}

/** Section headers of a little-endian ELF64 file (the test's own binaries). */
export function sections64(data: Buffer): SectionHeader[] {
  const shoff = Number(data.readBigUInt64LE(0x28));
  const shentsize = data.readUInt16LE(0x3a);
  const shnum = data.readUInt16LE(0x3c);
  const out: SectionHeader[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    out.push({
      index: i,
      at,
      type: data.readUInt32LE(at + 4),
      link: data.readUInt32LE(at + 0x28),
      offset: Number(data.readBigUInt64LE(at + 0x18)),
      size: Number(data.readBigUInt64LE(at + 0x20)),
    });
  }
  return out;
}

export interface DriverAnswer {
  kernel?: {
    load: number;
    again: number;
    addr: Record<string, string>;
    search: ([string, string] | null)[];
    after_deinit: [string, string] | null;
  };
  elf: {
    loaded: boolean;
    code_offset: string;
    addr?: Record<string, string>;
    search?: ([string, string] | null)[];
  }[];
  null_handle: Record<string, unknown>;
  fuzz?: { rounds: number; loaded: number };
}

/** Runs the ctypes driver on lib; a crash (signal) or bad output throws. */
export async function drive(lib: string, request: unknown): Promise<DriverAnswer> {
  const r = await runTool('python3', [DRIVER, lib], {
    timeoutMs: 120_000,
    input: JSON.stringify(request),
    maxOutputBytes: 64 << 20,
  });
  if (r.code !== 0 || r.timedOut) {
    throw new Error(
      `driver failed (exit ${r.code ?? r.signal}${r.timedOut ? ', timed out' : ''}): ${r.stderr.slice(-2000)}`,
    );
  }
  return JSON.parse(r.stdout) as DriverAnswer;
}

export const readBytes = (file: string) => readFileSync(file);
