import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runToolOk } from '../sandbox/exec.js';

const PAHOLE_TIMEOUT_MS = 20 * 60_000;

/** BTF encoded from DWARF by pahole, with the flags the kernel's own build passes; split on `baseBtf` when given. */
export async function encodeBtfFromDwarf(elf: string, outFile: string, baseBtf?: string): Promise<Buffer> {
  const args = ['-J', '--btf_gen_all', '-j', `--btf_encode_detached=${outFile}`];
  if (baseBtf) args.push(`--btf_base=${baseBtf}`);
  await runToolOk('pahole', [...args, elf], { timeoutMs: PAHOLE_TIMEOUT_MS, cwd: path.dirname(outFile) });
  return readFile(outFile);
}
