import type { Arch } from '../hive/names.js';

/** One kernel debuginfo package a mirror offers: everything needed to download and check it. */
export interface Candidate {
  release: string;
  arch: Arch;
  /** `uname -r` of the kernel. */
  ver: string;
  format: 'rpm' | 'deb';
  /** Package identity as its metadata states it; the extractor checks the archive agrees. */
  pkg: { name: string; version: string; release?: string; arch: string };
  url: string;
  /** Safe base name to store the package under. */
  fileName: string;
  size?: number;
  sha256?: string;
  /** The repository that lists it: a suite/component (`bookworm/main`) or a path. */
  repo?: string;
  /** Paths inside the package, `{kver}` already filled in. */
  layout: { vmlinux: string; modules?: string };
}

/** A package entry as a repository index lists it, before catalog rules turn it into a Candidate. */
export interface IndexEntry {
  name: string;
  version: string;
  release?: string;
  arch: string;
  url: string;
  size?: number;
  sha256?: string;
  /** Names of the packages it depends on, where the index says (Debian's Depends). */
  depends?: string[];
  repo?: string;
}
