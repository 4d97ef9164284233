import { SurfhiveError } from '../../errors/index.js';

export function badElf(message: string): never {
  throw new SurfhiveError('BAD_ELF', message);
}
