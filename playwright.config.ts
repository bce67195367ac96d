import { defineConfig } from '@playwright/test'
// @ts-expect-error -- a plain .mjs helper shared with the npm scripts
import { findChromium } from './scripts/chromium.mjs'

const port = Number(process.env.E2E_PORT ?? 8181)

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 60_000,
  // One worker: the tests read the reference server's counters.
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: (findChromium as () => string | undefined)(),
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--disable-gpu'],
    },
    viewport: { width: 1280, height: 900 },
  },
  webServer: {
    command: 'npx tsx demo/server/index.ts --test-hooks',
    env: { PORT: String(port), TOKEN_TTL: '60' },
    url: `http://127.0.0.1:${port}/health`,
    reuseExistingServer: !process.env.CI,
    stdout: 'ignore',
    stderr: 'pipe',
  },
})
