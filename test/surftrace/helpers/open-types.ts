import { KernelDbHandle } from '../../../src/lookup/kernel-db-handle.js';
import type { KernelTypes } from '../../../src/surftrace/kernel-types.js';
import { lookupTypes } from '../../../src/surftrace/lookup-types.js';

/** KernelTypes over a database file, through the same adapter the route uses. */
export function openTypes(file: string): { types: KernelTypes; close: () => void } {
  const h = new KernelDbHandle(file, 'test');
  return { types: lookupTypes(h), close: () => h.retire() };
}
