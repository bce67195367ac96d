import { defineConfig } from 'vitest/config'

// The Django Channels interop suite (test/interop/django): a real daphne server per file.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    setupFiles: ['test/helpers/leak-check.ts', 'test/helpers/fixture.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
})
