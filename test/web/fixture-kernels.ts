import type { KernelKey } from '../../src/hive/layout.js';
import type { KernelRows } from '../../src/kernel-db/rows.js';
import { GOLDEN_KEY, goldenRows, publishKernel } from '../helpers/golden-hive.js';

/** An "older" kernel for diffs: golden rows with task_struct changed in every way a diff reports. */
export const OLDER_VER = '5.10.0-30-amd64';
export const OLDER_KEY: KernelKey = { ...GOLDEN_KEY, ver: OLDER_VER };

/**
 * Against golden (b), task_struct on this kernel (a) has:
 * `old_flags` (removed in b), no `vol` (added in b), `comm[8]` (resized),
 * `tgid` at 140 (moved), `ptype` as `int` (retyped); everything else the same.
 */
export function olderRows(): KernelRows {
  const rows = goldenRows();
  const task = rows.structs.find((s) => s.name === 'struct task_struct')!;
  const members = [];
  for (const m of task.members) {
    if (m.name === 'vol') continue;
    if (m.name === 'comm[16]') members.push({ ...m, name: 'comm[8]', bytes: 8 });
    else if (m.name === 'tgid') members.push({ ...m, offset: 140 });
    else if (m.name === 'ptype') members.push({ ...m, type: 'int' });
    else members.push(m);
    if (m.name === 'prio')
      members.push({ type: 'unsigned int', name: 'old_flags', offset: 20, bytes: 4, bits: '' });
  }
  task.members = members;
  task.bytes = 280;
  return rows;
}

export const publishOlder = (hive: string) => publishKernel(hive, OLDER_KEY, olderRows());
