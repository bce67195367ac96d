import { defineConfig } from 'vitest/config'
import { strictLogger } from './scripts/strict-logger.js'

// Four library builds (Vite library mode cannot give per-format externals in one build): the default mode emits ESM +
// CJS with dependencies external; `--mode browser` emits the same ESM for browsers (package.json's `browser`
// condition), without the `ws` paths of src/node.ts; `--mode cdn` emits the minified IIFE with every dependency
// inlined, for browsers too, and `--mode cdn-base` the same for the base client alone (no feature).
const library = (outDir: string, formats: ('es' | 'cjs')[]) => ({
  outDir,
  emptyOutDir: outDir === 'dist',
  sourcemap: true,
  minify: false,
  // The formats and file names come from rolldownOptions.output below (lib.formats would be ignored).
  lib: { entry: { index: 'src/index.ts', react: 'src/react.ts' } },
  rolldownOptions: {
    external: ['reconnecting-websocket', 'jwt-decode', 'mitt', 'react'],
    // The hook and the core share one AuthSocket class: a named chunk both entries import.
    output: formats.map((format) => ({
      format,
      entryFileNames: `[name].${format === 'es' ? 'js' : 'cjs'}`,
      chunkFileNames: `shared/[name].${format === 'es' ? 'js' : 'cjs'}`,
    })),
  },
})

const cdn = (entry: string, name: string, file: string) => ({
  emptyOutDir: false,
  sourcemap: true,
  minify: true,
  lib: { entry, name, formats: ['iife' as const], fileName: () => file },
})

export default defineConfig(({ mode }) => ({
  customLogger: mode === 'test' ? undefined : strictLogger(),
  // Browser builds leave out the `ws` paths (src/node.ts).
  define: mode === 'browser' || mode.startsWith('cdn') ? { __AUTHSOCKET_BROWSER__: 'true' } : {},
  // reconnecting-websocket publishes its TypeScript source beside an ES5 build full of helpers
  // (__values, __spread, function prototypes): the IIFE compiles the same 4.4.0 source for
  // today's browsers instead (test/unit/stuck.test.ts pins the internals either way).
  resolve: mode.startsWith('cdn')
    ? { alias: { 'reconnecting-websocket': 'reconnecting-websocket/reconnecting-websocket.ts' } }
    : {},
  build:
    mode === 'cdn'
      ? cdn('src/cdn.ts', 'AuthSocket', 'authsocket.iife.min.js')
      : mode === 'cdn-base'
        ? cdn('src/cdn-base.ts', 'BaseAuthSocket', 'authsocket-base.iife.min.js')
        : mode === 'browser'
          ? library('dist/browser', ['es'])
          : library('dist', ['es', 'cjs']),
  test: {
    include: ['test/unit/**/*.test.ts', 'test/types/**/*.test.ts'],
    setupFiles: ['test/helpers/leak-check.ts', 'test/helpers/fixture.ts'],
    testTimeout: 15_000,
    typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: 'tsconfig.json' },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // IndexedDB code: Node has none, so here only its fallback runs; Chromium runs the rest
      // (test/e2e/persist.spec.ts).
      exclude: ['src/persist.ts', 'src/persist-store.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 90 },
    },
  },
}))
