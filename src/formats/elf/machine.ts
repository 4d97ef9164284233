import { type ElfClass, type ElfEndian, readElf } from './elf-file.js';

const MACHINES: Readonly<Record<number, string>> = {
  3: 'i386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390',
  40: 'arm',
  62: 'x86_64',
  183: 'aarch64',
  243: 'riscv',
  247: 'bpf',
  258: 'loongarch',
};

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

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
