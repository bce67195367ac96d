import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The Vue example: `authsocket` resolves to the repo's source, as it would to the installed
// package. Served by the reference server under /examples/vue/dist/.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [vue()],
  resolve: { alias: [{ find: /^authsocket$/, replacement: resolve(import.meta.dirname, '../../src/index.ts') }] },
  build: { outDir: resolve(import.meta.dirname, 'dist'), emptyOutDir: true },
})
