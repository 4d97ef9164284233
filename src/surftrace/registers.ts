import type { Arch } from '../hive/names.js';

/** Argument order first, then the rest, as `%N` numbers them (x86_64 and aarch64 kprobe names). */
const REGISTERS: Record<Arch, readonly string[]> = {
  x86_64: [
    'di',
    'si',
    'dx',
    'cx',
    'r8',
    'r9',
    'ax',
    'bx',
    'sp',
    'bp',
    'r10',
    'r11',
    'r12',
    'r13',
    'r14',
    'r15',
  ],
  aarch64: Array.from({ length: 32 }, (_, i) => `x${i}`),
};

/** Registers that carry function arguments. */
export const ARG_REGISTERS: Record<Arch, number> = { x86_64: 6, aarch64: 8 };

export const registerName = (arch: Arch, index: number): string | undefined => REGISTERS[arch][index];
export const registerIndex = (arch: Arch, name: string): number => REGISTERS[arch].indexOf(name);
