/**
 * The reference server for the Chromium benches: the built IIFE (dist/) and a bench page that
 * loads it (`/page.html`), plus any other pages a bench needs, from a temporary folder that goes
 * with the server.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDemoServer, type DemoServer } from '../demo/server/app.js'

export async function startBenchPages(pages: Record<string, string> = {}): Promise<DemoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'authsocket-bench-'))
  const files = {
    'page.html': '<!doctype html><title>bench</title><script src="/authsocket.iife.min.js"></script>',
    ...pages,
  }
  for (const [name, html] of Object.entries(files)) writeFileSync(join(dir, name), html)
  const server = await startDemoServer({
    port: 0,
    testMode: true,
    log: () => undefined,
    staticDirs: [
      ['/', dir],
      ['/', 'dist'],
    ],
  })
  return {
    ...server,
    close: async () => {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
