import { iifeBundle } from './bundle.js'
import { startChild } from './lib.js'
import { startBenchPages } from './pages.js'
// @ts-expect-error -- mjs
import { findChromium } from '../scripts/chromium.mjs'
const { chromium } = await import('@playwright/test')
const bundle = await iifeBundle("import * as api from 'authsocket'\nexport default api", 'authsocket')
const pages = await startBenchPages({
  'persist.html': `<!doctype html><title>bench</title><script>${bundle.replace(/<\/script/g, '<\\/script')}</script>`,
})
const echo = await startChild(process.execPath, ['--import', 'tsx', 'bench/echo-server.ts'])
const browser = await chromium.launch({ executablePath: findChromium() })
const page = await browser.newPage()
page.on('console', (m) => console.log('PAGE', m.text()))
await page.goto(`${pages.url}/persist.html`)
console.log(
  await page.evaluate(
    `typeof authsocket + ' ' + Object.keys(authsocket).slice(0,5).join(',') + ' ' + typeof authsocket.AuthSocket`,
  ),
)
console.log(
  await page.evaluate(`(async () => {
  const { AuthSocket, queryToken } = authsocket
  const socket = new AuthSocket('ws://127.0.0.1:${echo.port}/?auth=ack', { credentials: queryToken({ token: 'bench-token' }), debug: (l) => console.log(l) })
  const r = await Promise.race([socket.ready.then(() => 'ready'), new Promise((res) => setTimeout(() => res('timeout ' + socket.state), 3000))])
  socket.close()
  return r
})()`),
)
await browser.close()
await echo.stop()
await pages.close()
