import { symbolHelperLibrary } from '../../compile/symbol-helper.js';
import type { LbcCommand } from './types.js';

/**
 * `elf_so`: the symbol helper library the surftrace client loads with ctypes,
 * for the request's arch. `nativeDir` replaces out/native (tests).
 */
export const elfSoCommand =
  (nativeDir?: string): LbcCommand =>
  async (req) => {
    const so = await symbolHelperLibrary(req.arch, nativeDir);
    return { log: 'ok.', so: so.toString('base64') };
  };
