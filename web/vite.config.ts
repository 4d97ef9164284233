import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The web UI: plain Preact, bundled into dist/web; nothing is fetched from elsewhere at run time. */
export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // inline data: URLs would need a looser CSP for nothing
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 300,
  },
  // `vite --config web/vite.config.ts` for UI work against a server on the default port
  server: { host: '127.0.0.1', proxy: { '/api': 'http://127.0.0.1:7655' } },
});
