/**
 * One socket for all tabs (issue 13, part 2): five pages of one browser context share one
 * socket to the reference server (`shareSocket`); the tab holding it is closed 10 times while
 * every tab sends numbered messages and the server streams numbered ticks to the session.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { bundlePage, resetServer, serverStats } from './helpers.js'

test.beforeEach(async ({ request }) => resetServer(request))

interface Seen {
  ticks: number[]
  errors: string[]
  sent: number
}

/** A tab that sends `{ stream: name, n }` every 20 ms; `share`: with `shareSocket`. `window.sockets` counts the WebSockets it opened. */
async function tab(context: BrowserContext, name: string, share: boolean): Promise<Page> {
  const page = await context.newPage()
  await bundlePage(page)
  await page.evaluate(
    async ([name, share]) => {
      const w = window as any
      const Native = WebSocket
      w.sockets = []
      w.WebSocket = class extends Native {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args)
          w.sockets.push(this)
        }
      }
      const login = await fetch('/api/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice', ttl: 600 }) }).then((r) => r.json())
      w.seen = { ticks: [], errors: [], sent: 0 }
      w.socket = new w.AuthSocket('/ws', { ...(share ? { shareSocket: 'shared-test' } : {}), credentials: w.AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }) })
      w.socket.on('message', (m: { type?: string; n: number }) => m.type === 'tick' && w.seen.ticks.push(m.n))
      w.socket.on('error', (e: { code: string }) => w.seen.errors.push(e.code))
      w.sender = setInterval(() => w.socket.send({ stream: name, n: ++w.seen.sent }), 20)
    },
    [name, share] as const,
  )
  return page
}

/** The tab whose own WebSocket is open: the one holding the shared socket. */
async function leader(pages: Page[]): Promise<Page | undefined> {
  const open = await Promise.all(pages.map((page) => page.evaluate(() => (window as any).sockets.some((s: WebSocket) => s.readyState === 1))))
  return pages[open.indexOf(true)]
}

/** Stops the tab's sender and returns what it saw. */
const finish = (page: Page) => page.evaluate(() => (clearInterval((window as any).sender), (window as any).seen as Seen))

test('five tabs, one socket: the tab holding it closed 10 times while every tab sends and the server streams; 0 lost, duplicated or reordered at the server and in every tab', async ({ context, request }) => {
  test.setTimeout(120_000)
  let tabs = 0
  const pages: Page[] = []
  for (; tabs < 5; tabs++) pages.push(await tab(context, `tab-${tabs}`, true))
  await expect.poll(async () => (await serverStats(request)).authenticated, { timeout: 10_000 }).toBe(1)
  await request.post('/test/stream', { data: { count: 800, every: 20 } })
  const sent: Record<string, number> = {}
  const handovers: number[] = []
  for (let close = 0; close < 10; close++) {
    await new Promise((resolve) => setTimeout(resolve, 700))
    const holder = await leader(pages.filter(Boolean))
    expect(holder, 'a tab holds the socket').toBeDefined()
    const index = pages.indexOf(holder!)
    sent[`tab-${index}`] = (await finish(holder!)).sent
    const closedAt = Date.now()
    await holder!.close()
    pages[index] = undefined as never
    const next = await (async () => {
      for (;;) {
        const found = await leader(pages.filter(Boolean))
        if (found) return found
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()
    handovers.push(Date.now() - closedAt)
    expect(next).toBeDefined()
    pages.push(await tab(context, `tab-${tabs++}`, true))
  }
  // Let the stream end, then stop every sender and let the last messages arrive.
  await expect.poll(async () => Math.min(...(await Promise.all(pages.filter(Boolean).map((page) => page.evaluate(() => (window as any).seen.ticks.at(-1) ?? 0))))), { timeout: 30_000 }).toBe(800)
  const alive = pages.map((page, index) => [page, index] as const).filter(([page]) => page)
  const seen = await Promise.all(alive.map(([page]) => finish(page)))
  alive.forEach(([, index], i) => (sent[`tab-${index}`] = seen[i]!.sent))
  await expect
    .poll(async () => {
      const { streams } = await serverStats(request)
      return Object.entries(sent).filter(([name, count]) => streams[name]?.received !== count).length
    }, { timeout: 15_000 })
    .toBe(0)
    .catch(async (error) => {
      const { streams, duplicates } = await serverStats(request)
      console.log(JSON.stringify({ sent, streams, duplicates, handovers, errors: seen.map((s) => s.errors) }))
      throw error
    })
  const stats = await serverStats(request)
  console.log(`one socket for 5 tabs, the holder closed 10 times: peak sockets at the server ${stats.peakSockets}, ${stats.authenticated} authentications, handover (close to the next tab's socket open) ${handovers.join(', ')} ms; server: ${stats.duplicates} duplicates dropped, ${stats.replayed} replayed, ${stats.resyncs} resyncs; errors in tabs ${JSON.stringify(seen.map((s) => s.errors))}`)
  expect(stats.peakSockets).toBe(1)
  expect(stats.resyncs).toBe(0)
  // The server application got every tab's messages once and in order, the closed tabs' too.
  for (const [name, count] of Object.entries(sent)) expect(stats.streams[name], name).toEqual({ last: count, received: count, errors: [] })
  // Every tab got each tick once, in order, from its first on (a tab that joined late starts later).
  for (const { ticks } of seen) {
    expect(ticks.length).toBeGreaterThan(0)
    expect(ticks).toEqual(Array.from({ length: ticks.length }, (_, i) => ticks[0]! + i))
    expect(ticks.at(-1)).toBe(800)
  }
  for (const s of seen) expect(s.errors).toEqual([])
})

test('the control: five tabs without shareSocket open five sockets', async ({ context, request }) => {
  const pages = []
  for (let i = 0; i < 5; i++) pages.push(await tab(context, `own-${i}`, false))
  await expect.poll(async () => (await serverStats(request)).authenticated, { timeout: 10_000 }).toBe(5)
  for (const page of pages) await finish(page)
  expect((await serverStats(request)).peakSockets).toBe(5)
})
