import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../../src/config/config.js';
import { artifactPath, type KernelKey } from '../../src/hive/layout.js';
import { writeKernelDb } from '../../src/kernel-db/db-file.js';
import type { KernelMeta, KernelRows } from '../../src/kernel-db/rows.js';
import { GOLDEN_JSON } from './fixtures.js';

export const GOLDEN_FILE = GOLDEN_JSON;

interface GoldenCell {
  type: string;
  name: string;
  offset: number;
  size: number;
  bits: string;
}
export interface Golden {
  structs: { name: string; members: number; size: number; cell: GoldenCell[] }[];
  types: { name: string; type: string; size: number }[];
  funcs: { func: string; args: string[]; ret: string; line: number; file: string; module: string }[];
}

/** One trailing `;` removed from type and bits strings (the spec's intended deviation). */
const unsemi = (s: string) => (s.endsWith(';') ? s.slice(0, -1) : s);

/** golden.json as the fixture has it (the reference tools' answers). */
export const readGolden = (): Golden => JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Golden;

/** golden.json with the deviations applied: the answers our service must give. */
export function loadGolden(): Golden {
  const g = readGolden();
  for (const s of g.structs)
    for (const c of s.cell) Object.assign(c, { type: unsemi(c.type), bits: unsemi(c.bits) });
  return g;
}

export function goldenRows(g: Golden = loadGolden()): KernelRows {
  return {
    structs: g.structs.map((s) => ({
      name: s.name,
      bytes: s.size,
      members: s.cell.map((c) => ({
        type: c.type,
        name: c.name,
        offset: c.offset,
        bytes: c.size,
        bits: c.bits,
      })),
    })),
    types: g.types.map((t) => ({ name: t.name, alias: t.type, bytes: t.size })),
    funcs: g.funcs.map((f) => ({ ...f })),
  };
}

export const GOLDEN_VER = '6.1.0-56-amd64';
export const GOLDEN_KEY: KernelKey = { arch: 'x86_64', release: 'debian', ver: GOLDEN_VER };
export const GOLDEN_META: KernelMeta = { builder: 'test', source: 'golden.json' };

/** Writes a db (and optional btf/head files) into the hive the way publishing does: temp file, then rename. */
export function publishKernel(
  hive: string,
  key: KernelKey,
  rows: KernelRows = goldenRows(),
  extra: { btf?: Buffer; head?: string; meta?: KernelMeta } = {},
): string {
  const db = artifactPath(hive, key, 'db');
  mkdirSync(path.dirname(db), { recursive: true });
  const tmp = path.join(hive, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeKernelDb(tmp, rows, extra.meta ?? GOLDEN_META);
  renameSync(tmp, db);
  if (extra.btf) {
    const f = artifactPath(hive, key, 'btf');
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(`${f}.tmp`, extra.btf);
    renameSync(`${f}.tmp`, f);
  }
  if (extra.head !== undefined) {
    const f = artifactPath(hive, key, 'head');
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, extra.head);
  }
  return db;
}

export const FAKE_BTF = Buffer.from('\x7fELF fake btf bytes for transport tests\x00\x01\x02\xff', 'latin1');
export const FAKE_HEAD =
  '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\nstruct list_head { struct list_head *next, *prev; };\n#endif\n';

/** A temp hive holding the golden kernel; removed with `cleanup()`. */
export function goldenHive(): { hive: string; config: Config; dbFile: string; cleanup: () => void } {
  const hive = mkdtempSync(path.join(os.tmpdir(), 'surfhive-hive-'));
  const dbFile = publishKernel(hive, GOLDEN_KEY, goldenRows(), { btf: FAKE_BTF, head: FAKE_HEAD });
  const config = loadConfig({}, { hive, logLevel: 'silent', dbCacheSize: 4, bodyLimit: 1024 * 1024 });
  return { hive, config, dbFile, cleanup: () => rmSync(hive, { recursive: true, force: true }) };
}
