import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// Built into ../dist/spa, which nginx serves. `vite` (dev server) proxies /api/ to the first instance of a
// running stack, for working on the SPA with hot reload.
export default defineConfig({
  root: here,
  build: { outDir: `${here}../dist/spa`, emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/api/': 'http://127.0.0.1:8080', '/.well-known/': 'http://127.0.0.1:8080' } },
});
