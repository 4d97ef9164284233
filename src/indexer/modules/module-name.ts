import { SurfhiveError } from '../../errors/index.js';

/** Kernel module names (and `vm` for vmlinux): what the `funs.module` column may hold. */
const MODULE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$/;

export const isModuleName = (s: unknown): s is string =>
  typeof s === 'string' && MODULE_NAME.test(s) && !s.includes('..');

export function checkModuleName(s: unknown): string {
  if (!isModuleName(s))
    throw new SurfhiveError('INVALID_FIELD', 'a kernel module name must be 1-64 letters, digits, _ . + or -');
  return s;
}
