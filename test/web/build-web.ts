import path from 'node:path';
import { build } from 'vite';
import { packageRoot } from '../../src/util/package-root.js';

/** Builds the UI from web/ into dist/web (what `npm run build:web` does), so tests see current sources. */
export async function buildWeb(): Promise<void> {
  await build({ configFile: path.join(packageRoot(), 'web', 'vite.config.ts'), logLevel: 'warn' });
}
