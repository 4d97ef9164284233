import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { runToolOk } from '../../src/sandbox/exec.js';
import { packageRoot } from '../../src/util/package-root.js';

export const CLI = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

const newestMtime = (dir: string): number => {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
};

/** Compiles the TypeScript when dist/ is missing or older than src/, so CLI tests run the current code. */
export async function ensureCli(): Promise<string> {
  const sources = ['src'].map((d) => path.join(packageRoot(), d)).filter((d) => existsSync(d));
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < Math.max(...sources.map(newestMtime))) {
    await runToolOk('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: packageRoot(), timeoutMs: 180_000 });
  }
  return CLI;
}
