/**
 * One socket for all tabs (issue 13, part 2): five pages of one browser context share one
 * socket to the reference server (`shareSocket`); the tab holding it is closed 10 times while
 * every tab sends numbered messages and the server streams numbered ticks to the session.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { bundlePage, countSockets, holdsSocket, resetServer, serverStats } from './helpers.js'

test.beforeEach(async ({ request }) => resetServer(request))

interface Seen {
  ticks: number[]
  /** Per stream, the numbers of the server's echoes. */
  echoes: Record<string, number[]>
  errors: string[]
  sent: number
}

/**
 * A tab that sends `{ stream: name, n }` every 20 ms; `share`: with `shareSocket`. `window.sockets` counts the
 * WebSockets it opened.
 */
async function tab(context: BrowserContext, name: string, share: boolean): Promise<Page> {
  const page = await context.newPage()
  await bundlePage(page)
  await countSockets(page)
  await page.evaluate(
    async ([name, share]) => {
      const w = window as any
      const login = await fetch('/api/login', {
        method: 'POST',
        body: JSON.stringify({ username: 'alice', password: 'alice', ttl: 600 }),
      }).then((r) => r.json())
      w.seen = { ticks: [], echoes: {}, errors: [], sent: 0 }
      w.socket = new w.AuthSocket('/ws', {
        ...(share ? { shareSocket: 'shared-test' } : {}),
        credentials: w.AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }),
      })
      w.socket.on('message', (m: { type?: string; n: number; data?: { stream: string; n: number } }) => {
        if (m.type === 'tick') w.seen.ticks.push(m.n)
        else if (m.type === 'echo' && m.data) (w.seen.echoes[m.data.stream] ??= []).push(m.data.n)
      })
      w.socket.on('error', (e: { code: string }) => w.seen.errors.push(e.code))
      w.sender = setInterval(() => w.socket.send({ stream: name, n: ++w.seen.sent }), 20)
    },
    [name, share] as const,
  )
  return page
}

/** The tab whose own WebSocket is open: the one holding the shared socket. */
async function leader(pages: Page[]): Promise<Page | undefined> {
  const open = await Promise.all(pages.map(holdsSocket))
  return pages[open.indexOf(true)]
}

/** Stops the tab's sender and returns what it saw. */
const finish = (page: Page) =>
  page.evaluate(() => {
    clearInterval((window as any).sender)
    return (window as any).seen as Seen
  })

const TICKS = 1200

test(
  'five tabs, one socket: the tab holding it closed 10 times while every tab sends and the ' +
    'server streams; 0 lost, duplicated or reordered at the server and in every tab',
  async ({ context, request }) => {
    test.setTimeout(120_000)
    let tabs = 0
    const pages: Page[] = []
    for (; tabs < 5; tabs++) pages.push(await tab(context, `tab-${tabs}`, true))
    await expect.poll(async () => (await serverStats(request)).authenticated, { timeout: 10_000 }).toBe(1)
    // The stream outlasts the loop below (about 15 s here) by several seconds, so that the last tab
    // opened has joined before it ends (with 800 ticks, 16 s, it sometimes had not: 0 ticks).
    await request.post('/test/stream', { data: { count: TICKS, every: 20 } })
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
    await expect
      .poll(
        async () =>
          Math.min(
            ...(await Promise.all(
              pages.filter(Boolean).map((page) => page.evaluate(() => (window as any).seen.ticks.at(-1) ?? 0)),
            )),
          ),
        { timeout: 30_000 },
      )
      .toBe(TICKS)
    const alive = pages.map((page, index) => [page, index] as const).filter(([page]) => page)
    const stopped = await Promise.all(alive.map(([page]) => finish(page)))
    alive.forEach(([, index], i) => (sent[`tab-${index}`] = stopped[i]!.sent))
    await expect
      .poll(
        async () => {
          const { streams } = await serverStats(request)
          return Object.entries(sent).filter(([name, count]) => streams[name]?.received !== count).length
        },
        { timeout: 15_000 },
      )
      .toBe(0)
      .catch(async (error) => {
        const { streams, duplicates } = await serverStats(request)
        console.log(JSON.stringify({ sent, streams, duplicates, handovers, errors: stopped.map((s) => s.errors) }))
        throw error
      })
    // The echoes of the last messages may still be on their way to the tabs.
    const echoed = async () => Promise.all(alive.map(([page]) => page.evaluate(() => (window as any).seen as Seen)))
    await expect
      .poll(
        async () =>
          (await echoed()).every((s) =>
            Object.entries(s.echoes).every(([name, numbers]) => numbers.at(-1) === sent[name]),
          ),
        { timeout: 10_000 },
      )
      .toBe(true)
      .catch(() => undefined)
    const seen = await echoed()
    const stats = await serverStats(request)
    console.log(
      `one socket for 5 tabs, the holder closed 10 times: peak sockets at the server ` +
        `${stats.peakSockets}, ${stats.authenticated} authentications, handover (close to the next ` +
        `tab's socket open) ${handovers.join(', ')} ms; server: ${stats.duplicates} duplicates ` +
        `dropped, ${stats.replayed} replayed, ${stats.resyncs} resyncs; errors in tabs ` +
        `${JSON.stringify(seen.map((s) => s.errors))}`,
    )
    expect(stats.peakSockets).toBe(1)
    expect(stats.resyncs).toBe(0)
    // The server application got every tab's messages once and in order, the closed tabs' too.
    for (const [name, count] of Object.entries(sent))
      expect(stats.streams[name], name).toEqual({ last: count, received: count, errors: [] })
    // Every tab got each tick, and the echo of every message, once and in order from its first on (a tab that
    // joined late starts later).
    const run = (numbers: number[]) => Array.from({ length: numbers.length }, (_, i) => numbers[0]! + i)
    for (const { ticks, echoes } of seen) {
      expect(ticks.length).toBeGreaterThan(0)
      expect(ticks).toEqual(run(ticks))
      expect(ticks.at(-1)).toBe(TICKS)
      for (const [name, numbers] of Object.entries(echoes)) {
        expect(numbers, name).toEqual(run(numbers))
        expect(numbers.at(-1), name).toBe(sent[name])
      }
    }
    for (const s of seen) expect(s.errors).toEqual([])
  },
)

test('the control: five tabs without shareSocket open five sockets', async ({ context, request }) => {
  const pages = []
  for (let i = 0; i < 5; i++) pages.push(await tab(context, `own-${i}`, false))
  await expect.poll(async () => (await serverStats(request)).authenticated, { timeout: 10_000 }).toBe(5)
  for (const page of pages) await finish(page)
  expect((await serverStats(request)).peakSockets).toBe(5)
})

test(
  "every tab has the AuthSocket API: ready, state and 'authenticated' in each; the holder's " +
    "close() hands the socket on; a follower's close() and reconnect()",
  async ({ context, request }) => {
    const pages: Page[] = []
    for (let i = 0; i < 3; i++) pages.push(await tab(context, `api-${i}`, true))
    const each = <T>(fn: () => T) => Promise.all(pages.map((page) => page.evaluate(fn)))
    await each(() => (window as any).socket.ready)
    await each(() => {
      clearInterval((window as any).sender)
      return true
    })
    // The same state everywhere, and 'authenticated' heard in every tab, leader or not.
    expect(await each(() => (window as any).socket.state)).toEqual(['open', 'open', 'open'])
    await each(() => {
      const w = window as any
      w.events = []
      for (const type of ['state', 'authenticated', 'close', 'connecting'])
        w.socket.on(type, (e: { state?: string }) => w.events.push(e.state ? `${type}:${e.state}` : type))
    })
    const first = (await leader(pages))!
    const [a, b] = pages.filter((page) => page !== first) as [Page, Page]
    // The holder closes its AuthSocket (its tab stays): another tab opens the socket; the others stay open throughout.
    await first.evaluate(() => (window as any).socket.close())
    await expect.poll(async () => (await leader([a, b])) !== undefined, { timeout: 10_000 }).toBe(true)
    await expect
      .poll(() => Promise.all([a, b].map((page) => page.evaluate(() => (window as any).socket.state))), {
        timeout: 10_000,
      })
      .toEqual(['open', 'open'])
    expect(await first.evaluate(() => (window as any).socket.state)).toBe('closed')
    expect(await holdsSocket(first)).toBe(false)
    // A follower's reconnect() makes the holder reconnect: every tab hears the new authentication.
    const second = (await leader([a, b]))!
    const follower = second === a ? b : a
    const before = await each(() => (window as any).events.filter((e: string) => e === 'authenticated').length)
    await follower.evaluate(() => (window as any).socket.reconnect())
    await expect
      .poll(
        async () =>
          (
            await Promise.all(
              [a, b].map((page) =>
                page.evaluate(() => (window as any).events.filter((e: string) => e === 'authenticated').length),
              ),
            )
          ).every((n, i) => n > before[pages.indexOf([a, b][i]!)]!),
        { timeout: 10_000 },
      )
      .toBe(true)
    // A follower's close() leaves the holder alone; a send after it throws NOT_CONNECTED.
    await follower.evaluate(() => (window as any).socket.close())
    expect(await follower.evaluate(() => (window as any).socket.state)).toBe('closed')
    expect(
      await follower.evaluate(() => {
        try {
          ;(window as any).socket.send({ late: true })
          return 'sent'
        } catch (e) {
          return (e as { code: string }).code
        }
      }),
    ).toBe('NOT_CONNECTED')
    expect(await second.evaluate(() => (window as any).socket.state)).toBe('open')
    const stats = await serverStats(request)
    expect(stats.peakSockets).toBe(1)
    expect(await each(() => (window as any).seen.errors)).toEqual([[], [], []])
  },
)

test("the group fails (a forbidden room): every tab ends failed with the server's reason, and ready rejects with it", async ({
  context,
}) => {
  const outcomes = []
  for (let i = 0; i < 2; i++) {
    const page = await context.newPage()
    await bundlePage(page)
    outcomes.push(
      page.evaluate(async () => {
        const w = window as any
        const login = await fetch('/api/login', {
          method: 'POST',
          body: JSON.stringify({ username: 'bob', password: 'bob', ttl: 600 }),
        }).then((r) => r.json())
        const socket = new w.AuthSocket('/ws/rooms/staff', {
          shareSocket: 'forbidden',
          credentials: w.AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }),
        })
        const reason = await socket.ready.then(
          () => 'open',
          (e: { code: string; detail?: string }) => `${e.code}: ${e.detail}`,
        )
        return [reason, socket.state]
      }),
    )
  }
  expect(await Promise.all(outcomes)).toEqual(Array(2).fill(['FORBIDDEN: You may not join this room', 'failed']))
})
