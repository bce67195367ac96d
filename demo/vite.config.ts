import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { strictLogger } from '../scripts/strict-logger.js'

// Builds the demo page (demo/web) to demo/dist; `authsocket` resolves to the SDK source so the
// page reads like an app that installed the package.
export default defineConfig({
  root: resolve(import.meta.dirname, 'web'),
  customLogger: strictLogger(),
  resolve: { alias: { authsocket: resolve(import.meta.dirname, '../src/index.ts') } },
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      input: {
        index: resolve(import.meta.dirname, 'web/index.html'),
        cdn: resolve(import.meta.dirname, 'web/cdn.html'),
        'cdn-base': resolve(import.meta.dirname, 'web/cdn-base.html'),
        persist: resolve(import.meta.dirname, 'web/persist.html'),
      },
    },
  },
})
