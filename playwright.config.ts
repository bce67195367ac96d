import { defineConfig } from '@playwright/test'
// @ts-expect-error -- a plain .mjs helper shared with the npm scripts
import { findChromium } from './scripts/chromium.mjs'

const demoPort = Number(process.env.E2E_PORT ?? 8181)
const djangoPort = Number(process.env.DJANGO_PORT ?? 8301)

const launchOptions = {
  executablePath: (findChromium as () => string | undefined)(),
  args: [
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
    '--disable-gpu',
  ],
}

export default defineConfig({
  timeout: 60_000,
  // One worker: the tests read the reference server's counters.
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    launchOptions,
    viewport: { width: 1280, height: 900 },
  },
  projects: [
    {
      name: 'demo',
      testDir: 'test/e2e',
      testIgnore: /page-(lifecycle|frozen)/,
      use: { baseURL: `http://127.0.0.1:${demoPort}` },
    },
    // The back/forward cache live: Playwright launches Chromium with it off unless told not to.
    // page-frozen starts its own Chromium (test/e2e/cdp.ts).
    {
      name: 'lifecycle',
      testDir: 'test/e2e',
      testMatch: /page-(lifecycle|frozen)\.spec\.ts$/,
      use: {
        baseURL: `http://127.0.0.1:${demoPort}`,
        launchOptions: { ...launchOptions, ignoreDefaultArgs: ['--disable-back-forward-cache'] },
      },
    },
    {
      name: 'django',
      testDir: 'test/interop/django',
      testMatch: /\.spec\.ts$/,
      use: { baseURL: `http://127.0.0.1:${djangoPort}` },
    },
  ],
  webServer: [
    {
      command: 'npx tsx demo/server/index.ts --test-hooks',
      env: { PORT: String(demoPort), TOKEN_TTL: '60' },
      url: `http://127.0.0.1:${demoPort}/health`,
      reuseExistingServer: !process.env.CI,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `bash test/interop/django/serve.sh ${djangoPort}`,
      url: `http://127.0.0.1:${djangoPort}/health`,
      reuseExistingServer: !process.env.CI,
      timeout: 90_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
})
