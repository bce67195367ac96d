/**
 * What the persistent outbox costs (issue 25): acknowledged sends in Chromium with and without
 * `persist`, in the same run, against the echo server that acknowledges (bench/echo-server.ts).
 * With `persist` every message is kept in IndexedDB before it is written (one transaction per
 * task, the next one gathering what came meanwhile) and forgotten when acknowledged.
 * @module
 */
import { iifeBundle } from './bundle.js'
import { launchChromium, startChild } from './lib.js'
import { startBenchPages } from './pages.js'
import { summarise, type ThroughputResult } from './throughput.js'

export async function persistCost(
  total: number,
  window: number,
  rounds: number,
  executablePath: string,
): Promise<ThroughputResult[]> {
  const bundle = await iifeBundle("import * as api from 'authsocket'\nexport default api", 'authsocket')
  // IndexedDB and Web Locks need an origin: the page is served, not about:blank.
  const pages = await startBenchPages({
    'persist.html': `<!doctype html><title>bench</title><script>${bundle.replace(/<\/script/g, '<\\/script')}</script>`,
  })
  const echo = await startChild(process.execPath, ['--import', 'tsx', 'bench/echo-server.ts'])
  const browser = await launchChromium(executablePath)
  try {
    const page = await browser.newPage()
    await page.goto(`${pages.url}/persist.html`)
    let runs = 0
    // A string, not a function: tsx would inject helpers (__name) the page does not have.
    const run = (persist: boolean, n: number): Promise<number> =>
      page.evaluate(`(async () => {
        const { AuthSocket, PersistentOutbox, clearPersisted, queryToken } = authsocket
        const name = 'bench-${runs++}', n = ${n}, inFlight = ${window}
        // The outbox holds what is in flight until acknowledged: room for the window, as in the Node bench.
        const options = { credentials: queryToken({ token: 'bench-token' }), maxQueueSize: 10000 }
        if (${persist}) Object.assign(options, { persist: name, features: [PersistentOutbox] })
        const socket = new AuthSocket('ws://127.0.0.1:${echo.port}/?auth=ack', options)
        const errors = []
        socket.on('error', (e) => errors.push(e.code))
        await socket.ready
        const msg = (i) => ({ type: 'chat', n: i, text: 'hello, authenticated world' })
        const start = performance.now()
        await new Promise((done) => {
          let sent = 0, received = 0
          socket.on('message', () => {
            received++
            if (sent < n) socket.send(msg(sent++))
            else if (received === n) done()
          })
          while (sent < Math.min(inFlight, n)) socket.send(msg(sent++))
        })
        const ms = performance.now() - start
        await new Promise((resolve) => setTimeout(resolve, 50)) // the last ack
        socket.close()
        if (${persist}) await clearPersisted(name)
        if (errors.length) throw new Error('errors: ' + errors.join(', '))
        return ms
      })()`)
    await run(false, 5_000)
    await run(true, 5_000)
    const kinds = [false, false, true]
    const rates: number[][] = [[], [], []]
    for (let r = 0; r < rounds; r++) {
      for (const i of r % 2 ? [2, 1, 0] : [0, 1, 2]) rates[i]!.push(total / ((await run(kinds[i]!, total)) / 1000))
    }
    return summarise(
      [
        'AuthSocket, acks (Chromium)',
        'AuthSocket, acks, again: noise control',
        'AuthSocket, acks + persist (IndexedDB)',
      ],
      rates,
      rates.map((list) => list.map(() => NaN)),
    )
  } finally {
    await browser.close()
    await echo.stop()
    await pages.close()
  }
}
