import { SurfhiveError } from '../../errors/index.js';

/** Every rejection of a BTF blob goes through here, so the error kind stays uniform. */
export function badBtf(message: string): never {
  throw new SurfhiveError('BAD_BTF', message);
}
