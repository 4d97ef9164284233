import { createHash } from 'node:crypto';
import type { Arch } from '../hive/names.js';
import type { LbcMapDecl, LbcMapKind } from './lbc-maps.js';

export interface LbcMapDescriptor {
  type: LbcMapKind;
  fktype: string;
  fvtype: string;
  /** Old pylcc's struct formats; the cffi-based clients use fktype/fvtype and ffi. */
  ktype: null;
  vtype: null;
}

/** What `lbc_get_map_types()` returns (docs/lbc-so-abi.md). */
export interface LbcDescriptor {
  hash: string;
  kern_version: string;
  arch: Arch;
  maps: Record<string, LbcMapDescriptor>;
  ffi: string;
}

/** pylcc's cache key: sha256 of the source exactly as sent followed by the env string. */
export const sourceHash = (source: string, env: string) =>
  createHash('sha256')
    .update(source + env, 'utf8')
    .digest('hex');

export interface DescriptorInput {
  source: string;
  env: string;
  kernVersion: string;
  arch: Arch;
  maps: readonly LbcMapDecl[];
  ffi: string;
}

export function makeDescriptor(input: DescriptorInput): LbcDescriptor {
  const maps: Record<string, LbcMapDescriptor> = {};
  for (const m of input.maps)
    maps[m.name] = { type: m.type, fktype: m.fktype, fvtype: m.fvtype, ktype: null, vtype: null };
  return {
    hash: sourceHash(input.source, input.env),
    kern_version: input.kernVersion,
    arch: input.arch,
    maps,
    ffi: input.ffi,
  };
}
