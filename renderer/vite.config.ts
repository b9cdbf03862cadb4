// Owns the renderer build: React + Vite, root renderer/, output renderer/dist, no inline scripts or
// styles (the server's CSP allows only 'self'), relative to `/` where the server mounts the UI.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Never inline assets as data: URLs in scripts; keeps the CSP simple.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
  server: { fs: { allow: [path.resolve(root, '..')] } },
});
