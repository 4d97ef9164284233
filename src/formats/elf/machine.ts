import type { Arch } from '../../hive/names.js';
import { type ElfClass, type ElfEndian, readElf } from './elf-file.js';

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
/** e_machine of each arch the hive holds. */
export const EM_OF_ARCH: Readonly<Record<Arch, number>> = { x86_64: EM_X86_64, aarch64: EM_AARCH64 };

const MACHINES: Readonly<Record<number, string>> = {
  3: 'i386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390',
  40: 'arm',
  [EM_X86_64]: 'x86_64',
  [EM_AARCH64]: 'aarch64',
  243: 'riscv',
  247: 'bpf',
  258: 'loongarch',
};

export interface ElfMachine {
  /** e_machine. */
  code: number;
  /** `uname -m`-style name (`x86_64`, `aarch64`, ...), `machine-<code>` when unknown. */
  name: string;
  class: ElfClass;
  endian: ElfEndian;
}

export function machineOf(f: { machine: number; class: ElfClass; endian: ElfEndian }): ElfMachine {
  return {
    code: f.machine,
    name: MACHINES[f.machine] ?? `machine-${f.machine}`,
    class: f.class,
    endian: f.endian,
  };
}

export function elfMachine(elf: Buffer): ElfMachine {
  return machineOf(readElf(elf));
}
