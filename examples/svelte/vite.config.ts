import { resolve } from 'node:path'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'

// The Svelte example: `authsocket` resolves to the repo's source, as it would to the installed
// package. Served by the reference server under /examples/svelte/dist/.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [svelte()],
  resolve: { alias: [{ find: /^authsocket$/, replacement: resolve(import.meta.dirname, '../../src/index.ts') }] },
  build: { outDir: resolve(import.meta.dirname, 'dist'), emptyOutDir: true },
})
