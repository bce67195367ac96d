/**
 * The page lifecycle in Chromium (issue 15): the back/forward cache, live (Playwright's default
 * `--disable-back-forward-cache` is dropped), against the reference server.
 */
import { expect, test, type Page } from '@playwright/test'
import { bundlePage, countSockets, holdsSocket, resetServer, serverStats } from './helpers.js'

test.beforeEach(async ({ request }) => resetServer(request))

/** Away to another page of the origin and back: `commit`, since a page restored from the cache fires no `load`. */
async function awayAndBack(page: Page): Promise<void> {
  await page.goto('/health')
  await page.goBack({ waitUntil: 'commit' })
}

test('the control: the cache is live (a restored page fires pageshow with persisted)', async ({ page }) => {
  await page.goto('/cdn.html?manual')
  await page.evaluate(() => addEventListener('pageshow', (e) => ((window as any).restored = e.persisted)))
  await awayAndBack(page)
  await expect.poll(() => page.evaluate(() => (window as any).restored)).toBe(true)
})

test(
  'back/forward 10 times while the server streams and the page sends: 10 reconnects at once, ' +
    '0 lost, 0 duplicated, 0 errors, the server sees clean closes',
  async ({ page, request }) => {
    await bundlePage(page)
    await page.evaluate(async () => {
      const { AuthSocket } = window as unknown as { AuthSocket: any }
      const login = await fetch('/api/login', {
        method: 'POST',
        body: JSON.stringify({ username: 'alice', password: 'alice' }),
      }).then((r) => r.json())
      const w = window as any
      // A long backoff: a reconnect that waited for it would show.
      const socket = new AuthSocket('/ws', {
        credentials: AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }),
        retryDelay: () => 5000,
      })
      Object.assign(w, { socket, ticks: [], errors: [], authenticated: 0, shownAt: [], openAt: [], sent: 0 })
      socket.on('message', (m: { type: string; n: number }) => m.type === 'tick' && w.ticks.push(m.n))
      socket.on('error', (e: { code: string }) => w.errors.push(e.code))
      socket.on('authenticated', () => {
        w.authenticated++
        w.openAt.push(performance.now())
      })
      addEventListener('pageshow', (e) => e.persisted && w.shownAt.push(performance.now()))
      await socket.ready
      await new Promise((resolve) => setTimeout(resolve, 50)) // the session frame is in
      w.sender = setInterval(() => socket.send({ stream: 'bfcache', n: ++w.sent }), 20)
    })
    expect((await request.post('/test/stream', { data: { count: 400, every: 20 } })).ok()).toBe(true)
    for (let i = 0; i < 10; i++) {
      await page.waitForTimeout(200)
      await awayAndBack(page)
      await expect.poll(() => page.evaluate(() => (window as any).authenticated), { timeout: 5000 }).toBe(i + 2)
    }
    await expect.poll(() => page.evaluate(() => (window as any).ticks.length), { timeout: 15_000 }).toBe(400)
    const seen = await page.evaluate(() => {
      const w = window as any
      clearInterval(w.sender)
      return {
        ticks: w.ticks,
        errors: w.errors,
        authenticated: w.authenticated,
        sent: w.sent,
        gaps: w.shownAt.map((t: number, i: number) => w.openAt[i + 1] - t),
      }
    })
    await expect
      .poll(async () => (await serverStats(request)).streams.bfcache?.received, { timeout: 5000 })
      .toBeGreaterThanOrEqual(seen.sent)
    const stats = await serverStats(request)
    expect(seen.ticks).toEqual(Array.from({ length: 400 }, (_, i) => i + 1))
    expect(stats.streams.bfcache!.errors).toEqual([])
    expect(stats.streams.bfcache!.received).toBe(stats.streams.bfcache!.last)
    expect(seen.errors).toEqual([])
    expect(seen.authenticated).toBe(11)
    // each pagehide closed cleanly: no 1001 (going away), no 1006 (a dead peer)
    expect(stats.closeCodes).toEqual({ 1000: 10 })
    expect(seen.gaps).toHaveLength(10) // every return was a restore from the cache: the page stayed eligible
    // pageshow to authenticated again: a ticket fetch and a handshake on 127.0.0.1, no backoff (it would be 0-5 s).
    for (const gap of seen.gaps) expect(gap).toBeLessThan(500)
    console.log(`pageshow → authenticated (ms): ${seen.gaps.map((g: number) => g.toFixed(0)).join(', ')}`)
  },
)

test('offline for 30 s (context.setOffline): no attempt while offline, open again at once on online', async ({
  page,
  context,
}) => {
  test.setTimeout(90_000)
  await bundlePage(page)
  await page.evaluate(async () => {
    const { AuthSocket } = window as unknown as { AuthSocket: any }
    const login = await fetch('/api/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'alice', password: 'alice' }),
    }).then((r) => r.json())
    const w = window as any
    const socket = new AuthSocket('/ws', {
      credentials: AuthSocket.queryToken({ token: () => login.token }),
      heartbeat: { interval: 2000, timeout: 2000 },
    })
    Object.assign(w, { socket, attempts: [], waiting: [], errors: [], openAt: [] })
    socket.on('connecting', () => w.attempts.push(navigator.onLine))
    socket.on('waiting', ({ until }: { until: string }) => w.waiting.push(until))
    socket.on('error', (e: { code: string }) => w.errors.push(e.code))
    socket.on('authenticated', () => w.openAt.push(performance.now()))
    await socket.ready
  })
  await context.setOffline(true)
  // The socket dies with the network (the heartbeat finds it within 4 s); then the client waits.
  await expect.poll(() => page.evaluate(() => (window as any).socket.state), { timeout: 10_000 }).not.toBe('open')
  await page.waitForTimeout(30_000)
  const onlineAt = await page.evaluate(() => performance.now())
  await context.setOffline(false)
  await expect.poll(() => page.evaluate(() => (window as any).openAt.length), { timeout: 5000 }).toBe(2)
  const seen = await page.evaluate(() => ({
    attempts: (window as any).attempts,
    waiting: (window as any).waiting,
    openAt: (window as any).openAt,
  }))
  // attempts made while offline: 0 (the previous build made 6 in these 30 s)
  expect(seen.attempts.filter((online: boolean) => !online)).toEqual([])
  expect(seen.waiting).toEqual(['online'])
  const toOpen = seen.openAt[1] - onlineAt
  console.log(`online → authenticated: ${toOpen.toFixed(0)} ms`)
  expect(toOpen).toBeLessThan(1000)
})

test(
  'shareSocket: the tab holding the socket goes into the cache 3 times; another tab takes it ' +
    'over each time, and the cached one comes back as a follower',
  async ({ context, request }) => {
    const open = holdsSocket
    const pages: Page[] = []
    for (let i = 0; i < 2; i++) {
      const page = await context.newPage()
      await bundlePage(page)
      await countSockets(page)
      await page.evaluate(async (name) => {
        const w = window as any
        const login = await fetch('/api/login', {
          method: 'POST',
          body: JSON.stringify({ username: 'alice', password: 'alice' }),
        }).then((r) => r.json())
        Object.assign(w, { errors: [], sent: 0 })
        w.socket = new w.AuthSocket('/ws', {
          shareSocket: 'cached',
          credentials: w.AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }),
        })
        w.socket.on('error', (e: { code: string }) => w.errors.push(e.code))
        await w.socket.ready
        w.sender = setInterval(() => w.socket.send({ stream: name, n: ++w.sent }), 20)
      }, `cached-${i}`)
      pages.push(page)
    }
    const took: number[] = []
    for (let round = 0; round < 3; round++) {
      const holder = (await open(pages[0]!)) ? pages[0]! : pages[1]!
      const other = holder === pages[0] ? pages[1]! : pages[0]!
      const leftAt = Date.now()
      await holder.goto('/health')
      await expect.poll(() => open(other), { timeout: 5000, intervals: [10] }).toBe(true)
      took.push(Date.now() - leftAt)
      await holder.goBack({ waitUntil: 'commit' })
      await expect.poll(() => holder.evaluate(() => (window as any).socket.state), { timeout: 5000 }).toBe('open')
      expect(await open(holder)).toBe(false) // a follower now
    }
    const seen = await Promise.all(
      pages.map((page) =>
        page.evaluate(() => {
          clearInterval((window as any).sender)
          return { sent: (window as any).sent, errors: (window as any).errors }
        }),
      ),
    )
    // Every message of both tabs reaches the server application, once and in order.
    await expect
      .poll(async () => Object.values((await serverStats(request)).streams).map((s) => s.received), { timeout: 10_000 })
      .toEqual(seen.map((s) => s.sent))
    const stats = await serverStats(request)
    console.log(
      `shareSocket through the cache: the other tab held the socket ${took.join(', ')} ms after ` +
        `the holder left; ${stats.authenticated} authentications, peak sockets ${stats.peakSockets}`,
    )
    expect(stats.peakSockets).toBe(1)
    expect(stats.authenticated).toBe(4)
    for (const stream of Object.values(stats.streams)) expect(stream.errors).toEqual([])
    expect(seen.map((s) => s.errors)).toEqual([[], []])
  },
)
