import { resolve } from 'node:path'
import { defineConfig } from 'vite'

// The React example: `authsocket` and `authsocket/react` resolve to the repo's source, as they
// would to the installed package. Served by the reference server under /examples/react/dist/.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  resolve: {
    alias: [
      { find: /^authsocket\/react$/, replacement: resolve(import.meta.dirname, '../../src/react.ts') },
      { find: /^authsocket$/, replacement: resolve(import.meta.dirname, '../../src/index.ts') },
    ],
  },
  build: { outDir: resolve(import.meta.dirname, 'dist'), emptyOutDir: true },
})
