import type { Arch } from '../hive/names.js';

/** One relocation's outcome on one kernel (see native/corecheck/resolve.h). */
export const RELO_STATUSES = [
  'ok',
  'missing_type',
  'missing_field',
  'incompatible',
  'ambiguous',
  'skipped',
] as const;
export type ReloStatus = (typeof RELO_STATUSES)[number];

/** A CO-RE relocation record of the object, named at source level. */
export interface ObjectRelo {
  section: string;
  /** The program (or subprogram) holding the instruction; undefined when libbpf skips the record. */
  program?: string;
  insn: number;
  kind: string;
  type: string;
  /** `task_struct::se.vruntime`, `enum pid_type::PIDTYPE_TGID`, `struct task_struct`. */
  access: string;
  /** libbpf's own spec text, as its debug log prints it. */
  spec: string;
}

export interface ObjectInfo {
  /** The arch the object's pt_regs shows, when it shows one. */
  arch?: Arch;
  programs: { name: string; section: string }[];
  relos: ObjectRelo[];
}

export interface ReloResult {
  status: ReloStatus;
  /** The resolved value (offset, size, 0/1, enum value) when status is ok. */
  value?: number;
  /** libbpf fails the load at relocation time (ambiguous, or an incompatible patch). */
  fatal: boolean;
  /** The instruction was poisoned and the verifier reaches it. */
  reachable: boolean;
  message?: string;
}

export interface KernelRef {
  arch: Arch;
  release: string;
  ver: string;
}

export interface KernelOutcome extends KernelRef {
  loads: boolean;
  /** Programs that fail to load on this kernel. */
  failing: string[];
  relos: ReloResult[];
  /** The kernel's BTF could not be read. */
  error?: string;
}

/** Kernels whose every relocation resolved identically. */
export interface OutcomeGroup {
  loads: boolean;
  kernels: string[];
  /** Relocations that are not ok on these kernels: index → status. */
  problems: { relo: number; status: ReloStatus }[];
}

export interface CoreMatrix {
  object: ObjectInfo;
  kernels: KernelOutcome[];
  summary: { kernels: number; loads: number; fails: number; groups: OutcomeGroup[] };
}

export interface KernelSelection {
  arch?: Arch;
  release?: string;
  verPrefix?: string;
}
