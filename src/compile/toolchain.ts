import { existsSync } from 'node:fs';
import path from 'node:path';
import { fail } from '../errors/codes.js';
import type { Arch } from '../hive/names.js';
import { packageRoot } from '../util/package-root.js';

/** Host paths of everything a compile for one target arch needs besides the user's source. */
export interface LbcToolchain {
  arch: Arch;
  /** native/lbc/lbc.h */
  lbcHeader: string;
  /** libbpf's BPF-side headers (bpf_helpers.h, ...): a directory named `bpf`. */
  bpfHeaders: string;
  /** out/static/<arch>: lib/{libbpf,libelf,libz}.a and runtime/{liblbcrt.a,exports.map}. */
  staticDir: string;
  clang: string;
  /** The C compiler/linker that targets `arch`. */
  cc: string;
}

const HOST_ARCH: Arch | undefined =
  process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined;

/** `-D__TARGET_ARCH_*` for bpf_tracing.h's register macros. */
export const targetArchDefine = (arch: Arch) =>
  arch === 'x86_64' ? '-D__TARGET_ARCH_x86' : '-D__TARGET_ARCH_arm64';

const crossCc = (arch: Arch) => (arch === HOST_ARCH ? 'gcc' : `${arch}-linux-gnu-gcc`);

/**
 * Resolves (and checks) the toolchain for `arch`; `root` defaults to this
 * checkout. The static libraries come from scripts/build-static-libs.sh.
 */
export function lbcToolchain(
  arch: Arch,
  overrides: Partial<LbcToolchain> & { root?: string } = {},
): LbcToolchain {
  const root = overrides.root ?? packageRoot();
  const staticDir = overrides.staticDir ?? path.join(root, 'out', 'static', arch);
  const tc: LbcToolchain = {
    arch,
    lbcHeader: overrides.lbcHeader ?? path.join(root, 'native', 'lbc', 'lbc.h'),
    bpfHeaders: overrides.bpfHeaders ?? path.join(staticDir, 'include', 'bpf'),
    staticDir,
    clang: overrides.clang ?? 'clang',
    cc: overrides.cc ?? crossCc(arch),
  };
  const needed = [
    tc.lbcHeader,
    path.join(tc.bpfHeaders, 'bpf_helpers.h'),
    path.join(staticDir, 'lib', 'libbpf.a'),
    path.join(staticDir, 'runtime', 'liblbcrt.a'),
  ];
  if (!needed.every((f) => existsSync(f)))
    fail('UNAVAILABLE', `the ${arch} lbc toolchain is not built (run scripts/build-static-libs.sh ${arch})`);
  return tc;
}
