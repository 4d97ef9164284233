import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SurfhiveError } from '../errors/codes.js';

function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + dir);
    dir = parent;
  }
  return dir;
}

const PACKAGE_ROOT = findPackageRoot();

/** The directory holding package.json, from src/ (tests) or dist/src/ (installed). */
export const packageRoot = (): string => PACKAGE_ROOT;

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** surfhive's own version (package.json). */
export const packageVersion = (): string => PACKAGE_VERSION;

const TOOL_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** `out/native/<name>` of the package: where scripts/build-native.sh puts the native helpers. */
export function nativeToolPath(name: string): string {
  if (!TOOL_NAME.test(name)) throw new SurfhiveError('INTERNAL', 'invalid native tool name');
  return path.join(packageRoot(), 'out', 'native', name);
}
