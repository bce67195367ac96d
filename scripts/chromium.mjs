// Finds a Chromium for the browser tests: $CHROMIUM_PATH, then /usr/bin/chromium, then
// Playwright's cache. With --ensure, installs one if there is none, saying what it does:
// Playwright's download where the network allows, else Debian's package when root.
import { execSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH ?? process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH
  if (fromEnv && existsSync(fromEnv)) return fromEnv
  for (const path of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(path)) return path
  const cache = process.env.PLAYWRIGHT_BROWSERS_PATH ?? join(homedir(), '.cache', 'ms-playwright')
  if (existsSync(cache)) {
    for (const dir of readdirSync(cache)
      .filter((d) => d.startsWith('chromium'))
      .sort()
      .reverse()) {
      for (const sub of ['chrome-linux64/chrome', 'chrome-linux/chrome']) {
        const path = join(cache, dir, sub)
        if (existsSync(path)) return path
      }
    }
  }
  return undefined
}

function run(command) {
  console.log(`[chromium] $ ${command}`)
  execSync(command, { stdio: 'inherit' })
}

if (process.argv.includes('--ensure')) {
  let path = findChromium()
  if (!path) {
    console.log('[chromium] No Chromium found ($CHROMIUM_PATH, /usr/bin/chromium, Playwright cache): installing one.')
    try {
      run('npx playwright install chromium')
    } catch {
      console.log("[chromium] Playwright's download failed (no network to its CDN?).")
      if (process.getuid?.() === 0)
        run('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium')
      else
        console.log(
          "[chromium] Not root, so Debian's package cannot be installed here: run `sudo apt-get install chromium` or set CHROMIUM_PATH.",
        )
    }
    path = findChromium()
  }
  if (!path) {
    console.error('[chromium] Still no Chromium: the browser tests cannot run.')
    process.exit(1)
  }
  console.log(`[chromium] using ${path}`)
}
