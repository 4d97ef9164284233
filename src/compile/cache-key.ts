import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../hive/same-content.js';
import { runTool } from '../sandbox/exec.js';
import { PromiseMemo } from '../util/memo.js';
import { packageVersion } from '../util/package-root.js';
import type { CompileRequest } from './request.js';
import type { LbcToolchain } from './toolchain.js';

const sha256 = (...parts: (string | Buffer)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? `${p.length}:${p}` : p);
  return h.digest('hex');
};

/** Everything that makes two compiles give the same bytes; identical requests share one key. */
export const compileKey = (req: CompileRequest, kernelId: string, toolchainId: string) =>
  sha256('surfhive-compile-v1', req.output, req.arch, req.ver, kernelId, toolchainId, req.env, req.source);

const headIds = new PromiseMemo<string, string>();

/** The content hash of a kernel's vmlinux.h, remembered per file version (path, size, mtime, inode). */
export async function kernelHeaderId(file: string): Promise<string> {
  const st = await stat(file);
  const version = `${file}\0${st.size}\0${st.mtimeMs}\0${st.ino}`;
  return headIds.get(version, () => sha256File(file));
}

const toolchainIds = new PromiseMemo<string, string>();

/** Identifies the compiler, lbc.h, runtime and static libraries a compile uses. */
export function toolchainId(tc: LbcToolchain): Promise<string> {
  return toolchainIds.get(tc.arch, async () => {
    const clang = await runTool(tc.clang, ['--version'], { timeoutMs: 10_000 });
    const files = [
      tc.lbcHeader,
      path.join(tc.staticDir, 'runtime', 'liblbcrt.a'),
      path.join(tc.staticDir, 'lib', 'libbpf.a'),
    ];
    const contents = await Promise.all(files.map((f) => readFile(f)));
    return sha256(packageVersion(), clang.stdout, ...contents);
  });
}
