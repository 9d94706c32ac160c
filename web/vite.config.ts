// Builds the web client into web/dist: Preact, the project's SDK (src/client/) with the
// few Node built-ins it imports replaced by browser shims, no inline script (strict CSP).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const shim = (name: string) => fileURLToPath(new URL(`./src/shims/${name}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: {
    alias: {
      'node:events': shim('events.ts'),
      'node:crypto': shim('crypto.ts'),
      'node:net': shim('no-tcp.ts'),
      'node:tls': shim('no-tcp.ts'),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // A separate file, never a data: URL or an inline module (the CSP forbids both).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
