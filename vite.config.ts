import { defineConfig } from 'vitest/config'
import { strictLogger } from './scripts/strict-logger.js'

// Two library builds (Vite library mode cannot give per-format externals in one build): the default mode emits ESM +
// CJS with dependencies external; `--mode cdn` emits the minified IIFE with every dependency inlined.
export default defineConfig(({ mode }) => ({
  // The IIFE is for browsers only: the `ws` paths (src/node.ts) are dropped from it.
  customLogger: mode === 'test' ? undefined : strictLogger(),
  define: mode === 'cdn' ? { __AUTHSOCKET_BROWSER__: 'true' } : {},
  // reconnecting-websocket publishes its TypeScript source beside an ES5 build full of helpers
  // (__values, __spread, function prototypes): the IIFE compiles the same 4.4.0 source for
  // today's browsers instead (test/unit/stuck.test.ts pins the internals either way).
  resolve:
    mode === 'cdn' ? { alias: { 'reconnecting-websocket': 'reconnecting-websocket/reconnecting-websocket.ts' } } : {},
  build:
    mode === 'cdn'
      ? {
          emptyOutDir: false,
          sourcemap: true,
          minify: true,
          lib: { entry: 'src/cdn.ts', name: 'AuthSocket', formats: ['iife'], fileName: () => 'authsocket.iife.min.js' },
        }
      : {
          emptyOutDir: true,
          sourcemap: true,
          minify: false,
          // The formats and file names come from rolldownOptions.output below (lib.formats would be ignored).
          lib: { entry: { index: 'src/index.ts', react: 'src/react.ts' } },
          rolldownOptions: {
            external: ['reconnecting-websocket', 'jwt-decode', 'mitt', 'react'],
            // The hook and the core share one AuthSocket class: a named chunk both entries import.
            output: [
              { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'shared/[name].js' },
              { format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'shared/[name].cjs' },
            ],
          },
        },
  test: {
    include: ['test/unit/**/*.test.ts', 'test/types/**/*.test.ts'],
    setupFiles: ['test/helpers/leak-check.ts', 'test/helpers/fixture.ts'],
    testTimeout: 15_000,
    typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: 'tsconfig.json' },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 90 },
    },
  },
}))
