import { SurfhiveError } from '../../errors/codes.js';

/*
 * Not-found answers name what is missing and where. The names were checked
 * against the route's pattern first, so echoing them is safe.
 */

const kernel = (k: { arch: string; ver: string }) => `kernel ${k.arch}/${k.ver}`;

/** `task_struct` → "struct or union task_struct"; `struct task_struct` stays as it is. */
const structWords = (name: string) => (name.includes(' ') ? name : `struct or union ${name}`);

export const structNotFound = (name: string, k: { arch: string; ver: string }) =>
  new SurfhiveError('STRUCT_NOT_FOUND', `no ${structWords(name)} in ${kernel(k)}`);

export const functionNotFound = (name: string, k: { arch: string; ver: string }) =>
  new SurfhiveError('FUNCTION_NOT_FOUND', `no function ${name} in ${kernel(k)}`);

export const typeNotFound = (name: string, k: { arch: string; ver: string }) =>
  new SurfhiveError('TYPE_NOT_FOUND', `no type ${name} in ${kernel(k)}`);
