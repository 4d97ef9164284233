import { ARTIFACT_KINDS, type ArtifactKind } from '../../hive/layout.js';
import type { HiveRegistry, KernelEntry } from '../../hive/registry.js';
import type { KernelLookup } from '../../lookup/kernel-lookup.js';
import type { Metrics } from '../metrics.js';

export interface RestDeps {
  lookup: KernelLookup;
  registry: HiveRegistry;
  metrics: Metrics;
  /** SURFHIVE_PUBLIC_URL: the base URL generated scripts call back to (else a checked Host header). */
  publicUrl?: string | undefined;
}

export const artifactKinds = (k: KernelEntry): ArtifactKind[] =>
  ARTIFACT_KINDS.filter((kind) => k.artifacts[kind]);

export const kernelSummary = (k: KernelEntry) => ({
  arch: k.arch,
  ver: k.ver,
  release: k.release,
  releases: k.releases,
  artifacts: artifactKinds(k),
});
