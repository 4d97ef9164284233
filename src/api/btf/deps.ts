import type { BtfhubPacker } from '../../btfhub/packer.js';
import type { DebuginfodFederation } from '../../buildid/federate.js';
import type { BuildIdIndex } from '../../buildid/index.js';
import type { HiveRegistry } from '../../hive/registry.js';
import type { KernelLookup } from '../../lookup/kernel-lookup.js';

/** What the BTF distribution and history routes share. */
export interface BtfDeps {
  lookup: KernelLookup;
  registry: HiveRegistry;
  buildIds: BuildIdIndex;
  federation: DebuginfodFederation;
  packer: BtfhubPacker;
}
