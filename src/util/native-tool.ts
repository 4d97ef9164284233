import path from 'node:path';
import { SurfhiveError } from '../errors/index.js';
import { packageRoot } from './package-root.js';

const TOOL_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** `out/native/<name>` of the package: where scripts/build-native.sh puts the native helpers. */
export function nativeToolPath(name: string): string {
  if (!TOOL_NAME.test(name)) throw new SurfhiveError('INTERNAL', 'invalid native tool name');
  return path.join(packageRoot(), 'out', 'native', name);
}
