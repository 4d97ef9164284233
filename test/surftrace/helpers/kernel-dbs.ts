import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBtf } from '../../../src/formats/btf/parse.js';
import { rowsFromBtf } from '../../../src/indexer/rows/from-btf.js';
import { writeKernelDb } from '../../../src/kernel-db/db-file.js';
import type { KernelRows } from '../../../src/kernel-db/rows.js';
import { goldenRows } from '../../helpers/golden-hive.js';

export const LOCAL_BTF = '/sys/kernel/btf/vmlinux';

/** The fixture kernel's rows, from the old builder's golden output. */
export const fixtureRows = (): KernelRows => goldenRows();

/** This machine's kernel, from its own BTF. */
export const localRows = (): KernelRows =>
  rowsFromBtf(parseBtf(readFileSync(LOCAL_BTF)), { module: 'vm', ignoreLinkage: true });

/** Writes rows to a temporary database; returns its path and a cleanup. */
export function tempDb(rows: KernelRows): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'surftrace-db-'));
  const file = join(dir, 'info.db');
  writeKernelDb(file, rows);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
